from functools import cache

from django.conf import settings

from .policy import Thresholds


@cache
def chat_thresholds() -> Thresholds:
    return Thresholds(
        answer=settings.HELPCENTER_CHAT_ANSWER_THRESHOLD,
        suggest=settings.HELPCENTER_CHAT_SUGGEST_THRESHOLD,
        max_suggestions=settings.HELPCENTER_CHAT_MAX_SUGGESTIONS,
    )
