"""Per-worker engines: rebuilt when the published content changes, without making customers wait."""

import threading
import time

import pytest

from kb import indexes
from tests.factories import make_article


def _titles(engine) -> set[str]:
    return set(engine.index.titles())


@pytest.mark.django_db(transaction=True)
def test_an_edit_is_answered_by_the_old_engine_until_the_new_one_is_built_in_the_background(settings):
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    make_article(slug="billing", translations={"en": {"title": "Invoices"}})
    # The full engine built (as load_demo or a worker's start does); else a words-only stand-in answers.
    indexes.engines_warm(["en"])
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


@pytest.mark.django_db
def test_an_edit_in_one_language_leaves_the_other_languages_engines_as_they_are():
    article = make_article(
        slug="dns",
        translations={"en": {"title": "DNS records"}, "fr": {"title": "Enregistrements DNS"}},
    )
    make_article(slug="billing", translations={"en": {"title": "Invoices"}})
    english, french, german = (indexes.answer_engine(code) for code in ("en", "fr", "de"))
    article.title_fr = "Gérer les enregistrements DNS"
    article.save()
    # English and German (which shows the English text) read the same documents as before: no build.
    assert indexes.answer_engine("en") is english
    assert indexes.answer_engine("de") is german
    assert indexes.answer_engine("fr") is not french
    assert "Gérer les enregistrements DNS" in _titles(indexes.answer_engine("fr"))
    # Each still counts as the current content's engine (links come from memory, not the database).
    assert indexes.engine_versions()["en"] == indexes.engine_versions()["fr"]


@pytest.mark.django_db
def test_an_edit_to_the_source_text_rebuilds_only_the_languages_that_show_it(settings):
    settings.HELPCENTER_ENCODER = "none"  # with sentence embeddings every language reads the source text
    article = make_article(
        slug="dns",
        translations={"en": {"title": "DNS records"}, "fr": {"title": "Enregistrements DNS"}},
    )
    english, french, german = (indexes.answer_engine(code) for code in ("en", "fr", "de"))
    article.title_en = "Managing DNS records"
    article.save()
    # French has its own title; German shows the English one.
    assert indexes.answer_engine("fr") is french
    assert indexes.answer_engine("en") is not english
    assert indexes.answer_engine("de") is not german
    assert "Managing DNS records" in _titles(indexes.answer_engine("de"))
