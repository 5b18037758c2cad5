"""Server-side cache of the public pages (home, categories, articles), per language.

A cached page is the page as an anonymous visitor with nothing pending sees it, rendered with a
placeholder where the CSRF token goes; each visitor gets their own token put in on the way out. The
key holds the release, the language, the address and the content version, so an edit to any article
or category makes every page built from the old content unreachable (they expire on their own).
Visitors with anything of their own on the page (staff, a message waiting, a vote cast) bypass it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language

from .conf import helpcenter_settings
from .indexes import content_version

# Popular-article lists follow view counts, which are not content: pages also expire after a while.
DEFAULT_TIMEOUT = 300


def csrf_placeholder() -> str:
    """What stands for the CSRF token in a cached page. Derived from the secret key so that every
    worker sharing a cache agrees on it and nobody can plant it in a page on purpose."""
    return "csrf-" + salted_hmac("kb.pagecache.csrf", "placeholder", algorithm="sha256").hexdigest()[:40]


@dataclass(frozen=True)
class CachedPage:
    content: bytes
    content_type: str
    after_hit: tuple  # (function, kwargs) to run on every hit, e.g. counting an article view


def _cacheable(request: HttpRequest) -> bool:
    if request.method not in ("GET", "HEAD") or request.user.is_authenticated:
        return False
    if settings.SESSION_COOKIE_NAME in request.COOKIES:
        if any(key.startswith("kb.voted.") for key in request.session.keys()):
            return False
    return not len(get_messages(request))


def _key(request: HttpRequest, extra: str = "") -> str:
    digest = salted_hmac(
        "kb.pagecache.key",
        "\x1f".join(
            [
                helpcenter_settings().release,
                get_language(),
                request.get_full_path(),
                repr(content_version()),
                extra,
            ]
        ),
        algorithm="sha256",
    ).hexdigest()
    return f"kb:page:{digest}"


def cached_public_page(view: Callable[..., HttpResponse] | None = None, *, vary=None, timeout=None):
    """Serve `view` from the page cache when the visitor has nothing of their own on the page.

    A view that must do something on every visit, even a cached one, sets
    `request.page_cache_after_hit = (function, kwargs)` while rendering. `vary(request)` returns
    what else the page depends on (a time zone cookie, other content), as text for the key;
    `timeout` (seconds) overrides the site's page cache timeout."""
    if view is None:
        return lambda actual: cached_public_page(actual, vary=vary, timeout=timeout)

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not helpcenter_settings().page_cache or not _cacheable(request):
            return view(request, *args, **kwargs)
        key = _key(request, vary(request) if vary else "")
        page = cache.get(key)
        if isinstance(page, CachedPage):
            if page.after_hit:
                function, arguments = page.after_hit
                function(**arguments)
            response = HttpResponse(
                page.content.replace(csrf_placeholder().encode(), get_token(request).encode()),
                content_type=page.content_type,
            )
            response["X-Page-Cache"] = "hit"
            return response
        request.page_cache_render = True  # read by kb.context_processors.page_cache
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        page = CachedPage(
            content=response.content,
            content_type=response["Content-Type"],
            after_hit=getattr(request, "page_cache_after_hit", ()),
        )
        cache.set(key, page, helpcenter_settings().page_cache_timeout if timeout is None else timeout)
        response.content = page.content.replace(csrf_placeholder().encode(), get_token(request).encode())
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper
