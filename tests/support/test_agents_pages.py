"""The agents' pages: times in the agent's own zone, who is signed in, taking a ticket, one reply box."""

from datetime import UTC, datetime

import pytest

from support.models import Ticket
from tests.chatbot.livechat import make_agent
from tests.support.factories import make_region

pytestmark = pytest.mark.django_db


@pytest.fixture
def queue():
    emea = make_region("EMEA", tz="Europe/Dublin", languages=("en", "fr"))
    make_region("AMER", tz="America/Denver", languages=("en",), order=2)
    Ticket.objects.create(
        reference="HC-1",
        requester_email="m@example.com",
        language="fr",
        subject="Facture",
        region=emea,
        source="web",
        first_response_due=datetime(2026, 12, 8, 15, 30, tzinfo=UTC),
    )
    return emea


def test_queue_times_are_in_the_agents_region_zone_by_default_then_in_the_one_they_chose(client, queue):
    client.force_login(make_agent("agent-emea", queue))
    page = client.get("/en/agents/regions/EMEA/").content.decode()
    assert "Tue 08 Dec 15:30 Europe/Dublin" in page
    response = client.post("/en/agents/chats/time-zone/", {"timezone": "America/Denver"})
    assert response.status_code == 302
    page = client.get("/en/agents/regions/EMEA/").content.decode()
    assert "Tue 08 Dec 08:30 America/Denver" in page
    assert "UTC" not in page.split("<table", 1)[1]


def test_an_unknown_time_zone_is_refused_and_nothing_changes(client, queue):
    client.force_login(make_agent("agent-emea", queue))
    client.post("/en/agents/chats/time-zone/", {"timezone": "Mars/Olympus"})
    assert "Europe/Dublin" in client.get("/en/agents/regions/EMEA/").content.decode()


def test_every_agents_page_says_who_is_signed_in_and_can_sign_out(client, queue):
    client.force_login(make_agent("agent-emea", queue, display_name="Camille"))
    for path in ("/en/agents/", "/en/agents/regions/EMEA/", "/en/agents/tickets/HC-1/", "/en/agents/chats/"):
        page = client.get(path).content.decode()
        assert "Signed in as Camille (agent-emea)" in page, path
        assert 'action="/admin/logout/"' in page, path


def test_assign_to_me_then_unassign_on_the_ticket_page(client, queue):
    agent = make_agent("agent-emea", queue)
    client.force_login(agent)
    page = client.get("/en/agents/tickets/HC-1/").content.decode()
    assert "Assign to me" in page
    client.post("/en/agents/tickets/HC-1/", {"action": "assign", "agent": str(agent.pk)})
    assert Ticket.objects.get().assigned_to == agent
    assert "Unassign me" in client.get("/en/agents/tickets/HC-1/").content.decode()
    client.post("/en/agents/tickets/HC-1/", {"action": "assign", "agent": ""})
    assert Ticket.objects.get().assigned_to is None


def test_an_agent_of_another_region_is_not_offered_the_ticket(client, queue):
    from support.models import Region

    client.force_login(make_agent("agent-amer", Region.objects.get(code="AMER")))
    assert "Assign to me" not in client.get("/en/agents/tickets/HC-1/").content.decode()


def test_the_ticket_page_has_one_clearly_labelled_reply_box(client, queue):
    client.force_login(make_agent("agent-emea", queue))
    page = client.get("/en/agents/tickets/HC-1/").content.decode()
    assert page.count('name="public"') == 2 and 'name="use_as"' not in page
    assert page.count("<textarea") == 1
    assert (
        'aria-labelledby="reply-heading"' in page
        and "Reply to the customer or write an internal note" in page
    )
