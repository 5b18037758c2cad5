"""The history of an article or category in the admin: every saved version of the source and of each
translation (who, when, which fields), the difference between any two, and "restore this version".
Editors see every language and restore the source; a translator sees the source and their own
languages and restores only those. Every view checks on the server; every text is escaped by the
templates (the differences come from kb/translations/rules.py as plain strings)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import get_language_info, gettext_lazy
from django.utils.translation import gettext as _

from core.languages import source_language

from .admin_translations import STATE_LABELS
from .translations import permissions, selectors, services

FIELD_LABELS = {
    "title": gettext_lazy("title"),
    "name": gettext_lazy("name"),
    "slug": gettext_lazy("slug"),
    "summary": gettext_lazy("summary"),
    "description": gettext_lazy("description"),
    "body": gettext_lazy("body"),
    "questions": gettext_lazy("questions customers ask"),
}


def _labelled(diff) -> list:
    return [(FIELD_LABELS.get(field.field, field.field), field) for field in diff]


class CompareForm(forms.Form):
    a = forms.IntegerField(min_value=1)
    b = forms.IntegerField(min_value=1)


class VersionHistoryMixin:
    """On the article and category admins: <id>/versions/, …/compare/, …/<number>/restore/."""

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "<path:object_id>/versions/",
                self.admin_site.admin_view(self.versions_view),
                name="{}_{}_versions".format(*info),
            ),
            path(
                "<path:object_id>/versions/<str:language>/compare/",
                self.admin_site.admin_view(self.version_compare_view),
                name="{}_{}_version_compare".format(*info),
            ),
            path(
                "<path:object_id>/versions/<str:language>/<int:number>/restore/",
                self.admin_site.admin_view(self.version_restore_view),
                name="{}_{}_version_restore".format(*info),
            ),
        ]
        return urls + super().get_urls()

    def _url(self, name: str, *args) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=args)

    def _history_object(self, request: HttpRequest, object_id: str, language: str | None = None):
        """The object and the languages this person may see, or 404/403."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(_("There is no such page."))
        languages = permissions.history_languages(request.user)
        if not languages or not self.has_view_permission(request, obj):
            raise PermissionDenied(_("Only editors and translators see the history."))
        if language is not None and language not in languages:
            if language in {code for code, _name in settings.LANGUAGES}:
                raise PermissionDenied(_("You may not see the history of this language."))
            raise Http404(_("There is no such language here."))
        return obj, languages

    def _context(self, request, obj, language: str, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "object": obj,
            "title": title,
            "language": language,
            "language_name": get_language_info(language)["name_translated"],
            "is_source": language == source_language(),
            "change_url": self._url("change", obj.pk),
            "versions_url": self._url("versions", obj.pk) + f"?language={language}",
            "may_restore": permissions.can_restore(request.user, language),
        }

    @staticmethod
    def _status(obj, language: str) -> dict:
        if language == source_language():
            return {"status": None}
        status = selectors.translation_status(obj=obj, language=language)
        return {"status": status, "state_label": STATE_LABELS[status.state]}

    def versions_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        obj, languages = self._history_object(request, object_id)
        own = [lang for lang in languages if lang != source_language()]
        default = own[0] if own and not permissions.is_editor(request.user) else languages[0]
        language = request.GET.get("language") or default
        if language not in languages:
            raise Http404(_("There is no such language here."))
        versions = selectors.content_versions(obj=obj, language=language)
        context = {
            **self._context(
                request,
                obj,
                language,
                _("History of %(object)s") % {"object": obj},
            ),
            "languages": [(code, get_language_info(code)["name_local"]) for code in languages],
            "versions": [
                (
                    version,
                    [FIELD_LABELS.get(name, name) for name in version.changed],
                    self._url("version_restore", obj.pk, language, version.number),
                )
                for version in versions
            ],
            "compare_url": self._url("version_compare", obj.pk, language),
            **self._status(obj, language),
        }
        return TemplateResponse(request, "admin/kb/versions.html", context)

    def version_compare_view(self, request: HttpRequest, object_id: str, language: str) -> HttpResponse:
        obj, _languages = self._history_object(request, object_id, language)
        form = CompareForm(request.GET)
        if not form.is_valid():
            return HttpResponse(_("Choose two versions to compare."), status=400, content_type="text/plain")
        numbers = sorted((form.cleaned_data["a"], form.cleaned_data["b"]))
        by_number = {v.number: v for v in selectors.content_versions(obj=obj, language=language)}
        if any(number not in by_number for number in numbers):
            raise Http404(_("There is no such version."))
        old, new = by_number[numbers[0]], by_number[numbers[1]]
        context = {
            **self._context(
                request,
                obj,
                language,
                _("%(object)s: version %(old)s compared with version %(new)s")
                % {"object": obj, "old": old.number, "new": new.number},
            ),
            "old": old,
            "new": new,
            "diff": _labelled(
                selectors.content_versions_diff(obj=obj, language=language, old=old.text, new=new.text)
            ),
            "pair": [
                (
                    version,
                    [FIELD_LABELS.get(name, name) for name in version.changed],
                    self._url("version_restore", obj.pk, language, version.number),
                )
                for version in (old, new)
            ],
        }
        return TemplateResponse(request, "admin/kb/version_compare.html", context)

    def version_restore_view(
        self, request: HttpRequest, object_id: str, language: str, number: int
    ) -> HttpResponse:
        obj, _languages = self._history_object(request, object_id, language)
        if not permissions.can_restore(request.user, language):
            raise PermissionDenied(_("You may not restore versions in this language."))
        version = selectors.content_version(obj=obj, language=language, number=number)
        if version is None:
            raise Http404(_("There is no such version."))
        back = self._url("versions", obj.pk) + f"?language={language}"
        if request.method == "POST":
            try:
                new = services.version_restore(obj=obj, language=language, number=number, user=request.user)
            except services.WorkflowError as exc:
                self.message_user(request, str(exc), messages.ERROR)
            else:
                self.message_user(
                    request,
                    _("Version %(number)s restored: it is now version %(new)s.")
                    % {"number": number, "new": new},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(back)
        current = selectors.text_in(obj, language, selectors.history_fields(obj, language))
        context = {
            **self._context(
                request,
                obj,
                language,
                _("Restore version %(number)s of %(object)s") % {"number": number, "object": obj},
            ),
            "version": version,
            "diff": _labelled(
                selectors.content_versions_diff(obj=obj, language=language, old=current, new=version.text)
            ),
        }
        return TemplateResponse(request, "admin/kb/version_restore.html", context)
