"""Reads for the public pages and the admin: no side effects."""

from dataclasses import dataclass

from django.core.files.storage import storages
from django.db.models import Count, Q, QuerySet, Sum, TextField, Value
from django.db.models.functions import Cast, Coalesce
from django.utils import translation
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from core.languages import site_languages, source_language

from .indexes import answer_engine
from .languages import name_in_sentence, written_in_notice
from .models import (
    Article,
    ArticleImage,
    ArticleStatus,
    Attachment,
    Category,
    ImageVersion,
    SourceRevision,
    TranslationRevision,
)
from .rendering import FileLink, ImageSource, highlight_html, media_references


def categories_with_counts() -> QuerySet[Category]:
    """Categories that have published articles, with `article_count`."""
    return (
        Category.objects.annotate(
            article_count=Count("articles", filter=Q(articles__status=ArticleStatus.PUBLISHED))
        )
        .filter(article_count__gt=0)
        .order_by("order", "id")
    )


def popular_articles(*, limit: int) -> list[Article]:
    """The most viewed published articles over all languages."""
    return list(
        Article.objects.published()
        .select_related("category")
        .annotate(total_views=Coalesce(Sum("view_counts__views"), Value(0)))
        .order_by("-total_views", "order", "id")[:limit]
    )


def with_language_marks(articles, *, language: str) -> list[Article]:
    """The articles, each with `shown_language` (the language its title is written in, "" when it is
    the page's) and `language_notice` ("In English"), so that a list in Japanese marks the English
    titles of articles not translated yet instead of mixing them in unmarked."""
    marked = list(articles)
    for article in marked:
        translated = article.has_translation(language)
        article.shown_language = "" if translated else source_language()
        article.language_notice = _language_notice(article, language)
    return marked


def category_articles(*, category: Category) -> QuerySet[Article]:
    return Article.objects.published().filter(category=category).select_related("category")


def _slug_lookup(slug: str, language: str, source_language: str) -> Q:
    return Q(**{build_localized_fieldname("slug", language): slug}) | Q(
        **{build_localized_fieldname("slug", source_language): slug}
    )


def category_by_slug(*, slug: str, language: str, source_language: str) -> Category | None:
    return Category.objects.filter(_slug_lookup(slug, language, source_language)).first()


def article_by_slug(
    *, slug: str, language: str, source_language: str, include_drafts: bool = False
) -> Article | None:
    """The article whose slug in `language` (or in the source language) is `slug`."""
    articles = Article.objects.select_related("category", "author")
    if not include_drafts:
        articles = articles.published()
    # A slug of the page's language wins over a source-language slug that happens to be equal.
    candidates = list(articles.filter(_slug_lookup(slug, language, source_language))[:2])
    for article in candidates:
        if article.field_in(language, "slug") == slug:
            return article
    return candidates[0] if candidates else None


def related_articles(*, article: Article, limit: int) -> list[Article]:
    """Other published articles of the same category."""
    return list(category_articles(category=article.category).exclude(pk=article.pk)[:limit])


@dataclass(frozen=True)
class SearchResult:
    article: Article
    score: float
    snippet_html: SafeString
    notice: str = ""  # "In English" for an article not translated into the page's language yet
    language: str = ""  # the language its title and page are written in, when not the page's


def _language_notice(article: Article, language: str) -> str:
    return "" if article.has_translation(language) else written_in_notice(source_language(), language)


def article_search(
    *, query: str, language: str, limit: int, min_relative_score: float = 0.0
) -> list[SearchResult]:
    """Published articles matching `query` in `language`, best first, with highlighted snippets: the
    chatbot's fused ranking (words, the sample-question classifier and, with an encoder, meaning).
    An article that shares no word with the query is listed only when the engine is confident of
    it (a Spanish search for "factura" finds the English-only invoice article); weak matches far
    behind the first are dropped."""
    engine = answer_engine(language)
    _answer, suggest = engine.thresholds
    hits = [
        hit
        for hit in engine.rank(query, limit=limit, gate=False)
        if hit.score >= min_relative_score and (hit.matched or hit.confidence >= suggest)
    ]
    if not hits:
        return []
    articles = Article.objects.published().select_related("category").in_bulk([hit.id for hit in hits])
    return [
        SearchResult(
            article=articles[hit.id],
            score=hit.score,
            snippet_html=highlight_html(hit.snippet, hit.highlights),
            notice=_language_notice(articles[hit.id], language),
            language="" if articles[hit.id].has_translation(language) else source_language(),
        )
        for hit in hits
        # An article unpublished since the index was read is simply left out.
        if hit.id in articles
    ]


