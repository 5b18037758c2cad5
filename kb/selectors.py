"""Reads for the public pages and the admin: no side effects."""

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import translation
from django.utils.safestring import SafeString
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language

from .indexes import answer_engine
from .languages import written_in_notice
from .models import Article, ArticleStatus, Category
from .rendering import highlight_html


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
        for hit in engine.rank(query, limit=limit)
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
