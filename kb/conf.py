"""The help center's own settings, read once from django.conf.settings."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings

from core.languages import site_languages, source_language


@dataclass(frozen=True)
class HelpCenterSettings:
    search_results: int
    search_min_relative_score: float
    popular_articles: int
    related_articles: int
    feedback_rate: str
    search_rate: str
    release: str
    page_cache: bool
    page_cache_timeout: int
    content_version_ttl: float
    engine_background_rebuild: bool
    engine_artifacts: str
    engine_build_in_child: bool
    engine_build_processes: int
    chat_answer_precision: float
    chat_suggest_precision: float
    encoder: str
    encoder_threads: int
    shipped_embeddings: str
    machine_translator: str
    view_count_flush_seconds: float
    upload_max_bytes: int
    image_max_pixels: int
    image_widths: tuple[int, ...]

    @property
    def source_language(self) -> str:
        return source_language()

    @property
    def languages(self) -> list[str]:
        return site_languages()


@cache
def helpcenter_settings() -> HelpCenterSettings:
    return HelpCenterSettings(
        search_results=settings.HELPCENTER_SEARCH_RESULTS,
        search_min_relative_score=settings.HELPCENTER_SEARCH_MIN_RELATIVE_SCORE,
        popular_articles=settings.HELPCENTER_POPULAR_ARTICLES,
        related_articles=settings.HELPCENTER_RELATED_ARTICLES,
        feedback_rate=settings.HELPCENTER_FEEDBACK_RATE,
        search_rate=settings.HELPCENTER_SEARCH_RATE,
        release=settings.HELPCENTER_RELEASE,
        page_cache=settings.HELPCENTER_PAGE_CACHE,
        page_cache_timeout=settings.HELPCENTER_PAGE_CACHE_TIMEOUT,
        content_version_ttl=settings.HELPCENTER_CONTENT_VERSION_TTL,
        engine_background_rebuild=settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD,
        engine_artifacts=str(settings.HELPCENTER_ENGINE_ARTIFACTS or ""),
        engine_build_in_child=settings.HELPCENTER_ENGINE_BUILD_IN_CHILD,
        engine_build_processes=max(1, int(settings.HELPCENTER_ENGINE_BUILD_PROCESSES)),
        chat_answer_precision=settings.HELPCENTER_CHAT_ANSWER_PRECISION,
        chat_suggest_precision=settings.HELPCENTER_CHAT_SUGGEST_PRECISION,
        encoder=settings.HELPCENTER_ENCODER,
        encoder_threads=settings.HELPCENTER_ENCODER_THREADS,
        shipped_embeddings=settings.HELPCENTER_SHIPPED_EMBEDDINGS,
        machine_translator=settings.HELPCENTER_MACHINE_TRANSLATOR,
        view_count_flush_seconds=settings.HELPCENTER_VIEW_COUNT_FLUSH_SECONDS,
        upload_max_bytes=settings.HELPCENTER_UPLOAD_MAX_BYTES,
        image_max_pixels=settings.HELPCENTER_IMAGE_MAX_PIXELS,
        image_widths=tuple(settings.HELPCENTER_IMAGE_WIDTHS),
    )
