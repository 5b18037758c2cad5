import collections
import threading

import pytest
from django.core.cache import cache

from kb import indexes
from kb.indexes import clear_indexes

# Engines by everything they are built from (kb.indexes.engine_build's inputs), kept for the whole
# session. Building one means training classifiers over every sample question several times over
# (the calibration's folds), seconds to a minute each on a busy machine; the same content (the demo,
# the same factory articles) is built from in dozens of tests. The build is deterministic, so an
# engine built from equal inputs is the engine those inputs give: every test still gets its own
# content's engine, only not built again.
# Bounded by the documents they hold (memory follows them), not by their number: the suite builds
# hundreds of engines of two or three articles, and the demo's (about 100 documents each), which
# the browser tests need at the end of the session, must not be pushed out by them (64 engines
# kept: the demo's were built three times in a pass).
DOCUMENTS_KEPT = 20_000
_engines: collections.OrderedDict = collections.OrderedDict()
_documents_kept = 0
_engines_lock = threading.Lock()
_engine_build = indexes.engine_build


def _engine_key(documents, language, source_documents, encoder):
    from kb.conf import helpcenter_settings
    from kb.embeddings import sentence_encoder

    encoder = encoder or sentence_encoder()
    conf = helpcenter_settings()
    return (
        language,
        tuple(documents),
        tuple(source_documents),
        encoder.name if encoder is not None else "none",
        conf.chat_answer_precision,
        conf.chat_suggest_precision,
    )


def _engine_build_once(documents, language, source_documents, *, encoder=None, lexical=False):
    key = (*_engine_key(documents, language, source_documents, encoder), lexical)
    with _engines_lock:
        engine = _engines.get(key)
        if engine is not None:
            _engines.move_to_end(key)
            return engine
    global _documents_kept
    engine = _engine_build(documents, language, source_documents, encoder=encoder, lexical=lexical)
    with _engines_lock:
        if key not in _engines:
            _engines[key] = engine
            _documents_kept += len(key[1]) + len(key[2])
        while _documents_kept > DOCUMENTS_KEPT and len(_engines) > 1:
            old_key, _old = _engines.popitem(last=False)
            _documents_kept -= len(old_key[1]) + len(old_key[2])
    return engine


def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "fresh_engines: build every engine the test needs afresh instead of reusing one the session "
        "built from the same inputs (for tests about what a build does)",
    )


@pytest.fixture(autouse=True)
def _engines_shared_by_inputs(request, monkeypatch):
    if request.node.get_closest_marker("fresh_engines") is None:
        monkeypatch.setattr(indexes, "engine_build", _engine_build_once)


@pytest.fixture(autouse=True)
def _fresh_process_state():
    """Each test starts with no search index and no rate-limit counters from an earlier test."""
    clear_indexes()
    cache.clear()
    yield
    clear_indexes()
    cache.clear()


@pytest.fixture(autouse=True)
def _own_media_root(settings, tmp_path_factory):
    """Each test uploads into a folder of its own: a test that backs up MEDIA_ROOT or counts its files
    never sees another test's uploads (the demo's screenshots, for one)."""
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


def _settings_changed(**_kwargs):
    """Apps read their settings once (functools.cache); a test that overrides one must be seen.
    (The sentence encoder and the person detector are kept per encoder setting by the apps
    themselves: their memory of article texts is what keeps the suite fast.)"""
    from chatbot.conf import chat_settings
    from kb.conf import helpcenter_settings
    from mail.conf import mail_settings
    from support.conf import support_settings

    for cached in (helpcenter_settings, support_settings, chat_settings, mail_settings):
        cached.cache_clear()


from django.test.signals import setting_changed  # noqa: E402

setting_changed.connect(_settings_changed, dispatch_uid="tests.settings_changed")
