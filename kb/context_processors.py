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
