"""The article editor: a Markdown widget (the vendored EasyMDE, with a toolbar and a live preview
rendered by kb/rendering.py on the server) that uploads dropped, pasted or picked images and files
and inserts their reference at the cursor. Its endpoints live on the article admin
(EditorEndpointsMixin): staff only, CSRF-checked."""

from __future__ import annotations

import json

from django import forms
from django.http import HttpRequest, JsonResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.languages import is_site_language, source_language

from . import selectors, services
from .conf import helpcenter_settings
from .images import ImageRefused
from .rendering import markdown_to_html
from .translations import permissions

IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "gif", "webp", "svg", "avif", "heic", "bmp", "tif", "tiff"}
MAX_PREVIEW_CHARS = 200_000


class MarkdownEditor(forms.Textarea):
    """A textarea that the editor script turns into EasyMDE; works as a plain textarea without it."""

    def __init__(self, *, language: str, attrs=None) -> None:
        super().__init__(attrs={"rows": 16, **(attrs or {})})
        self.language = language

    class Media:
        css = {
            "all": (
                "vendor/font-awesome/css/font-awesome.min.css",
                "vendor/easymde/easymde.min.css",
                "kb/editor.css",
            )
        }
        js = ("vendor/easymde/easymde.min.js", "kb/editor.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"].update(
            {
                "data-markdown-editor": "",
                "data-language": self.language,
                "data-preview-url": reverse("admin:kb_article_editor_preview"),
                "data-upload-url": reverse("admin:kb_article_editor_upload"),
                "data-texts": json.dumps(
                    {
                        "alt": _("Describe this image for people who cannot see it (alt text, required):"),
                        "altMissing": _("Not uploaded: an image needs alt text."),
                        "uploading": _("Uploading %(name)s…"),
                        "uploaded": _("%(name)s uploaded."),
                        "failed": _("Upload failed: %(error)s"),
                        "loading": _("Rendering the preview…"),
                        "insert": _("Insert an image or a file"),
                        "bold": _("Bold"),
                        "italic": _("Italic"),
                        "heading": _("Heading"),
                        "quote": _("Quote"),
                        "ul": _("Bulleted list"),
                        "ol": _("Numbered list"),
                        "link": _("Link"),
                        "table": _("Table"),
                        "preview": _("Preview"),
                        "side": _("Side by side"),
                        "fullscreen": _("Full screen"),
                    }
                ),
            }
        )
        return context


def language_of_field(name: str) -> str:
    """The language of a modeltranslation field name (body_zh_hans -> zh-hans)."""
    suffix = name.split("_", 1)[1] if "_" in name else source_language()
    return suffix.replace("_", "-")


class PreviewForm(forms.Form):
    text = forms.CharField(required=False, max_length=MAX_PREVIEW_CHARS, strip=False)
    language = forms.CharField(max_length=16)

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if not is_site_language(language):
            raise forms.ValidationError(_("Unknown language."))
        return language


class UploadForm(forms.Form):
    file = forms.FileField()
    alt = forms.CharField(required=False, max_length=300)
    language = forms.CharField(max_length=16)

    def clean_language(self) -> str:
        language = self.cleaned_data["language"]
        if not is_site_language(language):
            raise forms.ValidationError(_("Unknown language."))
        return language


def _is_image(name: str, content_type: str) -> bool:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return extension in IMAGE_EXTENSIONS or content_type.startswith("image/")


def _errors(form: forms.Form) -> str:
    return " ".join(message for messages in form.errors.values() for message in messages)


class EditorEndpointsMixin:
    """On the article admin: the editor's preview and upload endpoints (admin_view: staff only,
    logged in; CSRF from the X-CSRFToken header)."""

    def get_urls(self):
        urls = [
            path(
                "editor/preview/",
                self.admin_site.admin_view(require_POST(self.editor_preview_view)),
                name="kb_article_editor_preview",
            ),
            path(
                "editor/upload/",
                self.admin_site.admin_view(require_POST(self.editor_upload_view)),
                name="kb_article_editor_upload",
            ),
        ]
        return urls + super().get_urls()

    def _may_write(self, request: HttpRequest, language: str) -> bool:
        user = request.user
        if user.has_perm("kb.change_article") or user.has_perm("kb.add_article"):
            return True
        return language != source_language() and permissions.can_translate(user, language)

    def editor_preview_view(self, request: HttpRequest) -> JsonResponse:
        form = PreviewForm(request.POST)
        if not form.is_valid():
            return JsonResponse({"error": _errors(form)}, status=400)
        language = form.cleaned_data["language"]
        if not self._may_write(request, language):
            return JsonResponse({"error": _("You may not edit articles in this language.")}, status=403)
        text = form.cleaned_data["text"]
        html = markdown_to_html(text, selectors.media_for_text(text=text, language=language))
        return JsonResponse({"html": str(html)})

    def editor_upload_view(self, request: HttpRequest) -> JsonResponse:
        form = UploadForm(request.POST, request.FILES)
        if not form.is_valid():
            return JsonResponse({"error": _errors(form)}, status=400)
        language = form.cleaned_data["language"]
        if not self._may_write(request, language):
            return JsonResponse({"error": _("You may not edit articles in this language.")}, status=403)
        upload = form.cleaned_data["file"]
        limit = helpcenter_settings().upload_max_bytes
        if upload.size > limit:  # refused before it is read into memory
            refused = ImageRefused("too_large", size=upload.size, limit=limit)
            return JsonResponse({"error": services.refusal_message(refused)}, status=400)
        data = upload.read()
        try:
            if _is_image(upload.name, upload.content_type or ""):
                image = services.image_upload(
                    data=data,
                    name=upload.name,
                    alt=form.cleaned_data["alt"],
                    language=language,
                    user=request.user,
                )
                alt = image.field_in(language, "alt").replace("]", "\\]").replace("[", "\\[")
                markdown = f"![{alt}]({image.reference})"
                return JsonResponse({"kind": "image", "key": image.key, "markdown": markdown})
            item = services.attachment_upload(data=data, name=upload.name, user=request.user)
        except services.UploadRefused as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        label = item.name.replace("]", "\\]").replace("[", "\\[")
        markdown = f"[{label}]({item.reference})"
        return JsonResponse({"kind": "attachment", "key": item.key, "markdown": markdown})
