from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from modeltranslation.utils import build_localized_fieldname

from .fields import NormalisedTextField


class TranslatedFieldsMixin:
    def field_in(self, language: str, field: str) -> str:
        """The raw value of a translated field in one language, without fallback."""
        return getattr(self, build_localized_fieldname(field, language)) or ""


class Category(TranslatedFieldsMixin, models.Model):
    # Translated fields (name, description, slug) are registered in kb/translation.py.
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    description = NormalisedTextField(_("description"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kb:category", kwargs={"slug": self.slug})


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")


class ArticleQuerySet(models.QuerySet):
    def published(self) -> "ArticleQuerySet":
        return self.filter(status=ArticleStatus.PUBLISHED)


class Article(TranslatedFieldsMixin, models.Model):
    # Translated fields (title, slug, summary, body, questions) are registered in kb/translation.py.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=255)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    summary = NormalisedTextField(_("summary"), blank=True)
    body = NormalisedTextField(_("body"), blank=True, help_text=_("Markdown."))
    questions = NormalisedTextField(
        _("questions customers ask"),
        blank=True,
        help_text=_("One phrasing per line, in the customers' own words. Used by search and the chatbot."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kb_articles",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        indexes = [models.Index(fields=["status", "category", "order"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("kb:article", kwargs={"slug": self.slug})

    @property
    def is_published(self) -> bool:
        return self.status == ArticleStatus.PUBLISHED

    def question_list(self, language: str | None = None) -> list[str]:
        """The sample questions (in `language`, or the active one with fallback), one per line."""
        text = self.questions if language is None else self.field_in(language, "questions")
        return [line.strip() for line in (text or "").splitlines() if line.strip()]

    def has_translation(self, language: str) -> bool:
        return bool(self.field_in(language, "title").strip())

    def available_languages(self) -> list[str]:
        return [code for code, _name in settings.LANGUAGES if self.has_translation(code)]


class ArticleFeedback(models.Model):
    """One visitor's answer to "Was this helpful?" for one article; voting again changes it."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="feedback", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    helpful = models.BooleanField(_("helpful"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    # A keyed hash of the visitor's session: enough to stop ballot stuffing, nothing to identify them.
    visitor = models.CharField(_("visitor"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(fields=["article", "visitor"], name="kb_feedback_one_vote_per_visitor")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.language} {'+' if self.helpful else '-'}"


class ArticleViewCount(models.Model):
    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="view_counts", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    views = models.PositiveBigIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("article views")
        verbose_name_plural = _("article views")
        constraints = [
            models.UniqueConstraint(fields=["article", "language"], name="kb_views_one_row_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.language}: {self.views}"


class ArticleShownCount(models.Model):
    """How often the chatbot showed an article to customers writing in one language, per day: the
    translation priorities weigh it (kb/translations/selectors.py). Recorded by the chat through
    kb.services.article_shown_record, so that kb knows nothing of the chatbot's models."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="shown_counts", verbose_name=_("article")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    day = models.DateField(_("day"))
    shown = models.PositiveIntegerField(_("times shown"), default=0)

    class Meta:
        verbose_name = _("article shown by the chatbot")
        verbose_name_plural = _("articles shown by the chatbot")
        constraints = [
            models.UniqueConstraint(fields=["article", "language", "day"], name="kb_shown_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} {self.language} {self.day}: {self.shown}"


class SearchLog(models.Model):
    """Every search, so editors can see what customers look for and do not find."""

    query = models.CharField(_("query"), max_length=255)
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    results = models.PositiveIntegerField(_("results"))
    # The best result, so that translators know which articles searches in their language lead to.
    top_article = models.ForeignKey(
        Article,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("top result"),
    )
    created_at = models.DateTimeField(_("searched at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("search")
        verbose_name_plural = _("searches")

    def __str__(self) -> str:
        return f"[{self.language}] {self.query} ({self.results})"


class OfArticleOrCategory(models.Model):
    """Belongs to exactly one article or one category (both are translated the same way)."""

    article = models.ForeignKey(
        Article,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("article"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="%(class)ss",
        verbose_name=_("category"),
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=models.Q(article__isnull=False, category__isnull=True)
                | models.Q(article__isnull=True, category__isnull=False),
                name="%(app_label)s_%(class)s_of_one_thing",
            ),
        ]


class SourceRevision(OfArticleOrCategory):
    """The source-language text of an article or category as saved at one point in time.

    Recorded by every write that changes that text (kb/translations/services.py); translations say which
    revision they were made from, which is how "outdated" is known rather than guessed."""

    number = models.PositiveIntegerField(_("revision"))
    text = models.JSONField(_("source text"), default=dict)
    # Set when the revision was saved by "restore this version" (the history says so).
    restored_from = models.PositiveIntegerField(_("restored from revision"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta(OfArticleOrCategory.Meta):
        ordering = ["-number"]
        verbose_name = _("source revision")
        verbose_name_plural = _("source revisions")
        constraints = [
            *OfArticleOrCategory.Meta.constraints,
            models.UniqueConstraint(fields=["article", "number"], name="kb_revision_unique_per_article"),
            models.UniqueConstraint(fields=["category", "number"], name="kb_revision_unique_per_category"),
        ]

    def __str__(self) -> str:
        return f"{self.article or self.category} r{self.number}"


class TranslationRecord(OfArticleOrCategory):
    """Where one language's translation of an article or category stands: the source revision it was
    made from, and whether it came from a machine and still waits for a reviewer."""

    language = models.CharField(_("language"), max_length=16)
    source_revision = models.PositiveIntegerField(_("made from source revision"))
    machine = models.BooleanField(_("machine translated, needs review"), default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta(OfArticleOrCategory.Meta):
        verbose_name = _("translation record")
        verbose_name_plural = _("translation records")
        constraints = [
            *OfArticleOrCategory.Meta.constraints,
            models.UniqueConstraint(
                fields=["article", "language"], name="kb_translation_one_per_article_language"
            ),
            models.UniqueConstraint(
                fields=["category", "language"], name="kb_translation_one_per_category_language"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article or self.category} [{self.language}] r{self.source_revision}"


class TranslationRevision(OfArticleOrCategory):
    """One language's translated text of an article or category as saved at one point in time, for
    the history (who, when, which fields) and "restore this version". Recorded with the source
    revisions by every write (kb/translations/services.py); `made_from` and `machine` are the
    translation record's at that moment, so that a restored version keeps the state it had."""

    language = models.CharField(_("language"), max_length=16)
    number = models.PositiveIntegerField(_("version"))
    text = models.JSONField(_("translated text"), default=dict)
    made_from = models.PositiveIntegerField(_("made from source revision"), null=True, blank=True)
    machine = models.BooleanField(_("machine translated"), default=False)
    # Set on a version recorded because the source came back to the text this translation was made
    # from (an undo, a restored revision): the revision it was made from before, whose text source
    # revision `made_from` has again. The translation's text is unchanged; it is up to date again.
    same_source_as = models.PositiveIntegerField(_("source text the same as revision"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta(OfArticleOrCategory.Meta):
        ordering = ["-number"]
        verbose_name = _("translation revision")
        verbose_name_plural = _("translation revisions")
        constraints = [
            *OfArticleOrCategory.Meta.constraints,
            models.UniqueConstraint(
                fields=["article", "language", "number"], name="kb_translation_revision_unique_per_article"
            ),
            models.UniqueConstraint(
                fields=["category", "language", "number"], name="kb_translation_revision_unique_per_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.article or self.category} [{self.language}] v{self.number}"


class TextEmbedding(models.Model):
    """A sentence encoder's vector for one article text, so that a rebuild or a restart embeds only
    new or changed texts (kb/embeddings.py). Keyed by the encoder's name and a hash of the text."""

    encoder = models.CharField(_("encoder"), max_length=100)
    digest = models.CharField(_("text hash"), max_length=64)
    vector = models.BinaryField(_("vector"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("text embedding")
        verbose_name_plural = _("text embeddings")
        constraints = [
            models.UniqueConstraint(fields=["encoder", "digest"], name="kb_embedding_one_per_text")
        ]

    def __str__(self) -> str:
        return f"{self.encoder} {self.digest[:12]}"


def media_key() -> str:
    """An unguessable identifier for an upload, used in article Markdown (`image:KEY`)."""
    import secrets

    return secrets.token_urlsafe(9)


class ArticleImage(TranslatedFieldsMixin, models.Model):
    """An image used in articles, referenced in their Markdown as `![alt](image:KEY)`. Its alt text
    and caption are translated like the articles (kb/translation.py); its pixels can have one
    version per language (the French screenshot), the source language's being the fallback."""

    key = models.CharField(_("key"), max_length=32, unique=True, default=media_key, editable=False)
    name = models.CharField(_("file name"), max_length=255, blank=True)
    alt = models.CharField(
        _("alt text"),
        max_length=300,
        help_text=_("What the image shows, for people who cannot see it."),
    )
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")

    def __str__(self) -> str:
        return self.name or self.key

    @property
    def reference(self) -> str:
        return f"image:{self.key}"


class ImageVersion(models.Model):
    """The pixels of an image in one language, re-encoded (kb/images.py): `files` lists each
    rendition (format, width, height, storage name, bytes), all under content-hashed names."""

    image = models.ForeignKey(
        ArticleImage, on_delete=models.CASCADE, related_name="versions", verbose_name=_("image")
    )
    language = models.CharField(_("language"), max_length=16, choices=settings.LANGUAGES)
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    original_format = models.CharField(_("uploaded format"), max_length=16)
    fallback_format = models.CharField(_("fallback format"), max_length=16)
    digest = models.CharField(_("SHA-256 of the upload"), max_length=64)
    files = models.JSONField(_("files"), default=list)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["image", "language"]
        verbose_name = _("image version")
        verbose_name_plural = _("image versions")
        constraints = [
            models.UniqueConstraint(fields=["image", "language"], name="kb_image_one_version_per_language")
        ]

    def __str__(self) -> str:
        return f"{self.image} [{self.language}]"


class Attachment(models.Model):
    """A file (PDF, CSV…) linked from articles as `[label](attachment:KEY)`, listed under them and
    downloaded with its checked content type and Content-Disposition: attachment."""

    key = models.CharField(_("key"), max_length=32, unique=True, default=media_key, editable=False)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=120)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    digest = models.CharField(_("SHA-256"), max_length=64)
    file = models.CharField(_("stored file"), max_length=255)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    created_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("kb:attachment", kwargs={"key": self.key, "name": self.name})

    @property
    def reference(self) -> str:
        return f"attachment:{self.key}"
