"""Query counts of the translators' pages, held where the translation layer's redesign found them
(translator page 7, dashboard 19, a save 19, with twelve articles): a change that adds a query
per article or per language shows up here, not in production."""

import pytest
from django.test import Client

from kb.models import Article
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client():
    for i in range(12):
        make_article(
            slug=f"article-{i}",
            translations={
                "en": {"title": f"Article {i}", "body": "Text."},
                "fr": {"title": f"Article {i} (fr)", "slug": f"article-{i}-fr"},
            },
        )
    editor = make_staff(
        username="ed", permissions=("kb.change_article", "kb.view_article", "kb.change_category")
    )
    client = Client()
    client.force_login(editor)
    return client


def _translator_url() -> str:
    return f"/admin/kb/article/{Article.objects.order_by('pk').first().pk}/translate/fr/"


def test_the_translator_page_reads_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries):
    url = _translator_url()
    editor_client.get(url)  # the session and permission caches warm up on the first request
    with django_assert_max_num_queries(7):
        assert editor_client.get(url).status_code == 200


def test_the_coverage_dashboard_reads_a_fixed_number_of_queries(editor_client, django_assert_max_num_queries):
    editor_client.get("/admin/kb/article/translations/?language=fr")
    # 19, and one for the images still to localise (issue 27), whatever the number of articles.
    with django_assert_max_num_queries(20):
        assert editor_client.get("/admin/kb/article/translations/?language=fr").status_code == 200
    make_article(slug="one-more", translations={"en": {"title": "One more"}})
    with django_assert_max_num_queries(20):  # whatever the number of articles
        assert editor_client.get("/admin/kb/article/translations/?language=fr").status_code == 200


def test_saving_a_translation_writes_in_a_fixed_number_of_queries(
    editor_client, django_assert_max_num_queries
):
    url = _translator_url()
    editor_client.get(url)
    data = {
        "action": "save",
        "title": "Nouveau",
        "slug": "nouveau",
        "summary": "",
        "body": "b",
        "questions": "",
        "up_to_date": "on",
    }
    with django_assert_max_num_queries(19):
        assert editor_client.post(url, data).status_code == 302
