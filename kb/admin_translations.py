"""The admin for translators: per-language field permissions on articles and categories, the
translator's page (source diff, mark as up to date, machine translation, review), the coverage
dashboard, and XLIFF/PO export and import. Every check is made on the server."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.html import format_html_join
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from core.languages import source_language, target_languages

from . import selectors as kb_selectors
from .forms import (
    TranslationEditForm,
    TranslationImportForm,
    UpToDateQuestion,
    with_up_to_date_questions,
)
from .languages import name_in_sentence
from .machine import configured_translator
from .models import Article
from .translations import permissions, selectors, services
from .translations.formats import FORMATS, ExchangeError, guess_format, read, write
from .translations.rules import EXCHANGED_FIELDS, State

STATE_LABELS = {
    State.MISSING: gettext_lazy("missing"),
    State.OUTDATED: gettext_lazy("outdated"),
    State.NEEDS_REVIEW: gettext_lazy("machine translated — needs review"),
    State.UP_TO_DATE: gettext_lazy("up to date"),
}


def _all_form_fields(model) -> set[str]:
    """Every editable model field as the admin form names it (translated fields per language)."""
    names = set()
    for field in model._meta.fields:
        if field.editable and not field.auto_created:
            names.add(field.name)
    return names


class TranslatorAccessMixin:
    """Translators see articles and categories and change only their own languages' fields."""

    def _editor(self, request: HttpRequest) -> bool:
        return permissions.is_editor(request.user)

    def has_module_permission(self, request):
        return super().has_module_permission(request) or permissions.is_translator(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or permissions.is_translator(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) or bool(
            permissions.translatable_languages(request.user)
        )

    def has_publish_permission(self, request) -> bool:
        return self._editor(request)

    def _locked_fields(self, request) -> list[str]:
        allowed = permissions.editable_fields(request.user, self.model)
        if "*" in allowed:
            return []
        return sorted(
            name
            for name in _all_form_fields(self.model)
            if name not in allowed and not self._is_plain_translated(name)
        )

    def _is_plain_translated(self, name: str) -> bool:
        # modeltranslation replaces "title" by title_en, title_fr...; only those appear in the form.
        from modeltranslation.translator import translator

        return name in translator.get_options_for_model(self.model).fields

    def get_readonly_fields(self, request, obj=None):
        return tuple(super().get_readonly_fields(request, obj)) + tuple(self._locked_fields(request))

    def get_prepopulated_fields(self, request, obj=None):
        return super().get_prepopulated_fields(request, obj) if self._editor(request) else {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not self._editor(request):
            if object_id is None:
                raise PermissionDenied(_("Only editors create articles and categories."))
            locked = set(self._locked_fields(request))
            tampered = sorted(key for key in request.POST if key in locked)
            if tampered:
                # Refused outright rather than silently ignored: nothing of this request is saved.
                raise PermissionDenied(
                    _("You may not change these fields: %(fields)s") % {"fields": ", ".join(tampered)}
                )
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # The answers first: the translation versions recorded next keep the state they set.
        self._answer_up_to_date_questions(request, obj, form)
        services.source_revision_record(obj=obj, author=request.user)

    # --- "Up to date with source revision N?" in the admin form --------------------------------

    def _up_to_date_questions(self, request, obj) -> list[UpToDateQuestion]:
        """The outdated translations this person may edit here. Asked once per request: the form and
        the fieldsets must agree, and the save must not change the question it answers."""
        if obj is None or not obj.pk:
            return []
        asked = request.__dict__.setdefault("_kb_up_to_date_questions", {})
        key = (self.opts.label, obj.pk)
        if key not in asked:
            languages = permissions.translatable_languages(request.user)
            statuses = selectors.translation_statuses(objects=[obj], languages=languages)
            info = self.opts.app_label, self.opts.model_name
            asked[key] = [
                UpToDateQuestion(
                    language=language,
                    language_name=str(get_language_info(language)["name_translated"]),
                    made_from=status.made_from,
                    current=status.current,
                    diff_url=reverse(f"admin:{info[0]}_{info[1]}_translate", args=[obj.pk, language]),
                )
                for language in languages
                if (status := statuses[(obj.pk, language)]).state == State.OUTDATED
            ]
        return asked[key]

    def get_form(self, request, obj=None, **kwargs):
        questions = self._up_to_date_questions(request, obj)
        if questions:
            kwargs["form"] = with_up_to_date_questions(
                kwargs.get("form", self.form), questions=questions, fields=EXCHANGED_FIELDS[self.kind]
            )
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        names = [question.field for question in self._up_to_date_questions(request, obj)]
        if not names:
            return fieldsets
        rest = [
            (title, {**options, "fields": [name for name in options["fields"] if name not in names]})
            for title, options in fieldsets
        ]
        # First, so that a translator sees it before editing, and finds it after a refused save.
        return [
            (
                _("Outdated translations"),
                {
                    "fields": names,
                    "description": _(
                        "The source changed after these translations were made. When you update one here, "
                        "say whether it now matches the current source."
                    ),
                },
            ),
            *rest,
        ]

    def _answer_up_to_date_questions(self, request, obj, form) -> None:
        for question in getattr(form, "up_to_date_questions", ()):
            answer = form.cleaned_data.get(question.field)
            names = {"language": question.language_name, "number": question.current}
            if answer == "yes":
                try:
                    services.translation_mark_up_to_date(
                        obj=obj, language=question.language, user=request.user, revision=question.current
                    )
                except services.WorkflowError as exc:
                    self.message_user(request, str(exc), messages.ERROR)
                else:
                    self.message_user(
                        request,
                        _("The %(language)s translation is up to date with source revision %(number)s.")
                        % names,
                        messages.SUCCESS,
                    )
            elif answer == "no":
                self.message_user(
                    request,
                    _(
                        "The %(language)s translation stays outdated: it was made from source revision "
                        "%(made)s and the source is at revision %(number)s. The translator's page shows "
                        "what changed."
                    )
                    % {**names, "made": question.made_from or "?"},
                    messages.WARNING,
                )

    # --- The translator's page ---------------------------------------------------------------

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/translate/<str:language>/",
                self.admin_site.admin_view(self.translate_view),
                name=f"{info[0]}_{info[1]}_translate",
            ),
        ]
        return urls + super().get_urls()

    def _image_version_upload(self, request: HttpRequest, obj, language: str) -> None:
        _image_version_upload_for(request, obj, language)

    @property
    def kind(self) -> str:
        return "article" if self.model is Article else "category"

    def translation_links(self, obj: Model) -> str:
        if not obj or not obj.pk:
            return _("Save first.")
        info = self.opts.app_label, self.opts.model_name
        states = selectors.translation_statuses(objects=[obj])
        rows = [
            (
                reverse(f"admin:{info[0]}_{info[1]}_translate", args=[obj.pk, language]),
                states[(obj.pk, language)].language_name,
                STATE_LABELS[states[(obj.pk, language)].state],
                states[(obj.pk, language)].state.value,
            )
            for language in target_languages()
        ]
        return format_html_join(
            "", '<a class="translation-state state-{3}" href="{0}">{1}: {2}</a><br>', rows
        )

    translation_links.short_description = gettext_lazy("translations")

    def translate_view(self, request: HttpRequest, object_id: str, language: str) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        if obj is None or language not in target_languages():
            raise Http404(_("There is no such translation."))
        user = request.user
        may_translate, may_review = (
            permissions.can_translate(user, language),
            permissions.can_review(user, language),
        )
        if not (may_translate or may_review):
            raise PermissionDenied(_("You may not translate into this language."))
        kind = self.kind
        current_values = selectors.text_in(obj, language, EXCHANGED_FIELDS[kind])
        form = TranslationEditForm(initial=current_values, kind=kind, language=language)
        if request.method == "POST":
            action = request.POST.get("action", "save")
            try:
                if action == "approve":
                    services.translation_approve(obj=obj, language=language, user=user)
                    self.message_user(request, _("Translation approved."), messages.SUCCESS)
                    return HttpResponseRedirect(request.path)
                if action == "image_version":
                    if not may_translate:
                        raise services.WorkflowError(_("You may not translate into this language."))
                    self._image_version_upload(request, obj, language)
                    return HttpResponseRedirect(request.path + "#images")
                if action == "machine":
                    services.translation_machine_translate(obj=obj, language=language, user=user)
                    self.message_user(
                        request,
                        _("Machine translation stored; it needs a reviewer's approval."),
                        messages.SUCCESS,
                    )
                    return HttpResponseRedirect(request.path)
                if action == "save":
                    if not may_translate:
                        raise services.WorkflowError(_("You may not translate into this language."))
                    form = TranslationEditForm(request.POST, kind=kind, language=language)
                    if form.is_valid():
                        values = {name: form.cleaned_data[name] for name in EXCHANGED_FIELDS[kind]}
                        services.translation_save(
                            obj=obj,
                            language=language,
                            values=values,
                            user=user,
                            up_to_date=form.cleaned_data["up_to_date"],
                        )
                        self.message_user(request, _("Translation saved."), messages.SUCCESS)
                        return HttpResponseRedirect(request.path)
                else:
                    raise services.WorkflowError(_("Unknown action."))
            except services.WorkflowError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        status = selectors.translation_status(obj=obj, language=language)
        diff = selectors.translation_source_diff(obj=obj, status=status)
        images = []
        if kind == "article":
            images = kb_selectors.article_images_for_translator(article=obj, language=language)
        with translation.override(language):
            public_url = obj.get_absolute_url()
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("%(object)s — translation into %(language)s")
            % {"object": obj, "language": name_in_sentence(language, translation.get_language())},
            "object": obj,
            "language": language,
            "status": status,
            "state_label": STATE_LABELS[status.state],
            "form": form,
            "diff": diff,
            "source": [
                # The field's translated label ("Titre"), not its name ("title").
                (form.fields[name].label, selectors.text_in(obj, source_language(), [name])[name])
                for name in EXCHANGED_FIELDS[kind]
            ],
            "may_translate": may_translate,
            "images": images,
            "may_review": may_review and status.machine,
            "machine_available": may_translate
            and configured_translator() is not None
            and (status.state == State.MISSING or status.machine),
            "public_url": public_url,
            "change_url": reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk]
            ),
        }
        return TemplateResponse(request, "admin/kb/translate.html", context)


