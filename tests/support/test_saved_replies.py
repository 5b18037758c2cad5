import json
import re
from datetime import UTC, datetime
from html import unescape

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from support.models import AgentProfile, MessageKind, SavedReply
from support.placeholders import Problem, fill, problems
from support.services import ticket_create
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)  # a Monday: EMEA is on shift


def test_fill_replaces_known_placeholders_and_keeps_unknown_ones():
    text = "Hello {customer_name}, about {ticket_reference}: see {article:reset} and {nope}. {agent_name}"
    filled = fill(
        text,
        {"customer_name": "Marie", "ticket_reference": "HC-10001", "agent_name": "Camille"},
        {"reset": "https://help.example/fr/articles/reinitialiser/"},
    )
    assert filled == (
        "Hello Marie, about HC-10001: see https://help.example/fr/articles/reinitialiser/ and {nope}. Camille"
    )


def test_fill_empty_name_takes_the_space_before_it():
    assert fill("Hello {customer_name}, thanks.", {"customer_name": ""}, {}) == "Hello, thanks."


def test_problems_names_unknown_and_malformed_placeholders():
    found = problems(
        "Hi {custmer_name} {article} {agent_name:x} {article:gone} {article:ok} {ticket_reference} {Not one}",
        known_articles=lambda slugs: {s for s in slugs if s == "ok"},
    )
    assert found == [
        Problem("{custmer_name}", "unknown"),
        Problem("{article}", "needs_argument"),
        Problem("{agent_name:x}", "no_argument"),
        Problem("{article:gone}", "unknown_article"),
    ]


@pytest.fixture
def regions(db):
    return make_demo_regions()


@pytest.fixture
def agent(regions):
    user = get_user_model().objects.create_user("agent-emea", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    AgentProfile.objects.create(user=user, display_name="Camille")
    regions[1].agents.add(user)
    return user


def _ticket(language="fr", name="Marie <b>Curie</b>"):
    return ticket_create(
        requester_email="marie@example.com",
        requester_name=name,
        subject="Mot de passe",
        message="Je ne peux plus me connecter",
        language=language,
        source="web",
        now=NOW,
    ).ticket


@pytest.fixture
def replies(regions):
    make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "slug": "reset-password"},
            "fr": {"title": "Réinitialiser le mot de passe", "slug": "reinitialiser-mot-de-passe"},
        },
    )
    greeting = SavedReply.objects.create(
        title_en="Password reset",
        body_en="Hello {customer_name}, see {article:reset-password}. {agent_name}",
        title_fr="Réinitialisation",
        body_fr="Bonjour {customer_name}, voyez {article:reset-password} ({ticket_reference}). {agent_name}",
    )
    english_only = SavedReply.objects.create(title_en="Closing", body_en="Thanks {customer_name}!")
    other_region = SavedReply.objects.create(title_en="APAC only", body_en="APAC", region=regions[2])
    return greeting, english_only, other_region


def _page(client, ticket, **params):
    return client.get(f"/en/agents/tickets/{ticket.reference}/", params)


@pytest.mark.django_db
def test_picking_a_reply_inserts_the_ticket_language_version_filled_and_escaped(client, agent, replies):
    ticket = _ticket()
    client.force_login(agent)
    response = _page(client, ticket, saved_reply=replies[0].pk, use_as="reply")
    assert response.status_code == 200
    html = response.content.decode()
    textarea = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    # The customer's name is escaped in the page; the textarea holds the text the agent will send.
    assert "Marie &lt;b&gt;Curie&lt;/b&gt;" in textarea
    assert "<b>Curie</b>" not in html.split("saved-replies")[0].split("<textarea")[1]
    assert unescape(textarea).strip() == (
        "Bonjour Marie <b>Curie</b>, voyez "
        "http://testserver/fr/articles/reinitialiser-mot-de-passe/ "
        f"({ticket.reference}). Camille"
    ).replace("http://testserver", "http://127.0.0.1:8000")
    assert 'id="saved-reply-fallback" role="status" hidden' in html
    # The reply form remembers which saved reply it started from.
    assert f'name="saved_reply" value="{replies[0].pk}"' in html


