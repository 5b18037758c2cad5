"""The 403 page: staff (editors, translators, agents) get a staff page that says why and what they
may do, with a way back to their own pages; customers keep the public page."""

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import defaults

from kb.languages import name_in_sentence
from kb.translations.permissions import reviewable_languages, translatable_languages


def permission_denied(request: HttpRequest, exception=None) -> HttpResponse:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_staff:
        return defaults.permission_denied(request, exception)
    # Our PermissionDenied messages are written for the person refused (what they may not do);
    # Django's own carry none.
    reason = str(exception) if exception is not None and str(exception) else ""
    links = [(reverse("admin:index"), _("Back to the administration"))]
    if user.has_perm("support.view_ticket"):
        links.append((reverse("support:overview"), _("Back to the agents’ overview")))
    language = get_language()
    names = {code: name_in_sentence(code, language) for code, _name in settings.LANGUAGES}
    context = {
        "reason": reason,
        "translates": [names[code] for code in translatable_languages(user)],
        "reviews": [names[code] for code in reviewable_languages(user)],
        "links": links,
    }
    return render(request, "403_staff.html", context, status=403)
