"""The server-side page cache: shared by anonymous visitors, per language, never holding anything
of one visitor's, and gone as soon as the content changes."""

import re

import pytest
from django.test import Client

from kb import services
from kb.models import Article, ArticleViewCount
from kb.pagecache import csrf_placeholder
from tests.factories import make_article, make_staff

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _tokens(response) -> list[str]:
    return TOKEN.findall(response.content.decode())


def test_second_visit_is_served_from_the_cache_with_the_visitors_own_token():
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    first, second = Client(), Client()
    miss = first.get("/en/articles/dns/")
    hit = second.get("/en/articles/dns/")
    assert miss["X-Page-Cache"] == "miss" and hit["X-Page-Cache"] == "hit"
    assert "DNS records" in hit.content.decode()
    for response in (miss, hit):
        assert csrf_placeholder() not in response.content.decode()
        assert _tokens(response) and all(_tokens(response))
    assert _tokens(miss)[0] != _tokens(hit)[0]
    assert "csrftoken" in hit.cookies  # the token on the page belongs to this cookie


def test_the_token_in_a_cached_page_is_accepted_when_the_visitor_votes():
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    Client().get("/en/articles/dns/")  # fills the cache
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/en/articles/dns/")
    assert page["X-Page-Cache"] == "hit"
    response = visitor.post(
        "/en/articles/dns/feedback/", {"helpful": "yes", "csrfmiddlewaretoken": _tokens(page)[0]}
    )
    assert response.status_code == 302


def test_pages_are_cached_per_language():
    make_article(
        slug="dns",
        translations={
            "en": {"title": "DNS records"},
            "fr": {"title": "Enregistrements DNS", "slug": "dns-fr"},
        },
    )
    Client().get("/en/articles/dns/")
    french = Client().get("/fr/articles/dns-fr/")
    assert french["X-Page-Cache"] == "miss"
    assert "Enregistrements DNS" in french.content.decode()
    assert "Enregistrements DNS" in Client().get("/fr/articles/dns-fr/").content.decode()


def test_an_edit_makes_the_next_visit_render_the_new_text():
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    Client().get("/en/")
    Client().get("/en/articles/dns/")
    article.title_en = "Managing DNS records"
    article.save()
    for url in ("/en/", "/en/articles/dns/"):
        response = Client().get(url)
        assert response["X-Page-Cache"] == "miss"
        assert "Managing DNS records" in response.content.decode()


def test_an_edit_made_by_another_worker_shows_within_the_version_interval(settings):
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    Client().get("/en/articles/dns/")
    settings.HELPCENTER_CONTENT_VERSION_TTL = 0
    # A queryset update sends no signal, as with a save made in another process.
    Article.objects.filter(pk=article.pk).update(
        title_en="Changed elsewhere", updated_at=article.updated_at.replace(year=2099)
    )
    assert "Changed elsewhere" in Client().get("/en/articles/dns/").content.decode()


def test_staff_and_visitors_with_a_message_or_a_vote_bypass_the_cache(client):
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    Client().get("/en/articles/dns/")
    client.post("/en/articles/dns/feedback/", {"helpful": "no"})
    with_message = client.get("/en/articles/dns/")
    assert "X-Page-Cache" not in with_message
    assert "Thank you for your feedback." in with_message.content.decode()
    voted = client.get("/en/articles/dns/")
    assert "X-Page-Cache" not in voted
    editor = Client()
    editor.force_login(make_staff(permissions=("kb.change_article",)))
    assert "X-Page-Cache" not in editor.get("/en/articles/dns/")
    # The visitor's own state never reached the shared copy.
    assert "Thank you for your feedback." not in Client().get("/en/articles/dns/").content.decode()


def test_cached_views_are_still_counted():
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    for _ in range(3):
        Client().get("/en/articles/dns/")
    assert ArticleViewCount.objects.get(article=article, language="en").views == 3


def test_views_are_written_in_batches(settings):
    article = make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    settings.HELPCENTER_VIEW_COUNT_FLUSH_SECONDS = 3600
    services.article_views_flush()
    for _ in range(4):
        services.article_view_record(article_id=article.pk, language="fr")
    assert not ArticleViewCount.objects.filter(article=article).exists()
    services.article_views_flush()
    assert ArticleViewCount.objects.get(article=article, language="fr").views == 4


def test_missing_pages_are_not_cached():
    assert Client().get("/en/articles/nothing-here/").status_code == 404
    response = Client().get("/en/articles/nothing-here/")
    assert response.status_code == 404 and "X-Page-Cache" not in response


def test_last_modified_lets_a_browser_revalidate(client):
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    response = client.get("/en/articles/dns/")
    assert response.has_header("Last-Modified")
    again = client.get("/en/articles/dns/", headers={"if-modified-since": response["Last-Modified"]})
    assert again.status_code == 304


def test_the_cache_can_be_switched_off(settings):
    settings.HELPCENTER_PAGE_CACHE = False
    make_article(slug="dns", translations={"en": {"title": "DNS records"}})
    Client().get("/en/articles/dns/")
    assert "X-Page-Cache" not in Client().get("/en/articles/dns/")
