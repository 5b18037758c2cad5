"""The agents' pages without WebSockets: the plain-HTTP fallbacks of `/ws/agents/` and of the
agent's chat socket (the browser: tests/browser/test_live_chat.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django.utils import timezone

from chatbot import live
from chatbot.models import Conversation
from support.conf import support_settings
from support.models import Region
from support.services import ticket_create, ticket_customer_reply
from tests.chatbot.livechat import customer_chat, live_regions, make_agent

pytestmark = pytest.mark.django_db


def _ticket(subject="Facture"):
    return ticket_create(
        requester_email="marie@example.com", subject=subject, message="Bonjour", language="fr", source="web"
    ).ticket


def test_staff_polling_gives_each_new_ticket_and_customer_answer_once_after_the_cursor(client):
    emea, _amer = live_regions()
    client.force_login(make_agent("agent-emea", emea))
    start = client.get("/en/agents/live/events/").json()
    assert start["events"] == []
    first = _ticket("Facture")
    second = _ticket("Connexion")
    ticket_customer_reply(ticket=first, body="Voici la capture")
    data = client.get(
        "/en/agents/live/events/", {"tickets": start["tickets"], "messages": start["messages"]}
    ).json()
    assert [(e["event"], e["ticket"]["reference"]) for e in data["events"]] == [
        ("ticket.new", first.reference),
        ("ticket.new", second.reference),
    ]
    # The answer came on a ticket announced in the same poll: with it, not again later.
    again = client.get(
        "/en/agents/live/events/", {"tickets": data["tickets"], "messages": data["messages"]}
    ).json()
    assert again["events"] == []
    ticket_customer_reply(ticket=second, body="Toujours bloqué")
    later = client.get(
        "/en/agents/live/events/", {"tickets": again["tickets"], "messages": again["messages"]}
    )
    assert [(e["event"], e["ticket"]["reference"]) for e in later.json()["events"]] == [
        ("ticket.message", second.reference)
    ]
    assert client.get("/en/agents/live/events/", {"tickets": "x", "messages": "1"}).status_code == 400


def test_staff_polling_needs_the_agents_permission_and_is_rate_limited(client):
    assert client.get("/en/agents/live/events/").status_code == 302  # to the sign-in page
    client.force_login(get_user_model().objects.create_user("visitor", is_staff=True))
    assert client.get("/en/agents/live/events/").status_code == 403
    assert client.get("/en/agents/chats/waiting/").status_code == 403
    emea, _amer = live_regions()
    client.force_login(make_agent("agent-emea", emea))
    with override_settings(HELPCENTER_STAFF_POLL_RATE="3/m"):
        support_settings.cache_clear()
        try:
            codes = [client.get("/en/agents/live/events/").status_code for _ in range(4)]
        finally:
            support_settings.cache_clear()
    assert codes == [200, 200, 200, 429]


def test_waiting_chats_are_listed_only_for_agents_of_their_region(client):
    emea, amer = live_regions()
    agent = make_agent("agent-emea", emea)
    conversation, _token = customer_chat()
    live.live_request(conversation=conversation, email="marie@example.com", name="Marie", now=timezone.now())
    client.force_login(agent)
    chats = client.get("/en/agents/chats/waiting/").json()["chats"]
    assert [(c["id"], c["region"], c["live_status"]) for c in chats] == [
        (str(conversation.pk), "EMEA", "waiting")
    ]
    client.force_login(make_agent("agent-amer", Region.objects.get(code="AMER")))
    assert client.get("/en/agents/chats/waiting/").json()["chats"] == []


def _active_chat():
    emea, _amer = live_regions()
    agent = make_agent("agent-emea", emea)
    conversation, _token = customer_chat()
    live.live_request(conversation=conversation, email="marie@example.com", name="Marie", now=timezone.now())
    live.live_accept(conversation=conversation, agent=agent, now=timezone.now())
    return Conversation.objects.get(pk=conversation.pk), agent


def test_agent_chat_polling_and_posting_over_http_with_the_sockets_ids_and_checks(client):
    conversation, agent = _active_chat()
    client.force_login(agent)
    last = conversation.messages.last().pk
    url = f"/en/agents/chats/{conversation.pk}/"
    sent = client.post(url + "messages/", {"text": "Bonjour Marie"})
    note = client.post(url + "messages/", {"text": "Doublon", "internal": "on"})
    assert (sent.status_code, note.status_code, note.json()["message"]["internal"]) == (201, 201, True)
    live.live_customer_message(conversation=conversation, text="Merci")
    data = client.get(url + "events/", {"after": last}).json()
    assert ([m["text"] for m in data["messages"]], data["live_status"]) == (
        ["Bonjour Marie", "Doublon", "Merci"],
        "active",
    )
    assert client.get(url + "events/", {"after": data["messages"][-1]["id"]}).json()["messages"] == []
    assert client.get(url + "events/", {"after": "-1"}).status_code == 400
    assert client.post(url + "messages/", {"text": "x" * 5000}).status_code == 400
    assert client.post(url + "messages/", {"text": "   "}).status_code == 400


def test_agent_chat_over_http_refuses_other_regions_and_chats_not_theirs(client):
    conversation, _agent = _active_chat()
    outsider = make_agent("agent-amer", Region.objects.get(code="AMER"))
    client.force_login(outsider)
    url = f"/en/agents/chats/{conversation.pk}/"
    assert client.get(url + "events/").status_code == 404
    assert client.post(url + "messages/", {"text": "Bonjour"}).status_code == 404
    colleague = make_agent("agent-emea-2", Region.objects.get(code="EMEA"), display_name="Lea")
    client.force_login(colleague)
    assert client.get(url + "events/").status_code == 200
    assert client.post(url + "messages/", {"text": "Bonjour"}).status_code == 409
