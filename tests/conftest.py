import pytest
from django.core.cache import cache

from kb.indexes import clear_indexes


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts with no search index and no rate-limit counters from an earlier test."""
    clear_indexes()
    cache.clear()
    yield
    clear_indexes()
    cache.clear()


def _settings_changed(**_kwargs):
    """Apps read their settings once (functools.cache); a test that overrides one must be seen."""
    from chatbot.conf import chat_thresholds
    from kb.conf import helpcenter_settings
    from support.conf import support_settings

    for cached in (helpcenter_settings, support_settings, chat_thresholds):
        if hasattr(cached, "cache_clear"):
            cached.cache_clear()


from django.test.signals import setting_changed  # noqa: E402

setting_changed.connect(_settings_changed, dispatch_uid="tests.settings_changed")
