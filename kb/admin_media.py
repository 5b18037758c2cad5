"""The admin of uploads: images (alt text and caption per language, a version per language, where
they are used) and attachments. Deleting one that an article or its history uses is refused with
the list of articles (the delete page shows them as protected); the *Unused uploads* page reports
what no article uses any more, without deleting anything."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.files.storage import storages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from modeltranslation.admin import TabbedTranslationAdmin

from core.languages import source_language

from . import images, selectors, services
from .conf import helpcenter_settings
from .models import ArticleImage, Attachment


def _uses_listed(reference: str) -> list[str]:
    return [
        _("%(article)s (%(status)s): %(where)s")
        % {
            "article": use.article,
            "status": use.article.get_status_display(),
            "where": ", ".join(use.languages)
            if use.languages
            else _("in its history: %(versions)s") % {"versions": ", ".join(use.versions)},
        }
        for use in selectors.media_uses(reference=reference)
    ]


class ProtectedWhileUsedMixin:
    """Refuses to delete an upload that an article (or a version in its history) refers to."""

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        protected = list(protected)
        for obj in objs:
            for use in _uses_listed(obj.reference):
                protected.append(_("%(upload)s is used by %(use)s") % {"upload": obj, "use": use})
        return deleted, counts, perms_needed, protected

    def delete_model(self, request, obj):
        services.media_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.media_delete(item=obj)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "unused/",
                self.admin_site.admin_view(self.unused_view),
                name=f"{info[0]}_{info[1]}_unused",
            )
        ] + super().get_urls()

    def unused_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionError
        rows = []
        for unused in selectors.unused_uploads():
            opts = unused.item._meta
            rows.append(
                {
                    "item": unused.item,
                    "kind": opts.verbose_name,
                    "in_history": unused.in_history,
                    "url": reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[unused.item.pk]),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Unused uploads"),
            "rows": rows,
        }
        return TemplateResponse(request, "admin/kb/unused_uploads.html", context)


class ImageVersionUploadForm(forms.ModelForm):
    """The image's words per language, and a new picture for one language (its localised version)."""

    # A plain file field: kb/images.py reads the real type (forms.ImageField's Pillow check would
    # answer a pixel bomb with a vague "not an image").
    new_file = forms.FileField(
        label=gettext_lazy("upload a version"),
        required=False,
        help_text=gettext_lazy("A PNG, JPEG, GIF or WebP file: the screenshot in the language chosen below."),
    )
    new_file_language = forms.ChoiceField(label=gettext_lazy("of the language"), choices=settings.LANGUAGES)

    class Meta:
        model = ArticleImage
        fields = ("name", "alt", "caption")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_file"].required = not self.instance.pk
        self.fields["new_file"].widget.attrs["accept"] = "image/png,image/jpeg,image/gif,image/webp"

    def clean_new_file(self):
        upload = self.cleaned_data.get("new_file")
        if upload:
            conf = helpcenter_settings()
            data = upload.read()
            upload.seek(0)
            try:
                images.open_checked(data, max_bytes=conf.upload_max_bytes, max_pixels=conf.image_max_pixels)
            except images.ImageRefused as exc:
                raise forms.ValidationError(str(services.refusal_message(exc))) from None
        return upload


@admin.register(ArticleImage)
class ArticleImageAdmin(ProtectedWhileUsedMixin, TabbedTranslationAdmin):
    form = ImageVersionUploadForm
    list_display = ("thumbnail", "__str__", "alt", "languages", "created_at")
    search_fields = ("name", "key", *[f"alt_{code.replace('-', '_')}" for code, _name in settings.LANGUAGES])
    readonly_fields = ("key", "reference_text", "thumbnail", "languages", "used_by")
    fieldsets = (
        (None, {"fields": ("name", "key", "reference_text", "alt", "caption")}),
        (gettext_lazy("pictures"), {"fields": ("thumbnail", "languages", "new_file", "new_file_language")}),
        (gettext_lazy("used by"), {"fields": ("used_by",)}),
    )

    @admin.display(description=gettext_lazy("Markdown"))
    def reference_text(self, image: ArticleImage) -> str:
        return f"![{image.alt}]({image.reference})" if image.pk else ""

    @admin.display(description=gettext_lazy("picture"))
    def thumbnail(self, image: ArticleImage) -> str:
        version = image.versions.filter(language=source_language()).first() if image.pk else None
        if version is None:
            return ""
        smallest = min(
            (f for f in version.files if f["format"] == version.fallback_format), key=lambda f: f["width"]
        )
        return format_html(
            '<img src="{}" width="120" height="{}" alt="{}" class="image-thumbnail">',
            storages["default"].url(smallest["name"]),
            round(120 * version.height / version.width),
            image.alt,
        )

    @admin.display(description=gettext_lazy("versions"))
    def languages(self, image: ArticleImage) -> str:
        return ", ".join(v.language for v in image.versions.all()) if image.pk else ""

    @admin.display(description=gettext_lazy("used by"))
    def used_by(self, image: ArticleImage) -> str:
        uses = _uses_listed(image.reference) if image.pk else []
        return format_html_join("", "<div>{}</div>", ((use,) for use in uses)) or _("No article.")

    def save_model(self, request: HttpRequest, obj: ArticleImage, form, change: bool) -> None:
        upload = form.cleaned_data.get("new_file")
        language = form.cleaned_data["new_file_language"]
        try:
            if upload and not change:
                created = services.image_upload(
                    data=upload.read(), name=upload.name, alt=obj.alt, language=language, user=request.user
                )
                for name in form.cleaned_data:
                    if name in {f.name for f in ArticleImage._meta.fields} and name != "key":
                        setattr(created, name, getattr(obj, name))
                created.save()
                obj.pk, obj.key, obj.created_at = created.pk, created.key, created.created_at
                obj._state.adding = False
            else:
                obj.save()
                if upload:
                    services.image_version_upload(
                        image=obj, language=language, data=upload.read(), user=request.user
                    )
        except services.UploadRefused as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(Attachment)
class AttachmentAdmin(ProtectedWhileUsedMixin, admin.ModelAdmin):
    list_display = ("name", "content_type", "size", "created_at")
    search_fields = ("name", "key")
    readonly_fields = ("name", "key", "content_type", "size", "digest", "file", "uploaded_by", "used_by")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # attachments are uploaded in the article editor

    @admin.display(description=gettext_lazy("used by"))
    def used_by(self, item: Attachment) -> str:
        uses = _uses_listed(item.reference)
        return format_html_join("", "<div>{}</div>", ((use,) for use in uses)) or _("No article.")
