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


def _settings_changed(setting="", **_kwargs):
    """Apps read their settings once (functools.cache); a test that overrides one must be seen."""
    from chatbot.conf import chat_settings, person_detector
    from kb.conf import helpcenter_settings
    from kb.embeddings import sentence_encoder
    from mail.conf import mail_settings
    from support.conf import support_settings

    for cached in (helpcenter_settings, support_settings, chat_settings, mail_settings):
        cached.cache_clear()
    if setting.startswith("HELPCENTER_ENCODER"):
        # Only then: the encoder's memory of article texts is what keeps the suite fast.
        sentence_encoder.cache_clear()
        person_detector.cache_clear()


from django.test.signals import setting_changed  # noqa: E402

setting_changed.connect(_settings_changed, dispatch_uid="tests.settings_changed")
