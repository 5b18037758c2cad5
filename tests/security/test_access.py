"""Who gets through where: every staff page and API endpoint for anonymous visitors, customers,
agents, translators and editors; customers never see what is not theirs."""

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client

from chatbot.models import Conversation
from support.notifications import status_token
from support.services import ticket_create
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "customer", "agent", "translator", "editor")


@pytest.fixture
def world():
    make_demo_regions()
    article = make_article(
        slug="reset-password",
        translations={"en": {"title": "Reset your password"}, "fr": {"title": "Réinitialiser"}},
    )
    ticket = ticket_create(
        requester_email="c@example.com", subject="Help", message="Down", language="en", source="web"
    ).ticket
    agents = Group.objects.create(name="Agents")
    agents.permissions.set(Permission.objects.filter(content_type__app_label="support"))
    editors = Group.objects.create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="kb"))
    clients = {"anonymous": Client(), "customer": Client()}
    clients["customer"].post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    )
    for role, group, perms in (
        ("agent", agents, ()),
        ("translator", None, ("kb.translate_fr",)),
        ("editor", editors, ()),
    ):
        user = make_staff(username=role, permissions=perms)
        if group:
            user.groups.add(group)
        clients[role] = Client()
        clients[role].force_login(user)
    return {"article": article, "ticket": ticket, "clients": clients}


# (path, roles that get a 200); everyone else gets a redirect to the login page or 403/404.
PAGES = [
    ("/admin/", {"agent", "translator", "editor"}),
    ("/admin/kb/article/", {"translator", "editor"}),
    ("/admin/kb/article/add/", {"editor"}),
    ("/admin/kb/article/{article}/change/", {"translator", "editor"}),
    ("/admin/kb/article/{article}/translate/fr/", {"translator", "editor"}),
    ("/admin/kb/article/{article}/translate/de/", {"editor"}),
    ("/admin/kb/article/translations/", {"translator", "editor"}),
    ("/admin/kb/article/translations/export/fr/xliff/", {"translator", "editor"}),
    ("/admin/kb/article/translations/import/", {"translator", "editor"}),
    ("/admin/kb/category/", {"translator", "editor"}),
    ("/admin/kb/articlefeedback/", {"editor"}),
    ("/admin/kb/sourcerevision/", {"editor"}),
    ("/admin/kb/article/{article}/versions/", {"translator", "editor"}),
    ("/admin/kb/article/{article}/versions/en/compare/?a=1&b=1", {"translator", "editor"}),
    ("/admin/kb/article/{article}/versions/fr/compare/?a=1&b=1", {"translator", "editor"}),
    ("/admin/kb/article/{article}/versions/fr/1/restore/", {"translator", "editor"}),
    ("/admin/kb/article/{article}/versions/en/1/restore/", {"editor"}),
    ("/en/editors/customers-also-ask/", {"editor"}),
    ("/admin/support/ticket/", {"agent"}),
    ("/admin/support/outgoingemail/", {"agent"}),
    ("/admin/support/region/", {"agent"}),
    ("/admin/auth/user/", set()),
    ("/en/agents/", {"agent"}),
    ("/en/agents/report/", {"agent"}),
    ("/en/agents/regions/EMEA/", {"agent"}),
    ("/en/agents/tickets/{ticket}/", {"agent"}),
    ("/en/editors/content-gaps/", {"editor"}),
]


@pytest.mark.parametrize(("path", "allowed"), PAGES)
def test_staff_pages_let_in_only_the_right_roles(world, path, allowed):
    url = path.format(article=world["article"].pk, ticket=world["ticket"].reference)
    for role in ROLES:
        response = world["clients"][role].get(url)
        if role in allowed:
            assert response.status_code == 200, (role, url, response.status_code)
        elif role in ("anonymous", "customer"):
            assert response.status_code == 302 and "login" in response["Location"], (role, url)
        else:
            assert response.status_code in (403, 404), (role, url, response.status_code)