@pytest.mark.django_db
def test_picking_a_reply_without_the_ticket_language_falls_back_to_english_flagged(client, agent, replies):
    ticket = _ticket()
    client.force_login(agent)
    html = _page(client, ticket, saved_reply=replies[1].pk, use_as="note").content.decode()
    assert "Thanks Marie &lt;b&gt;Curie&lt;/b&gt;!" in html
    assert "has no version in French yet: the English text was inserted" in html
    assert 'id="saved-reply-fallback" role="status" hidden' not in html
    # Inserted as an internal note.
    assert re.search(r'<input type="radio" name="public" value="0"[^>]*checked', html)
    data = json.loads(
        re.search(r'<script id="saved-replies" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert [(item["id"], bool(item["fallback"])) for item in data] == [
        (replies[1].pk, True),
        (replies[0].pk, False),
    ]


@pytest.mark.django_db
def test_ticket_page_lists_shared_and_own_region_replies_only(client, agent, replies):
    ticket = _ticket()
    client.force_login(agent)
    html = _page(client, ticket).content.decode()
    assert "Réinitialisation" in html and "Closing" in html
    assert "APAC only" not in html
    # Another region's reply cannot be picked by its id either.
    response = _page(client, ticket, saved_reply=replies[2].pk)
    assert response.status_code == 400


@pytest.mark.django_db
def test_sending_a_saved_reply_counts_its_use_once(client, agent, replies):
    ticket = _ticket()
    client.force_login(agent)
    response = client.post(
        f"/en/agents/tickets/{ticket.reference}/",
        {"action": "reply", "body": "Bonjour Marie", "public": "1", "saved_reply": replies[0].pk},
    )
    assert response.status_code == 302
    client.post(
        f"/en/agents/tickets/{ticket.reference}/", {"action": "reply", "body": "Typed", "public": "0"}
    )
    replies[0].refresh_from_db()
    replies[1].refresh_from_db()
    assert (replies[0].usage_count, replies[1].usage_count) == (1, 0)
    assert list(ticket.messages.values_list("kind", "body")) == [
        (MessageKind.CUSTOMER, "Je ne peux plus me connecter"),
        (MessageKind.REPLY, "Bonjour Marie"),
        (MessageKind.NOTE, "Typed"),
    ]


@pytest.mark.django_db
def test_agent_without_display_name_is_never_shown_by_login(client, regions, replies):
    ticket = _ticket(language="en", name="")
    user = get_user_model().objects.create_user("agent-x", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    client.force_login(user)
    html = _page(client, ticket, saved_reply=replies[0].pk).content.decode()
    textarea = re.search(r'<textarea name="body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert unescape(textarea).strip() == (
        "Hello, see http://127.0.0.1:8000/en/articles/reset-password/. the support team"
    )


@pytest.mark.django_db
def test_saved_reply_admin_refuses_unknown_placeholders(client, regions):
    editor = make_staff(
        username="replies-editor",
        permissions=("support.add_savedreply", "support.change_savedreply", "support.view_savedreply"),
    )
    client.force_login(editor)
    make_article(slug="billing")
    form = {
        "title_en": "Billing",
        "body_en": "Hi {custmer_name}, see {article:billing}",
        "title_fr": "Facturation",
        "body_fr": "Voir {article:facturation-inconnue}",
        "region": "",
    }
    response = client.post("/admin/support/savedreply/add/", form)
    assert response.status_code == 200
    html = unescape(response.content.decode())
    assert "{custmer_name} is not a placeholder this reply can use." in html
    assert "{article:facturation-inconnue} names no article" in html
    assert not SavedReply.objects.exists()
    form.update(body_en="Hi {customer_name}, see {article:billing}", body_fr="Voir {article:billing}")
    response = client.post("/admin/support/savedreply/add/", form)
    assert response.status_code == 302
    assert SavedReply.objects.get().body_fr == "Voir {article:billing}"


@pytest.mark.django_db
def test_saved_reply_admin_needs_permission(client, regions):
    client.force_login(make_staff(username="nobody"))
    assert client.get("/admin/support/savedreply/").status_code == 403