def article_paths(*, slugs, language: str) -> dict[str, str]:
    """Path of each published article named by its source-language slug, in `language` (the English
    page when the article has no translation yet); unknown or unpublished slugs are left out."""
    paths = {}
    field = build_localized_fieldname("slug", source_language())
    for article in Article.objects.published().filter(**{f"{field}__in": list(slugs)}):
        shown = language if article.has_translation(language) else source_language()
        with translation.override(shown):
            paths[article.field_in(source_language(), "slug")] = article.get_absolute_url()
    return paths


def article_slugs_existing(*, slugs) -> set[str]:
    """Which of the source-language `slugs` name an article (published or draft)."""
    field = build_localized_fieldname("slug", source_language())
    return set(Article.objects.filter(**{f"{field}__in": list(slugs)}).values_list(field, flat=True))


# --- Uploaded images and files ------------------------------------------------------------------


def _srcset(files: list[dict], fmt: str) -> str:
    return ", ".join(
        f"{storages['default'].url(f['name'])} {f['width']}w" for f in files if f["format"] == fmt
    )


def image_source(
    *, image: ArticleImage, versions: dict[str, ImageVersion], language: str
) -> ImageSource | None:
    """How `image` shows on a page in `language`: that language's pixels, or the source
    language's with a note saying so; None when it has no pixels at all."""
    source = source_language()
    version = versions.get(language) or versions.get(source)
    if version is None:
        return None
    fallback = [f for f in version.files if f["format"] == version.fallback_format]
    middle = fallback[min(len(fallback) - 1, 1)] if fallback else None
    modern = [fmt for fmt in ("AVIF", "WEBP") if fmt != version.fallback_format]
    note = ""
    if version.language != language:
        note = _("Screenshot in %(source)s: not yet available in %(language)s.") % {
            "source": name_in_sentence(version.language, language),
            "language": name_in_sentence(language, language),
        }
    own_alt = image.field_in(language, "alt").strip()
    return ImageSource(
        alt=own_alt or image.field_in(source, "alt"),
        caption=image.field_in(language, "caption") or image.field_in(source, "caption"),
        width=version.width,
        height=version.height,
        src=storages["default"].url(middle["name"]) if middle else "",
        srcset=_srcset(version.files, version.fallback_format),
        sources=tuple(
            (f"image/{fmt.lower()}", _srcset(version.files, fmt))
            for fmt in modern
            if any(f["format"] == fmt for f in version.files)
        ),
        note=note,
        own_alt=bool(own_alt),
    )


def media_for_text(*, text: str, language: str) -> dict:
    """The images and files an article text refers to, as the page in `language` shows them:
    {"image:KEY": ImageSource, "attachment:KEY": FileLink} (kb/rendering.py renders them)."""
    references = media_references(text)
    image_keys = [r.split(":", 1)[1] for r in references if r.startswith("image:")]
    file_keys = [r.split(":", 1)[1] for r in references if r.startswith("attachment:")]
    media: dict = {}
    if image_keys:
        for image in ArticleImage.objects.filter(key__in=image_keys).prefetch_related("versions"):
            shown = image_source(
                image=image, versions={v.language: v for v in image.versions.all()}, language=language
            )
            if shown is not None:
                media[image.reference] = shown
    if file_keys:
        for attachment in Attachment.objects.filter(key__in=file_keys):
            media[attachment.reference] = FileLink(
                url=attachment.get_absolute_url(),
                name=attachment.name,
                size=attachment.size,
                content_type=attachment.content_type,
            )
    return media


def article_attachments(*, media: dict, text: str) -> list[FileLink]:
    """The files an article text links, in the order it links them, for the list under it."""
    return [media[r] for r in media_references(text) if isinstance(media.get(r), FileLink)]


@dataclass(frozen=True)
class MediaUse:
    """An article that refers to an upload: in its current text (`languages`) or only in versions
    of its history (`versions`, "en r3", "fr v2")."""

    article: Article
    languages: tuple[str, ...]
    versions: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = (
            ", ".join(self.languages)
            if self.languages
            else _("history: %(versions)s") % {"versions": ", ".join(self.versions)}
        )
        return f"{self.article} ({where})"


def _languages_using(article: Article, reference: str) -> tuple[str, ...]:
    return tuple(code for code in site_languages() if reference in article.field_in(code, "body"))


