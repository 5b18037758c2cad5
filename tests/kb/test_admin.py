import pytest

from kb.models import Article, ArticleStatus
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db


def test_admin_article_change_page_renders_language_tabs_from_local_jquery_ui(admin_client):
    article = make_article(slug="dns", translations={"en": {"title": "DNS"}, "fr": {"title": "DNS fr"}})
    response = admin_client.get(f"/admin/kb/article/{article.pk}/change/")
    content = response.content.decode()
    assert response.status_code == 200
    assert "modeltranslation/js/tabbed_translation_fields.js" in content
    assert "/static/vendor/jquery-ui/jquery-ui.min.js" in content
    assert "googleapis" not in content
    for field in (
        "id_title_en",
        "id_title_fr",
        "id_title_zh_hans",
        "id_title_es",
        "id_title_de",
        "id_title_ja",
    ):
        assert f'id="{field}"' in content
    # Preview links for every language, drafts included.
    assert 'href="/zh-hans/articles/dns/"' in content


def test_admin_publish_and_unpublish_actions(admin_client):
    draft = make_article(slug="draft", status=ArticleStatus.DRAFT)
    response = admin_client.post(
        "/admin/kb/article/", {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )
    assert "1 article published." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.PUBLISHED and draft.published_at is not None
    admin_client.post("/admin/kb/article/", {"action": "unpublish", "_selected_action": [draft.pk]})
    draft.refresh_from_db()
    assert draft.status == ArticleStatus.DRAFT


def test_admin_list_filters_by_status_and_searches_titles_in_any_language(admin_client):
    make_article(
        slug="dns", translations={"en": {"title": "DNS records"}, "fr": {"title": "Enregistrements DNS"}}
    )
    make_article(slug="draft", translations={"en": {"title": "Unfinished"}}, status=ArticleStatus.DRAFT)
    drafts = admin_client.get("/admin/kb/article/?status__exact=draft").content.decode()
    assert "Unfinished" in drafts and "DNS records" not in drafts
    found = admin_client.get("/admin/kb/article/?q=Enregistrements").content.decode()
    assert "DNS records" in found and "Unfinished" not in found


def test_admin_new_article_gets_the_editor_as_author(client):
    editor = make_staff(
        permissions=("kb.add_article", "kb.change_article", "kb.view_article", "kb.view_category")
    )
    client.force_login(editor)
    category = make_article().category
    response = client.post(
        "/admin/kb/article/add/",
        {"title_en": "New", "slug_en": "new", "category": category.pk, "status": "draft", "order": 0},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Article.objects.get(slug_en="new").author == editor


def test_admin_requires_staff_login(client):
    response = client.get("/admin/kb/article/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
