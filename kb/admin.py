from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin
from modeltranslation.utils import build_localized_fieldname

from . import (
    admin_media,  # noqa: F401 - registers the image and attachment admins
    services,
)
from .admin_history import VersionHistoryMixin
from .admin_translations import TranslationsDashboardMixin, TranslatorAccessMixin
from .editor import EditorEndpointsMixin, MarkdownEditor, language_of_field
from .models import (
    Article,
    ArticleFeedback,
    ArticleStatus,
    ArticleViewCount,
    Category,
    SearchLog,
    SourceRevision,
    TranslationRevision,
)


class ConflictCheckedForm(forms.ModelForm):
    """Refuses to overwrite a save made by someone else since this form was opened (no lost update)."""

    loaded_at = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.updated_at:
            self.fields["loaded_at"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned = super().clean()
        seen = self.data.get("loaded_at") if self.is_bound else None
        if self.instance.pk and seen:
            # The admin saves inside a transaction: this row lock holds until our save commits, so a
            # second editor's save waits here and then sees the first one's timestamp.
            current = (
                type(self.instance)
                .objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("updated_at", flat=True)
                .first()
            )
            if current is not None and current.isoformat() != seen:
                raise forms.ValidationError(
                    _(
                        "Someone else saved this since you opened it. Copy your changes, reload the page "
                        "to see theirs, and apply yours again."
                    ),
                    code="conflict",
                )
        return cleaned


@admin.register(Category)
class CategoryAdmin(VersionHistoryMixin, TranslatorAccessMixin, TabbedTranslationAdmin):
    form = ConflictCheckedForm
    list_display = ("name", "slug", "order", "updated_at")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("translation_links",)


@admin.display(description=_("languages"))
def article_languages(article: Article) -> str:
    return ", ".join(article.available_languages())


@admin.register(Article)
class ArticleAdmin(
    EditorEndpointsMixin,
    VersionHistoryMixin,
    TranslationsDashboardMixin,
    TranslatorAccessMixin,
    TabbedTranslationAdmin,
):
    form = ConflictCheckedForm
    list_display = ("title", "category", "status", article_languages, "order", "updated_at")
    list_filter = ("status", "category")
    list_select_related = ("category",)
    search_fields = [
        build_localized_fieldname(field, code)
        for field in ("title", "slug", "questions")
        for code, _name in settings.LANGUAGES
    ]
    prepopulated_fields = {"slug": ("title",)}
    readonly_fields = (
        "translation_links",
        "preview_links",
        "author",
        "created_at",
        "updated_at",
        "published_at",
    )
    fieldsets = (
        (None, {"fields": ("title", "slug", "category", "status", "order", "loaded_at")}),
        (_("content"), {"fields": ("summary", "body", "questions")}),
        (_("translations"), {"fields": ("translation_links",)}),
        (
            _("preview and history"),
            {"fields": ("preview_links", "author", "created_at", "updated_at", "published_at")},
        ),
    )
    actions = ("publish", "unpublish")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Every language tab's body gets the article editor (toolbar, preview, uploads).
        if db_field.name.startswith("body_"):
            kwargs["widget"] = MarkdownEditor(language=language_of_field(db_field.name))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=_("preview"))
    def preview_links(self, article: Article) -> str:
        """A link to the article as customers would see it in each language, drafts included."""
        if not article.pk:
            return _("Save the article first.")
        links = []
        for code, name in settings.LANGUAGES:
            with translation.override(code):
                links.append((article.get_absolute_url(), name))
        return format_html_join(" · ", '<a href="{}" target="_blank" rel="noopener">{}</a>', links)

    def save_model(self, request: HttpRequest, obj: Article, form, change: bool) -> None:
        if obj.author_id is None:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish selected articles"), permissions=["publish"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = services.articles_set_status(articles=queryset, status=ArticleStatus.PUBLISHED)
        self.message_user(
            request,
            ngettext("%(count)d article published.", "%(count)d articles published.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected articles"), permissions=["publish"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Article]) -> None:
        changed = services.articles_set_status(articles=queryset, status=ArticleStatus.DRAFT)
        self.message_user(
            request,
            ngettext("%(count)d article unpublished.", "%(count)d articles unpublished.", changed)
            % {"count": changed},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records customers create: staff read them, nobody edits them by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(ArticleFeedback)
class ArticleFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("article", "language", "helpful", "comment", "updated_at")
    list_filter = ("helpful", "language")
    list_select_related = ("article",)
    search_fields = ("comment",)


@admin.register(ArticleViewCount)
class ArticleViewCountAdmin(ReadOnlyAdmin):
    list_display = ("article", "language", "views")
    list_filter = ("language",)
    list_select_related = ("article",)


@admin.register(SearchLog)
class SearchLogAdmin(ReadOnlyAdmin):
    list_display = ("query", "language", "results", "created_at")
    list_filter = ("language",)
    search_fields = ("query",)


@admin.register(SourceRevision)
class SourceRevisionAdmin(ReadOnlyAdmin):
    """The history of the source text: who changed what when."""

    list_display = ("__str__", "author", "created_at")
    list_select_related = ("article", "category", "author")
    raw_id_fields = ("article", "category")


@admin.register(TranslationRevision)
class TranslationRevisionAdmin(ReadOnlyAdmin):
    """Every saved version of each translation (the article's *Versions* page compares and restores)."""

    list_display = ("__str__", "language", "author", "created_at")
    list_filter = ("language",)
    list_select_related = ("article", "category", "author")
    raw_id_fields = ("article", "category")
