"""Conditional GET for public pages: an ETag from everything a page shows, so a browser that
already has the page gets a 304 and the page is not rendered again."""

import hashlib

from django.conf import settings
from django.contrib.messages import get_messages
from django.http import HttpRequest
from django.utils.translation import get_language

from .conf import helpcenter_settings
from .indexes import content_last_modified, content_version


def public_page_etag(request: HttpRequest, *args, **kwargs) -> str | None:
    """This visitor's version of the page, or None (always render) while a one-off message waits."""
    if len(get_messages(request)):
        return None
    votes = sorted((key, value) for key, value in request.session.items() if key.startswith("kb.voted."))
    parts = [
        helpcenter_settings().release,  # templates and catalogs change with a release
        get_language(),
        request.get_full_path(),
        repr(content_version()),  # articles and categories (titles, related lists, counts)
        str(request.user.pk or ""),  # editors see drafts
        repr(votes),
        # The page embeds a CSRF token that must match this visitor's CSRF cookie.
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
    ]
    return '"' + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32] + '"'


def public_page_last_modified(request: HttpRequest, *args, **kwargs):
    """When the content behind the public pages last changed; the ETag says the rest."""
    if len(get_messages(request)):
        return None
    return content_last_modified()