def _image_version_upload_for(request: HttpRequest, obj, language: str) -> None:
    """The translator's upload of this language's version of one of the article's images."""
    from .services import UploadRefused, image_version_upload

    key = request.POST.get("image", "")
    image = next(
        (
            row.image
            for row in kb_selectors.article_images_for_translator(article=obj, language=language)
            if row.image.key == key
        ),
        None,
    )
    upload = request.FILES.get("file")
    if image is None or upload is None:
        messages.error(request, _("Choose an image of this article and a file to upload."))
        return
    try:
        image_version_upload(
            image=image,
            language=language,
            data=upload.read(),
            alt=request.POST.get("alt", ""),
            user=request.user,
        )
    except UploadRefused as exc:
        messages.error(request, str(exc))
        return
    messages.success(request, _("The localised image is saved: this language's article shows it now."))


class TranslationsDashboardMixin:
    """On the article admin: the coverage dashboard, export and import."""

    change_list_template = "admin/kb/article/change_list.html"

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "translations/",
                self.admin_site.admin_view(self.coverage_view),
                name=f"{info[0]}_{info[1]}_coverage",
            ),
            path(
                "translations/export/<str:language>/<str:fmt>/",
                self.admin_site.admin_view(self.export_view),
                name=f"{info[0]}_{info[1]}_export_translations",
            ),
            path(
                "translations/import/",
                self.admin_site.admin_view(self.import_view),
                name=f"{info[0]}_{info[1]}_import_translations",
            ),
        ]
        return urls + super().get_urls()

    def _languages(self, request) -> list[str]:
        user = request.user
        languages = [
            language
            for language in target_languages()
            if language in permissions.translatable_languages(user)
            or language in permissions.reviewable_languages(user)
        ]
        if not languages:
            raise PermissionDenied(_("Only editors and translators see translations."))
        return languages

    def coverage_view(self, request: HttpRequest) -> HttpResponse:
        languages = self._languages(request)
        chosen = request.GET.get("language") or languages[0]
        if chosen not in languages:
            raise Http404(_("There is no such language here."))
        info = self.opts.app_label
        priorities = []
        for item in selectors.translation_priorities(language=chosen):
            model_name = "article" if item.kind == "article" else "category"
            priorities.append(
                {
                    "item": item,
                    "state_label": STATE_LABELS[item.status.state],
                    "url": reverse(f"admin:{info}_{model_name}_translate", args=[item.obj.pk, chosen]),
                }
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Translation coverage"),
            "coverage": selectors.translation_coverage(languages=languages),
            "state_labels": [(state.value, STATE_LABELS[state]) for state in State],
            "chosen": chosen,
            "chosen_name": translation.get_language_info(chosen)["name_local"],
            "priorities": priorities,
            "languages": languages,
            "demand_days": selectors.DEMAND_DAYS,
            "images_to_localise": [
                (entry, reverse(f"admin:{info}_articleimage_change", args=[entry.image.pk]))
                for entry in kb_selectors.images_to_localise(languages=[chosen])
            ],
        }
        return TemplateResponse(request, "admin/kb/coverage.html", context)

    def export_view(self, request: HttpRequest, language: str, fmt: str) -> HttpResponse:
        if language not in self._languages(request) or fmt not in FORMATS:
            raise Http404(_("There is no such export."))
        data = write(selectors.translations_export(language=language), fmt)
        extension = "xlf" if fmt == "xliff" else "po"
        response = HttpResponse(
            data, content_type="application/x-xliff+xml" if fmt == "xliff" else "text/x-gettext-translation"
        )
        response["Content-Disposition"] = f'attachment; filename="help-center-{language}.{extension}"'
        return response

    def import_view(self, request: HttpRequest) -> HttpResponse:
        self._languages(request)
        form = TranslationImportForm()
        summary = None
        if request.method == "POST":
            form = TranslationImportForm(request.POST, request.FILES)
            if form.is_valid():
                upload = form.cleaned_data["file"]
                data = upload.read()
                try:
                    bundle = read(data, guess_format(upload.name, data))
                    summary = services.translations_import(bundle=bundle, user=request.user)
                except services.ImportRejected as exc:
                    for error in exc.errors[:20]:
                        form.add_error("file", error)
                except ExchangeError as exc:
                    form.add_error("file", str(exc))
                else:
                    self.message_user(
                        request,
                        _("Imported %(language)s: %(updated)d updated, %(unchanged)d unchanged.")
                        % {
                            "language": summary.language,
                            "updated": len(summary.updated),
                            "unchanged": summary.unchanged,
                        },
                        messages.SUCCESS,
                    )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Import translations"),
            "form": form,
            "summary": summary,
        }
        return TemplateResponse(request, "admin/kb/import.html", context, status=400 if form.errors else 200)
