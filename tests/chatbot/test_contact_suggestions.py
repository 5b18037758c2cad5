"""The contact form's article suggestions (chatbot, which may use support and kb) and the
deflection they lead to (support): "This answered my question" sends no ticket and is counted."""

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from support.models import Deflection, Ticket
from support.selectors import deflection_report
from tests.factories import make_article, make_category
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    make_demo_regions()
    account = make_category(slug="account", names={"en": "Account", "fr": "Compte"})
    billing = make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"})
    password = make_article(
        slug="reset-password",
        category=account,
        translations={
            "en": {
                "title": "Reset your password",
                "body": "Click **Forgot password** on the sign-in page.",
                "questions": ["I forgot my password", "can't log in", "reset my password"],
            },
            "fr": {
                "title": "Réinitialiser votre mot de passe",
                "body": "Cliquez sur **Mot de passe oublié**.",
                "questions": ["j'ai oublié mon mot de passe", "je n'arrive pas à me connecter"],
            },
        },
    )
    card = make_article(
        slug="update-card",
        category=billing,
        translations={
            "en": {
                "title": "Update your payment card",
                "body": "Go to Billing.",
                "questions": ["change my credit card", "my card expired"],
            },
            "fr": {
                "title": "Changer de carte bancaire",
                "body": "Allez dans Facturation.",
                "questions": ["changer ma carte bancaire", "ma carte a expiré"],
            },
        },
    )
    return {"password": password, "card": card, "account": account, "billing": billing}


def suggest(client, language, subject, message=""):
    return client.post(f"/{language}/contact/suggestions/", {"subject": subject, "message": message})


def test_suggestions_for_what_the_customer_types_in_their_language(client, site):
    response = suggest(client, "fr", "J'ai oublié mon mot de passe", "je n'arrive pas à me connecter")
    assert response.status_code == 200
    articles = response.json()["articles"]
    assert 1 <= len(articles) <= 3
    assert articles[0]["title"] == "Réinitialiser votre mot de passe"
    assert articles[0]["url"].startswith("/fr/articles/")
    assert articles[0]["id"] == site["password"].pk
    assert 0 < articles[0]["confidence"] <= 1


def test_suggestions_for_off_topic_or_too_short_text_are_empty(client, site):
    assert suggest(client, "en", "hi").json() == {"articles": []}
    assert suggest(client, "en", "What will the weather be in Lisbon tomorrow").json() == {"articles": []}


def test_suggestions_require_the_csrf_token_and_post(site):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/en/contact/suggestions/", {"subject": "forgot my password"}).status_code == 403
    assert strict.get("/en/contact/suggestions/").status_code == 405


def test_suggestions_bad_input_is_400(client, site):
    assert suggest(client, "en", "x" * 201).status_code == 400


def test_suggestions_are_rate_limited_per_client(client, site, settings):
    settings.HELPCENTER_SUGGEST_RATE = "2/m"
    codes = [suggest(client, "en", "forgot my password").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def answered(client, language, article, submission):
    return client.post(
        f"/{language}/contact/answered/",
        {
            "article": article.pk,
            "submission": str(submission),
            "subject": "mot de passe",
            "message": "oublié",
            "email": "marie@example.com",
        },
    )


def test_this_answered_my_question_sends_no_ticket_and_is_counted_once(client, site):
    submission = uuid.uuid4()
    response = answered(client, "fr", site["password"], submission)
    assert response.status_code == 200
    assert "Réinitialiser votre mot de passe" in response.content.decode()
    answered(client, "fr", site["password"], submission)  # clicked twice: one form, one deflection
    assert not Ticket.objects.exists()
    deflection = Deflection.objects.get()
    assert (deflection.language, deflection.article, deflection.category) == (
        "fr",
        site["password"],
        site["account"],
    )


def test_answered_with_an_unknown_article_is_400_and_counts_nothing(client, site):
    response = client.post("/fr/contact/answered/", {"article": "999999", "submission": str(uuid.uuid4())})
    assert response.status_code == 400
    assert not Deflection.objects.exists()


def test_contact_form_topic_is_the_tickets_category(client, site):
    response = client.post(
        "/fr/contact/",
        {
            "email": "marie@example.com",
            "subject": "Facture",
            "message": "Débitée deux fois",
            "topic": site["billing"].pk,
            "submission": str(uuid.uuid4()),
        },
    )
    assert response.status_code == 200
    assert Ticket.objects.get().category == site["billing"]


def test_report_counts_deflections_and_tickets_per_language_and_category(client, site):
    for _ in range(3):
        answered(client, "fr", site["password"], uuid.uuid4())
    answered(client, "en", site["card"], uuid.uuid4())
    client.post(
        "/fr/contact/",
        {
            "email": "m@example.com",
            "subject": "Mot de passe",
            "message": "Toujours bloquée",
            "topic": site["account"].pk,
            "submission": str(uuid.uuid4()),
        },
    )
    with translation.override("fr"):
        rows = deflection_report(since=timezone.now() - timedelta(days=30))
    assert [(r.language, r.category, r.deflections, r.tickets, r.rate) for r in rows] == [
        ("fr", "Compte", 3, 1, 75),
        ("en", "Facturation", 1, 0, 100),
    ]
