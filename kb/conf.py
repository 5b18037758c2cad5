"""The help center's own settings, read once from django.conf.settings."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings


@dataclass(frozen=True)
class HelpCenterSettings:
    search_results: int
    search_min_relative_score: float
    popular_articles: int
    related_articles: int
    feedback_rate: str
    search_rate: str

    @property
    def source_language(self) -> str:
        return settings.LANGUAGE_CODE

    @property
    def languages(self) -> list[str]:
        return [code for code, _name in settings.LANGUAGES]


@cache
def helpcenter_settings() -> HelpCenterSettings:
    return HelpCenterSettings(
        search_results=settings.HELPCENTER_SEARCH_RESULTS,
        search_min_relative_score=settings.HELPCENTER_SEARCH_MIN_RELATIVE_SCORE,
        popular_articles=settings.HELPCENTER_POPULAR_ARTICLES,
        related_articles=settings.HELPCENTER_RELATED_ARTICLES,
        feedback_rate=settings.HELPCENTER_FEEDBACK_RATE,
        search_rate=settings.HELPCENTER_SEARCH_RATE,
    )
