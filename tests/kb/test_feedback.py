import pytest

from kb.models import ArticleFeedback
from tests.factories import make_article

pytestmark = pytest.mark.django_db


def test_feedback_vote_is_stored_with_language_and_comment(client):
    article = make_article(slug="dns", translations={"en": {"title": "DNS"}, "fr": {"title": "DNS (fr)"}})
    response = client.post("/fr/articles/dns/feedback/", {"helpful": "no", "comment": "Il manque MX"})
    assert response.status_code == 302
    assert response["Location"] == "/fr/articles/dns/#feedback"
    assert list(ArticleFeedback.objects.values_list("article", "language", "helpful", "comment")) == [
        (article.pk, "fr", False, "Il manque MX")
    ]


def test_feedback_second_vote_from_same_visitor_replaces_the_first(client):
    make_article(slug="dns")
    client.post("/en/articles/dns/feedback/", {"helpful": "yes"})
    client.post("/en/articles/dns/feedback/", {"helpful": "yes"})
    client.post("/en/articles/dns/feedback/", {"helpful": "no"})
    assert list(ArticleFeedback.objects.values_list("helpful", flat=True)) == [False]


def test_feedback_from_two_visitors_counts_twice():
    from django.test import Client

    make_article(slug="dns")
    Client().post("/en/articles/dns/feedback/", {"helpful": "yes"})
    Client().post("/en/articles/dns/feedback/", {"helpful": "yes"})
    assert ArticleFeedback.objects.filter(helpful=True).count() == 2


def test_feedback_page_remembers_the_visitors_vote(client):
    make_article(slug="dns")
    client.post("/en/articles/dns/feedback/", {"helpful": "yes"})
    content = client.get("/en/articles/dns/").content.decode()
    assert "You found this article helpful." in content
    assert "Thank you for your feedback." in content


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({}, "This field is required."),
        ({"helpful": "maybe"}, "Select a valid choice."),
        ({"helpful": "yes", "comment": "x" * 1001}, "Ensure this value has at most 1000 characters"),
    ],
)
def test_feedback_invalid_form_is_400_with_message_and_saves_nothing(client, data, error):
    make_article(slug="dns")
    response = client.post("/en/articles/dns/feedback/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not ArticleFeedback.objects.exists()


def test_feedback_requires_post(client):
    make_article(slug="dns")
    assert client.get("/en/articles/dns/feedback/").status_code == 405


def test_feedback_requires_csrf_token():
    from django.test import Client

    make_article(slug="dns")
    response = Client(enforce_csrf_checks=True).post("/en/articles/dns/feedback/", {"helpful": "yes"})
    assert response.status_code == 403
    assert not ArticleFeedback.objects.exists()


def test_feedback_is_rate_limited_per_client(client, settings):
    settings.HELPCENTER_FEEDBACK_RATE = "20/d"  # the default's minute window could roll over mid-test
    make_article(slug="dns")
    statuses = [client.post("/en/articles/dns/feedback/", {"helpful": "yes"}).status_code for _ in range(21)]
    assert statuses[:20] == [302] * 20
    assert statuses[20] == 429


def test_feedback_comment_is_escaped_in_the_admin(admin_client):
    make_article(slug="dns")
    from django.test import Client

    Client().post("/en/articles/dns/feedback/", {"helpful": "no", "comment": "<script>alert(1)</script>"})
    content = admin_client.get("/admin/kb/articlefeedback/").content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content
    assert "<script>alert(1)</script>" not in content
