"""Smaller things a newcomer met: region queue addresses in any case, the survey page naming the
answer as the customer chose it and saying until when, the demo's saved reply agreeing with the
article it links."""

import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from support.demo import DEMO_SAVED_REPLIES
from tests.support.factories import make_demo_regions
from tests.support.test_satisfaction import agent, solved, survey_path  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _agent_client():
    user = get_user_model().objects.create_user("agent-x", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    client = Client()
    client.force_login(user)
    return client


def test_region_queue_addresses_are_not_case_sensitive():
    make_demo_regions()
    client = _agent_client()
    assert client.get("/en/agents/regions/EMEA/").status_code == 200
    response = client.get("/en/agents/regions/emea/", {"status": "open"})
    assert (response.status_code, response["Location"]) == (302, "/en/agents/regions/EMEA/?status=open")
    assert client.get("/en/agents/regions/nowhere/").status_code == 404


def test_the_survey_page_names_the_answer_as_chosen_and_says_until_when(client, agent):  # noqa: F811
    ticket = solved(agent, "en")
    response = client.post(survey_path(ticket, "en"), {"rating": "good"}, follow=True)
    html = response.content.decode()
    assert "You answered “Good, I&#x27;m satisfied”." in html or "You answered “Good, I'm satisfied”." in html
    assert "Your answer: good." not in html
    assert "until the survey closes" not in html
    assert "Thank you! You can change your answer until" in html and "(Europe/Paris)" in html


def test_the_demo_saved_reply_gives_the_reset_links_lifetime_the_article_gives():
    articles = Path(__file__).resolve().parents[2] / "kb" / "demo" / "articles.jsonl"
    article = next(
        json.loads(line) for line in articles.read_text().splitlines() if '"slug": "reset-password"' in line
    )
    reply = next(
        texts for _owner, texts in DEMO_SAVED_REPLIES if "{article:reset-password}" in texts["en"][1]
    )
    for language, (_title, body) in reply.items():
        assert "30" in article["translations"][language]["body"], language
        assert "30" in body, language


def test_the_french_catalog_writes_the_typographic_apostrophe():
    import re

    import polib
    from django.conf import settings

    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"))
    straight = [entry.msgstr for entry in po if not entry.obsolete and re.search(r"\w'\w", entry.msgstr)]
    assert straight == []


def test_still_stuck_after_a_suggestion_reopens_the_form_as_the_customer_wrote_it(client):
    import uuid

    from tests.factories import make_article

    make_demo_regions()
    article = make_article(slug="reset-password")
    written = {
        "name": "Marie",
        "email": "marie@example.com",
        "subject": "Mot de passe",
        "message": "Le lien ne marche pas, j’ai tout essayé.",
        "submission": str(uuid.uuid4()),
        "article": article.pk,
    }
    answered = client.post("/fr/contact/answered/", written).content.decode()
    assert 'href="/fr/contact/?resume"' in answered
    html = client.get("/fr/contact/?resume").content.decode()
    assert "Le lien ne marche pas, j’ai tout essayé.</textarea>" in html
    assert 'value="marie@example.com"' in html and 'value="Mot de passe"' in html
    # Once: a later visit starts afresh.
    assert "Le lien ne marche pas" not in client.get("/fr/contact/?resume").content.decode()
