"""The site's languages, read from settings in one place."""

from django.conf import settings


def site_languages() -> list[str]:
    """Every site language code, in the order of settings.LANGUAGES."""
    return [code for code, _name in settings.LANGUAGES]


def is_site_language(code: str) -> bool:
    return code in dict(settings.LANGUAGES)


def source_language() -> str:
    """The language articles are written in first; every other site language translates it."""
    return settings.LANGUAGE_CODE


def target_languages() -> list[str]:
    return [code for code in site_languages() if code != source_language()]
