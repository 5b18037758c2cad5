from django.conf import settings
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.translation import get_language, get_language_info


def site_languages(request: HttpRequest) -> dict:
    """The language switcher: the current page in every site language."""
    current = get_language()
    path = request.get_full_path()
    return {
        "site_languages": [
            {
                "code": code,
                "name": get_language_info(code)["name_local"],
                "url": translate_url(path, code),
                "active": code == current,
            }
            for code, _name in settings.LANGUAGES
        ]
    }


def page_cache(request: HttpRequest) -> dict:
    """While a page is rendered for the page cache, its CSRF token is a placeholder (kb/pagecache.py)."""
    if getattr(request, "page_cache_render", False):
        from .pagecache import csrf_placeholder

        return {"csrf_token": csrf_placeholder()}
    return {}
