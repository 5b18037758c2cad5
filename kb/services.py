"""Writes: every change to knowledge-base data goes through one of these functions or through the
translation layer's (kb/translations/services.py), which record the source revisions themselves."""

import atexit
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language

from . import images
from .conf import helpcenter_settings
from .exchange import ArticleRecord, ArticleText, CategoryRecord, MediaRecord
from .models import (
    Article,
    ArticleFeedback,
    ArticleImage,
    ArticleShownCount,
    ArticleStatus,
    ArticleViewCount,
    Attachment,
    Category,
    ImageVersion,
    SearchLog,
)
from .rendering import media_references
from .translations.services import source_revision_record, translation_save


def article_feedback_record(
    *, article: Article, visitor: str, language: str, helpful: bool, comment: str = ""
) -> ArticleFeedback:
    """Store a visitor's vote on an article; a second vote by the same visitor replaces the first."""
    feedback, _created = ArticleFeedback.objects.update_or_create(
        article=article,
        visitor=visitor,
        defaults={"language": language, "helpful": helpful, "comment": comment.strip()},
    )
    return feedback


class _BufferedCounts:
    """Counts kept in memory and written in one go every few seconds (HELPCENTER_VIEW_COUNT_FLUSH_
    SECONDS): a popular article read hundreds of times a second would otherwise serialise every
    reader on one row's lock, and a chat answer would cost a write per article it shows. At most the
    last interval's counts of a worker that dies are lost, which statistics can afford."""

    def __init__(self, write: Callable[[tuple, int], None]) -> None:
        self._write = write
        self._lock = threading.Lock()
        self._pending: Counter[tuple] = Counter()
        self._last_flush = time.monotonic()

    def add(self, keys: Iterable[tuple]) -> None:
        with self._lock:
            self._pending.update(keys)
            due = time.monotonic() - self._last_flush >= helpcenter_settings().view_count_flush_seconds
        if due:
            self.flush()

    def flush(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, Counter()
            self._last_flush = time.monotonic()
        for key, n in sorted(pending.items()):
            self._write(key, n)


def _increment(model, counter: str, n: int, **key) -> None:
    """An atomic increment, safe under concurrency; creates the row on the first count. A count for
    an article deleted meanwhile is dropped."""
    rows = model.objects.filter(**key)
    if rows.update(**{counter: F(counter) + n}):
        return
    if not Article.objects.filter(pk=key["article_id"]).exists():
        return  # SQLite would only refuse the row when the surrounding transaction commits
    try:
        with transaction.atomic():
            model.objects.create(**key, **{counter: n})
    except IntegrityError:
        # Another request created the row between our update and insert (or the article is gone).
        rows.update(**{counter: F(counter) + n})


def _views_write(key: tuple, n: int) -> None:
    article_id, language = key
    _increment(ArticleViewCount, "views", n, article_id=article_id, language=language)


def _shown_write(key: tuple, n: int) -> None:
    article_id, language, day = key
    _increment(ArticleShownCount, "shown", n, article_id=article_id, language=language, day=day)


_view_counter = _BufferedCounts(_views_write)
_shown_counter = _BufferedCounts(_shown_write)
atexit.register(lambda: _flush_quietly())


def _flush_quietly() -> None:
    try:
        article_views_flush()
    except Exception:  # noqa: BLE001 - the database may already be gone at exit
        pass


def article_view_record(*, article_id: int, language: str) -> None:
    """Count one view of an article in `language` (written within HELPCENTER_VIEW_COUNT_FLUSH_SECONDS)."""
    _view_counter.add([(article_id, language)])


def article_views_flush() -> None:
    """Write the views, and the articles the chatbot showed, counted in this process now."""
    _view_counter.flush()
    _shown_counter.flush()


def article_shown_record(*, article_ids: Iterable[int], language: str, now=None) -> None:
    """The chatbot showed these articles (an answer, suggestions) to a customer writing in
    `language`: counted per day for the translation priorities, written like the views (within
    HELPCENTER_VIEW_COUNT_FLUSH_SECONDS)."""
    day = timezone.localdate(now or timezone.now())
    _shown_counter.add((article_id, language, day) for article_id in set(article_ids))


def content_save(*, obj: Article | Category, author: AbstractBaseUser | None = None) -> None:
    """Save an article or category edited in code (the admin has its own form save) and record the
    source revision and new translations as made by `author`."""
    obj.save()
    source_revision_record(obj=obj, author=author)


def article_questions_add(
    *, article: Article, language: str, questions: Iterable[str], author: AbstractBaseUser
) -> list[str]:
    """Append sample questions to an article in `language`, skipping those it has already (in any
    case), through the writes an edit takes: in the source language content_save (a new source
    revision, so translations see it), in a translation translation_save (a new version of that
    translation only; `author` must be allowed to translate into it). Returns the lines added."""
    existing = article.question_list(language)
    seen = {line.casefold() for line in existing}
    added = []
    for question in questions:
        line = " ".join(question.split())
        if line and line.casefold() not in seen:
            seen.add(line.casefold())
            added.append(line)
    if not added:
        return []
    value = "\n".join([*existing, *added])
    if language == source_language():
        setattr(article, build_localized_fieldname("questions", language), value)
        content_save(obj=article, author=author)
    else:
        translation_save(obj=article, language=language, values={"questions": value}, user=author)
    return added


def search_log_record(
    *, query: str, language: str, results: int, top_article_id: int | None = None
) -> SearchLog:
    """Remember a search for the content-gap and translation-priority reports."""
    return SearchLog.objects.create(
        query=query[:255], language=language, results=results, top_article_id=top_article_id
    )


def articles_set_status(*, articles: Iterable[Article], status: str) -> int:
    """Publish or unpublish articles; returns how many changed. Saves each so `updated_at` moves."""
    changed = 0
    now = timezone.now()
    for article in articles:
        if article.status == status:
            continue
        article.status = status
        if status == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = now
        article.save(update_fields=["status", "published_at", "updated_at"])
        changed += 1
    return changed


@transaction.atomic
def categories_import(*, records: Iterable[CategoryRecord], source_language: str) -> int:
    """Create or update categories by source slug with their names in every given language."""
    slug_field = build_localized_fieldname("slug", source_language)
    count = 0
    for record in records:
        category = Category.objects.filter(**{slug_field: record.slug}).first() or Category()
        setattr(category, slug_field, record.slug)
        category.order = record.order
        for language, (name, description) in record.names.items():
            setattr(category, build_localized_fieldname("name", language), name)
            setattr(category, build_localized_fieldname("description", language), description)
        content_save(obj=category)
        count += 1
    return count


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    categories_created: int


def _apply_translation(obj: Article, language: str, record: ArticleText, *, slug: str | None) -> None:
    setattr(obj, build_localized_fieldname("title", language), record.title)
    setattr(obj, build_localized_fieldname("body", language), record.body)
    setattr(obj, build_localized_fieldname("summary", language), record.summary)
    setattr(obj, build_localized_fieldname("questions", language), "\n".join(record.questions))
    setattr(obj, build_localized_fieldname("slug", language), slug)


@transaction.atomic
def articles_import(
    *, records: Iterable[ArticleRecord], source_language: str, author: AbstractBaseUser | None = None
) -> ImportResult:
    """Create or update articles by source slug, all or nothing; unknown categories are created.

    Languages absent from a record keep what the site already has."""
    created = updated = categories_created = 0
    slug_field = build_localized_fieldname("slug", source_language)
    categories: dict[str, Category] = {}
    for record in records:
        for item in record.media:
            _media_import(item, user=author)
        category = categories.get(record.category)
        if category is None:
            category = Category.objects.filter(**{slug_field: record.category}).first()
            if category is None:
                category = Category(order=Category.objects.count())
                setattr(category, slug_field, record.category)
                setattr(category, build_localized_fieldname("name", source_language), record.category)
                content_save(obj=category, author=author)
                categories_created += 1
            categories[record.category] = category

        article = Article.objects.filter(**{slug_field: record.slug}).first()
        if article is None:
            article = Article(author=author)
            created += 1
        else:
            updated += 1
        article.category = category
        article.status = record.status
        if record.order is not None:
            article.order = record.order
        if record.status == ArticleStatus.PUBLISHED and article.published_at is None:
            article.published_at = timezone.now()
        for language, translation_record in record.translations.items():
            slug = record.slug if language == source_language else translation_record.slug
            _apply_translation(article, language, translation_record, slug=slug)
        content_save(obj=article, author=author)
    return ImportResult(created=created, updated=updated, categories_created=categories_created)


def _media_import(item: MediaRecord, *, user) -> None:
    """An image or file of an import file, under its own key; one this site already has is kept."""
    kind, key = item.reference.split(":", 1)
    model = ArticleImage if kind == "image" else Attachment
    if model.objects.filter(key=key).exists():
        return
    try:
        if kind == "attachment":
            created = attachment_upload(data=next(iter(item.files.values())), name=item.name, user=user)
            Attachment.objects.filter(pk=created.pk).update(key=key)
            return
        image = ArticleImage(key=key, name=get_valid_filename(item.name or "image")[:255], uploaded_by=user)
        for language, text in item.alt.items():
            setattr(image, build_localized_fieldname("alt", language), _alt_checked(text))
        for language, text in item.caption.items():
            setattr(image, build_localized_fieldname("caption", language), text[:300])
        if not image.field_in(source_language(), "alt"):
            raise UploadRefused(_("Describe the image in a few words (alt text): it is required."))
        image.save()
        for language, data in item.files.items():
            _image_version_save(image=image, language=language or source_language(), data=data, user=user)
    except UploadRefused as exc:
        raise UploadRefused(f"{item.reference}: {exc}") from None


def _media_record(reference: str) -> MediaRecord | None:
    kind, key = reference.split(":", 1)
    storage = storages["default"]
    if kind == "attachment":
        attachment = Attachment.objects.filter(key=key).first()
        if attachment is None:
            return None
        with storage.open(attachment.file, "rb") as f:
            return MediaRecord(reference, attachment.name, files={"": f.read()})
    image = ArticleImage.objects.filter(key=key).prefetch_related("versions").first()
    if image is None:
        return None
    files = {}
    for version in image.versions.all():
        largest = max(
            (f for f in version.files if f["format"] == version.fallback_format), key=lambda f: f["width"]
        )
        with storage.open(largest["name"], "rb") as f:
            files[version.language] = f.read()
    languages = [code for code, _name in settings.LANGUAGES]
    return MediaRecord(
        reference,
        image.name,
        alt={code: image.field_in(code, "alt") for code in languages if image.field_in(code, "alt")},
        caption={
            code: image.field_in(code, "caption") for code in languages if image.field_in(code, "caption")
        },
        files=files,
    )


def article_to_record(article: Article, *, languages: Iterable[str], source_language: str) -> ArticleRecord:
    """The exchange record of an article, with the translations it has among `languages` and the
    images and files their bodies refer to."""
    translations = {}
    for language in languages:
        if not article.has_translation(language):
            continue
        own_slug = article.field_in(language, "slug")
        translations[language] = ArticleText(
            title=article.field_in(language, "title"),
            body=article.field_in(language, "body"),
            questions=tuple(article.question_list(language)),
            summary=article.field_in(language, "summary"),
            slug=own_slug if language != source_language and own_slug else None,
        )
    return ArticleRecord(
        slug=article.field_in(source_language, "slug"),
        category=article.category.field_in(source_language, "slug"),
        translations=translations,
        status=article.status,
        order=article.order or None,
        media=tuple(
            record
            for reference in media_references("\n".join(t.body for t in translations.values()))
            if (record := _media_record(reference)) is not None
        ),
    )


# --- Uploads: article images and attachments ----------------------------------------------------


class UploadRefused(Exception):
    """An upload that is not accepted; the message says why, in the editor's language."""


class MediaInUse(Exception):
    """An image or attachment that articles (or versions in their history) still use."""

    def __init__(self, uses: list) -> None:
        super().__init__(", ".join(str(use) for use in uses))
        self.uses = uses


def refusal_message(exc: images.ImageRefused) -> str:
    """Why kb/images.py refused an upload, in the active language."""
    return str(_refusal(exc))


def _refusal(exc: images.ImageRefused) -> UploadRefused:
    p = exc.params
    messages = {
        "too_large": lambda: (
            _("The file is %(size)s; the largest accepted is %(limit)s.")
            % {"size": filesizeformat(p["size"]), "limit": filesizeformat(p["limit"])}
        ),
        "svg": lambda: _("SVG images are not accepted (they can carry scripts): upload a PNG, JPEG or WebP."),
        "html": lambda: _(
            "This file is a web page (HTML), not an image, whatever its name says: upload a PNG, JPEG, "
            "GIF or WebP image."
        ),
        "not_image": lambda: _(
            "This file is not an image this site accepts (its content is not PNG, JPEG, GIF or WebP)."
        ),
        "damaged": lambda: _("This image is damaged or incomplete; save it again and upload the new file."),
        "bomb": lambda: (
            _(
                "This image declares %(width)s × %(height)s pixels, more than the %(limit)s pixels accepted: "
                "make it smaller."
            )
            % {"width": p["width"], "height": p["height"], "limit": f"{p['limit']:,}"}
            if p.get("width")
            else _("This image declares more than the %(limit)s pixels accepted: make it smaller.")
            % {"limit": f"{p['limit']:,}"}
        ),
        "file_type": lambda: (
            _("Files of type “.%(extension)s” are not accepted; accepted: %(allowed)s.")
            % {"extension": p["extension"], "allowed": p["allowed"]}
        ),
        "file_content": lambda: (
            _("This file’s content is not a .%(extension)s file, whatever its name says.")
            % {"extension": p["extension"]}
        ),
    }
    return UploadRefused(messages[exc.code]())


def _stored(name: str, data: bytes) -> str:
    """Save `data` under the content-hashed `name` (once: the same bytes are the same name)."""
    storage = storages["default"]
    if storage.exists(name):
        return name
    return storage.save(name, ContentFile(data))


def _alt_checked(alt: str) -> str:
    alt = " ".join((alt or "").split())
    if not alt:
        raise UploadRefused(_("Describe the image in a few words (alt text): it is required."))
    if len(alt) > 300:
        raise UploadRefused(_("The alt text is too long (300 characters at most)."))
    return alt


def _image_version_save(*, image: ArticleImage, language: str, data: bytes, user) -> ImageVersion:
    conf = helpcenter_settings()
    try:
        processed = images.process(
            data,
            max_bytes=conf.upload_max_bytes,
            max_pixels=conf.image_max_pixels,
            widths=conf.image_widths,
        )
    except images.ImageRefused as exc:
        raise _refusal(exc) from None
    files = [
        {
            "name": _stored(f"kb/images/{rendition.name}", rendition.data),
            "format": rendition.format,
            "type": rendition.content_type,
            "width": rendition.width,
            "height": rendition.height,
            "bytes": len(rendition.data),
        }
        for rendition in processed.renditions
    ]
    version, _created = ImageVersion.objects.update_or_create(
        image=image,
        language=language,
        defaults={
            "width": processed.width,
            "height": processed.height,
            "original_format": processed.original_format,
            "fallback_format": processed.fallback_format,
            "digest": processed.digest,
            "files": files,
            "uploaded_by": user if getattr(user, "pk", None) else None,
        },
    )
    return version


@transaction.atomic
def image_upload(*, data: bytes, name: str, alt: str, language: str, user=None) -> ArticleImage:
    """A new image from an upload in `language`'s editor: checked, re-encoded into its renditions
    (kb/images.py) and stored; it is the source-language version (every language's fallback) and,
    uploaded in another language's editor, that language's version too. UploadRefused otherwise."""
    alt = _alt_checked(alt)
    if language not in dict(settings.LANGUAGES):
        raise UploadRefused(_("Unknown language."))
    image = ArticleImage(name=get_valid_filename(name or "image")[:255], uploaded_by=user)
    setattr(image, build_localized_fieldname("alt", source_language()), alt)
    setattr(image, build_localized_fieldname("alt", language), alt)
    image.save()
    _image_version_save(image=image, language=source_language(), data=data, user=user)
    if language != source_language():
        ImageVersion.objects.create(
            **{
                **{f: getattr(image.versions.get(language=source_language()), f) for f in _VERSION_FIELDS},
                "image": image,
                "language": language,
                "uploaded_by": user,
            }
        )
    return image


_VERSION_FIELDS = ("width", "height", "original_format", "fallback_format", "digest", "files")


@transaction.atomic
def image_version_upload(
    *, image: ArticleImage, language: str, data: bytes, alt: str = "", user=None
) -> ImageVersion:
    """The localised version of `image` in `language` (the French screenshot), replacing the one it
    had; with `alt`, that language's alt text too. UploadRefused when the file is not accepted."""
    if language not in dict(settings.LANGUAGES):
        raise UploadRefused(_("Unknown language."))
    version = _image_version_save(image=image, language=language, data=data, user=user)
    if alt.strip():
        setattr(image, build_localized_fieldname("alt", language), _alt_checked(alt))
    image.save()  # moves the content version: cached pages show the new pixels
    return version


@transaction.atomic
def attachment_upload(*, data: bytes, name: str, user=None) -> Attachment:
    """A file for articles to link: its type checked against its content, stored under a
    content-hashed folder with its own (cleaned) name. UploadRefused otherwise."""
    name = get_valid_filename(name or "file")[:200]
    try:
        content_type = images.attachment_type(name, data, max_bytes=helpcenter_settings().upload_max_bytes)
    except images.ImageRefused as exc:
        raise _refusal(exc) from None
    digest = hashlib.sha256(data).hexdigest()
    stored = _stored(f"kb/files/{digest[:24]}/{name}", data)
    return Attachment.objects.create(
        name=name,
        content_type=content_type,
        size=len(data),
        digest=digest,
        file=stored,
        uploaded_by=user if getattr(user, "pk", None) else None,
    )


def _files_delete(names: set[str]) -> None:
    storage = storages["default"]
    for name in names:
        if storage.exists(name):
            storage.delete(name)


@transaction.atomic
def media_delete(*, item: ArticleImage | Attachment) -> None:
    """Delete an image or attachment and its files; MediaInUse when an article, or a version in an
    article's history, still refers to it (deleting it would break that page or that restore)."""
    from .selectors import media_uses

    uses = media_uses(reference=item.reference)
    if uses:
        raise MediaInUse(uses)
    if isinstance(item, ArticleImage):
        names = {f["name"] for version in item.versions.all() for f in version.files}
        others = {f["name"] for version in ImageVersion.objects.exclude(image=item) for f in version.files}
        names -= others
    else:
        names = (
            set() if Attachment.objects.exclude(pk=item.pk).filter(file=item.file).exists() else {item.file}
        )
    item.delete()
    transaction.on_commit(lambda: _files_delete(names))
