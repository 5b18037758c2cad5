import pytest

from tests.factories import make_article

pytestmark = pytest.mark.django_db


def _etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


@pytest.mark.parametrize("url", ["/fr/", "/fr/articles/dns/", "/fr/categories/network/"])
def test_public_page_answers_304_when_nothing_changed(client, url):
    from tests.factories import make_category

    make_article(slug="dns", category=make_category(slug="network"), translations={"en": {"title": "DNS"}})
    _etag(client, url)  # the first visit sets the CSRF cookie the page's token belongs to
    etag = _etag(client, url)
    response = client.get(url, headers={"if-none-match": etag})
    assert response.status_code == 304
    assert response.content == b""


def test_public_page_etag_changes_when_content_changes(client):
    article = make_article(slug="dns", translations={"en": {"title": "DNS"}})
    _etag(client, "/en/articles/dns/")
    etag = _etag(client, "/en/articles/dns/")
    article.title_en = "DNS records"
    article.save()
    response = client.get("/en/articles/dns/", headers={"if-none-match": etag})
    assert response.status_code == 200
    assert "DNS records" in response.content.decode()


def test_public_page_etag_differs_per_language_and_after_a_vote(client):
    make_article(slug="dns", translations={"en": {"title": "DNS"}})
    _etag(client, "/en/articles/dns/")
    english = _etag(client, "/en/articles/dns/")
    assert _etag(client, "/fr/articles/dns/") != english
    client.post("/en/articles/dns/feedback/", {"helpful": "yes"})
    # The thank-you message shows once: no ETag, no 304 while it waits.
    assert client.get("/en/articles/dns/", headers={"if-none-match": english}).status_code == 200
    assert _etag(client, "/en/articles/dns/") != english


def test_public_page_etag_is_per_visitor(client):
    from django.test import Client

    make_article(slug="dns", translations={"en": {"title": "DNS"}})
    _etag(client, "/en/articles/dns/")
    mine = _etag(client, "/en/articles/dns/")
    other = Client()
    _etag(other, "/en/articles/dns/")
    assert other.get("/en/articles/dns/", headers={"if-none-match": mine}).status_code == 200