def media_uses(*, reference: str) -> list[MediaUse]:
    """Every article whose current text (any language) or history refers to `reference`
    ("image:KEY"), published ones first."""
    body_match = Q()
    for code in site_languages():
        body_match |= Q(**{f"{build_localized_fieldname('body', code)}__contains": reference})
    uses: dict[int, MediaUse] = {}
    for article in Article.objects.filter(body_match).order_by("-status", "pk"):
        uses[article.pk] = MediaUse(article, _languages_using(article, reference))
    history: dict[int, list[str]] = {}
    for model, label in ((SourceRevision, "r"), (TranslationRevision, "v")):
        rows = (
            model.objects.filter(article__isnull=False)
            .annotate(as_text=Cast("text", TextField()))
            .filter(as_text__contains=reference)
            .values_list("article_id", *(("language",) if model is TranslationRevision else ()), "number")
        )
        for row in rows:
            language = row[1] if len(row) == 3 else source_language()
            history.setdefault(row[0], []).append(f"{language} {label}{row[-1]}")
    for article in Article.objects.filter(pk__in=[pk for pk in history if pk not in uses]):
        uses[article.pk] = MediaUse(article, (), tuple(sorted(history[article.pk])))
    return sorted(
        uses.values(), key=lambda use: (not use.article.is_published, not use.languages, use.article.pk)
    )


@dataclass(frozen=True)
class UnusedUpload:
    item: ArticleImage | Attachment
    in_history: bool


def unused_uploads() -> list[UnusedUpload]:
    """Images and files no article's current text refers to (reported, never deleted behind the
    editors' back); `in_history` when an older version still does, so that deleting it is refused."""
    used: set[str] = set()
    body_fields = [build_localized_fieldname("body", code) for code in site_languages()]
    for bodies in Article.objects.values_list(*body_fields):
        for body in bodies:
            used.update(media_references(body or ""))
    history: set[str] = set()
    for model in (SourceRevision, TranslationRevision):
        for text in model.objects.filter(article__isnull=False).values_list("text", flat=True):
            history.update(media_references(str((text or {}).get("body", ""))))
    result = []
    for model in (ArticleImage, Attachment):
        for item in model.objects.all():
            if item.reference not in used:
                result.append(UnusedUpload(item, item.reference in history))
    return result


@dataclass(frozen=True)
class ImageToLocalise:
    image: ArticleImage
    articles: tuple[Article, ...]
    missing: tuple[str, ...]  # the languages that show another language's pixels


def images_to_localise(*, languages: list[str]) -> list[ImageToLocalise]:
    """The images that published articles show, with the target languages that have no version of
    their own yet (they show the source screenshot), for the translators' coverage dashboard."""
    by_reference: dict[str, list[Article]] = {}
    body_fields = [build_localized_fieldname("body", code) for code in site_languages()]
    for article in Article.objects.published().only("pk", *body_fields, "title", "slug"):
        for code in site_languages():
            for reference in media_references(article.field_in(code, "body")):
                if reference.startswith("image:") and article not in by_reference.get(reference, []):
                    by_reference.setdefault(reference, []).append(article)
    keys = [reference.split(":", 1)[1] for reference in by_reference]
    result = []
    for image in ArticleImage.objects.filter(key__in=keys).prefetch_related("versions").order_by("pk"):
        have = {version.language for version in image.versions.all()}
        missing = tuple(code for code in languages if code not in have and code != source_language())
        if missing:
            result.append(ImageToLocalise(image, tuple(by_reference[image.reference]), missing))
    return result


@dataclass(frozen=True)
class TranslatorImage:
    image: ArticleImage
    own: bool  # the language has its own version
    thumbnail: str  # URL of the smallest file the language shows


def article_images_for_translator(*, article: Article, language: str) -> list[TranslatorImage]:
    """The images the article's source or `language` text shows, and whether `language` has its own
    version of each (the translator's page offers to upload it)."""
    text = article.field_in(source_language(), "body") + "\n" + article.field_in(language, "body")
    keys = [r.split(":", 1)[1] for r in media_references(text) if r.startswith("image:")]
    images = {i.key: i for i in ArticleImage.objects.filter(key__in=keys).prefetch_related("versions")}
    rows = []
    for key in keys:
        image = images.get(key)
        if image is None:
            continue
        versions = {v.language: v for v in image.versions.all()}
        version = versions.get(language) or versions.get(source_language())
        if version is None:
            continue
        smallest = min(
            (f for f in version.files if f["format"] == version.fallback_format), key=lambda f: f["width"]
        )
        rows.append(TranslatorImage(image, language in versions, storages["default"].url(smallest["name"])))
    return rows
