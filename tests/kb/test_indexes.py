"""Per-worker engines: rebuilt when the published content changes, without making customers wait."""

import threading
import time

import pytest

from kb import indexes
from tests.factories import make_article


def _titles(engine) -> set[str]:
    return {doc.title for doc in engine.index._docs}


@pytest.mark.django_db(transaction=True)
def test_an_edit_is_answered_by_the_old_engine_until_the_new_one_is_built_in_the_background(settings):
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    make_article(slug="billing", translations={"en": {"title": "Invoices"}})
    first = indexes.answer_engine("en")
    article.title_en = "Managing DNS records"
    article.save()
    # The request that notices the edit is not kept waiting for the build.
    assert indexes.answer_engine("en") is first
    for thread in threading.enumerate():
        if thread.name == "engine-en":
            thread.join(timeout=30)
    deadline = time.monotonic() + 30
    while indexes.answer_engine("en") is first and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "Managing DNS records" in _titles(indexes.answer_engine("en"))


@pytest.mark.django_db
def test_without_background_rebuilds_the_request_gets_the_new_engine():
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    first = indexes.answer_engine("en")
    article.title_en = "Managing DNS records"
    article.save()
    assert indexes.answer_engine("en") is not first
    assert "Managing DNS records" in _titles(indexes.answer_engine("en"))


@pytest.mark.django_db
def test_the_content_version_is_read_once_per_interval(settings, django_assert_num_queries):
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    settings.HELPCENTER_CONTENT_VERSION_TTL = 60
    indexes.content_version()
    with django_assert_num_queries(0):
        indexes.content_version()
    settings.HELPCENTER_CONTENT_VERSION_TTL = 0
    with django_assert_num_queries(3):
        indexes.content_version()


@pytest.mark.django_db
def test_warming_builds_every_language_once(django_assert_max_num_queries):
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    indexes.engines_warm(["en", "fr"])
    assert set(indexes._indexes) == {"en", "fr"}