@pytest.mark.parametrize(
    ("path", "data", "allowed"),
    [
        ("/en/agents/tickets/{ticket}/", {"action": "reply", "body": "Hi", "public": "0"}, {"agent"}),
        ("/admin/kb/article/{article}/change/", {"title_fr": "x", "_save": "Save"}, {"translator", "editor"}),
        ("/admin/kb/article/{article}/delete/", {"post": "yes"}, {"editor"}),
        ("/admin/kb/article/{article}/translate/fr/", {"action": "approve"}, {"translator", "editor"}),
        ("/admin/kb/article/{article}/versions/en/1/restore/", {}, {"editor"}),
        ("/en/editors/customers-also-ask/", {"action": "dismiss", "ids": "1"}, {"editor"}),
    ],
)
def test_staff_writes_are_refused_to_the_wrong_roles(world, path, data, allowed):
    url = path.format(article=world["article"].pk, ticket=world["ticket"].reference)
    for role in ROLES:
        if role in allowed:
            continue
        response = world["clients"][role].post(url, data)
        assert response.status_code in (302, 403, 404), (role, url)
        if response.status_code == 302:
            assert "login" in response["Location"], (role, url)
    world["article"].refresh_from_db()
    assert world["article"].title_fr == "Réinitialiser"
    assert world["ticket"].messages.count() == 1


def test_a_customer_cannot_read_or_write_another_customers_conversation(world):
    mine = world["clients"]["customer"]
    theirs = Client()
    other = theirs.post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    ).json()["id"]
    assert mine.get(f"/api/chat/conversations/{other}").status_code == 404
    for action, body in (
        ("messages", {"text": "hi"}),
        ("escalate", {"email": "x@example.com"}),
        ("feedback", {"message": 1, "helpful": True}),
    ):
        response = mine.post(
            f"/api/chat/conversations/{other}/{action}", json.dumps(body), content_type="application/json"
        )
        assert response.status_code == 404
    assert Conversation.objects.get(pk=other).messages.count() == 1  # only its greeting
    assert theirs.get(f"/api/chat/conversations/{other}").status_code == 200


def test_conversation_ids_are_unguessable(world):
    conversation = Conversation.objects.get()
    assert len(str(conversation.pk)) == 36 and conversation.owner and len(conversation.owner) == 64


def test_status_links_cannot_be_forged_or_pointed_at_another_ticket(world, client):
    ticket = world["ticket"]
    other = ticket_create(
        requester_email="d@example.com", subject="Other", message="Mine", language="en", source="web"
    ).ticket
    token = status_token(ticket)
    assert client.get(f"/en/requests/{token}/").status_code == 200
    for forged in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token.replace(":", ";"),
        "x",
        ticket.reference,
        str(ticket.pk),
    ):
        assert client.get(f"/en/requests/{forged}/").status_code == 404
    # The right ticket id with another ticket's access key does not open either.
    from django.core import signing

    from support.notifications import STATUS_LINK_SALT

    mixed = signing.dumps({"t": other.pk, "k": ticket.access_key}, salt=STATUS_LINK_SALT, compress=True)
    assert client.get(f"/en/requests/{mixed}/").status_code == 404


def test_status_links_expire(world, client, settings):
    token = status_token(world["ticket"])
    settings.HELPCENTER_STATUS_LINK_MAX_AGE = -1
    assert client.get(f"/en/requests/{token}/").status_code == 404
    settings.HELPCENTER_STATUS_LINK_MAX_AGE = int(timedelta(days=180).total_seconds())
    assert client.get(f"/en/requests/{token}/").status_code == 200


def test_internal_notes_never_reach_the_customer(world, client):
    from support.services import ticket_reply

    ticket = world["ticket"]
    agent = make_staff(username="agent-2")
    ticket_reply(ticket=ticket, author=agent, body="Customer is difficult (internal)", public=False)
    page = client.get(f"/en/requests/{status_token(ticket)}/").content.decode()
    assert "internal" not in page
