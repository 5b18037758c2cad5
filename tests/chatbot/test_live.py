"""Live chat with a person, through the services and the HTTP API (the sockets: test_live_sockets.py,
the browser: tests/browser/test_live_chat.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from chatbot import live
from chatbot.models import Conversation, ConversationStatus, LiveStatus, Role
from chatbot.services import conversation_escalate
from support.models import AgentProfile, Satisfaction, Ticket, TicketStatus
from tests.chatbot.livechat import customer_chat, live_regions, make_agent, post_json
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

TUESDAY_10 = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # 10:00 in Dublin
TUESDAY_17_05 = datetime(2026, 12, 8, 17, 5, tzinfo=UTC)  # 17:05 in Dublin: EMEA has closed


def test_live_request_puts_the_customer_in_line_with_place_and_wait_when_an_agent_is_available():
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, now=TUESDAY_10)
    conversation, _token = customer_chat()
    waiting = live.live_request(
        conversation=conversation, email="marie@example.com", name="Marie", now=TUESDAY_10
    )
    conversation.refresh_from_db()
    assert (conversation.live_status, conversation.live_region, waiting.position, waiting.wait_minutes) == (
        LiveStatus.WAITING,
        emea,
        1,
        2,
    )
    assert waiting.text == "Vous êtes numéro 1 dans la file. Attente estimée : environ 2 minutes."
    assert conversation.messages.last().role == Role.NOTICE


def test_second_customer_in_line_is_number_two():
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, now=TUESDAY_10)
    first, _ = customer_chat()
    second, _ = customer_chat()
    live.live_request(conversation=first, email="a@example.com", name="", now=TUESDAY_10)
    waiting = live.live_request(conversation=second, email="b@example.com", name="", now=TUESDAY_10)
    assert (waiting.position, waiting.wait_minutes) == (2, 4)


@pytest.mark.parametrize(
    "agent_kwargs",
    [{"online": False}, {"max_chats": 0}],
    ids=["offline", "at-their-limit"],
)
def test_no_live_request_when_no_agent_is_online_and_free(agent_kwargs):
    emea, _amer = live_regions()
    make_agent("agent-emea", emea, now=TUESDAY_10, **agent_kwargs)
    conversation, _ = customer_chat()
    assert (
        live.live_request(conversation=conversation, email="m@example.com", name="", now=TUESDAY_10) is None
    )


def test_at_17_05_dublin_time_nobody_is_available_for_french_and_the_ticket_says_when_emea_opens():
    regions = {r.code: r for r in make_demo_regions()}
    make_agent("agent-emea", regions["EMEA"], now=TUESDAY_17_05)  # still online, but off shift
    conversation, _ = customer_chat()
    assert live.live_availability(language="fr", now=TUESDAY_17_05) == []
    assert (
        live.live_request(conversation=conversation, email="m@example.com", name="", now=TUESDAY_17_05)
        is None
    )
    result = conversation_escalate(conversation=conversation, email="m@example.com", now=TUESDAY_17_05)
    assert (result.created.ticket.region.code, result.created.opens_at) == (
        "EMEA",
        datetime(2026, 12, 9, 8, 0, tzinfo=UTC),
    )
    assert "commence à 09:00 à votre heure (mercredi)" in result.text  # Paris time, the customer's


def test_accept_tells_the_customer_the_agents_public_name_never_the_login():
    emea, _amer = live_regions()
    agent = make_agent("agent-emea", emea, display_name="Camille")
    conversation, _ = customer_chat()
    live.live_request(conversation=conversation, email="m@example.com", name="", now=timezone.now())
    live.live_accept(conversation=conversation, agent=agent, now=timezone.now())
    notice = conversation.messages.filter(role=Role.NOTICE).last()
    assert notice.text == "Camille rejoint la conversation."
    assert "agent-emea" not in notice.text
    with pytest.raises(live.LiveChatError):  # a second agent cannot take it too
        live.live_accept(conversation=conversation, agent=make_agent("other", emea), now=timezone.now())


def _active_chat(**agent):
    emea, amer = live_regions()
    agent = make_agent("agent-emea", emea, **agent)
    conversation, token = customer_chat()
    live.live_request(conversation=conversation, email="marie@example.com", name="Marie", now=timezone.now())
    live.live_accept(conversation=conversation, agent=agent, now=timezone.now())
    conversation.refresh_from_db()
    return conversation, agent, token


def test_the_agent_sees_the_whole_transcript_with_what_the_bot_showed_and_internal_notes():
    conversation, agent, _ = _active_chat()
    live.live_customer_message(conversation=conversation, text="Il y a deux prélèvements")
    live.live_agent_message(conversation=conversation, agent=agent, text="Je regarde.")
    live.live_agent_message(conversation=conversation, agent=agent, text="Doublon Stripe", internal=True)
    staff = live.messages_after(conversation, 0, for_staff=True)
    customer = live.messages_after(conversation, 0)
    assert [m["role"] for m in staff][:3] == ["bot", "customer", "bot"]
    assert staff[2]["articles"][0]["title"] == "Comprendre votre facture"
    assert [m["text"] for m in staff[-3:]] == ["Il y a deux prélèvements", "Je regarde.", "Doublon Stripe"]
    assert "Doublon Stripe" not in [m["text"] for m in customer]
    assert customer[-1] == {**customer[-1], "role": "agent", "name": "Camille"}


def test_messages_after_an_id_are_each_given_once_in_order():
    conversation, agent, _ = _active_chat()
    before = live.messages_after(conversation, 0)
    for n in range(3):
        live.live_agent_message(conversation=conversation, agent=agent, text=f"m{n}")
    after = live.messages_after(conversation, before[-1]["id"])
    assert [m["text"] for m in after] == ["m0", "m1", "m2"]
    assert live.messages_after(conversation, after[-1]["id"]) == []


def test_closing_the_chat_keeps_a_solved_ticket_and_offers_the_survey():
    conversation, agent, _ = _active_chat()
    mail.outbox.clear()
    live.live_close(conversation=conversation, agent=agent, now=timezone.now())
    conversation.refresh_from_db()
    ticket = conversation.ticket
    assert (conversation.live_status, conversation.status, ticket.status, ticket.assigned_to) == (
        LiveStatus.ENDED,
        ConversationStatus.CLOSED,
        TicketStatus.SOLVED,
        agent,
    )
    assert Satisfaction.objects.filter(ticket=ticket, agent=agent).exists()
    survey = conversation.messages.last()
    assert (
        survey.link.startswith("/fr/how-did-we-do/")
        and survey.text == "Comment s’est passé cet échange ? Dites-le-nous en quelques secondes."
    )
    assert [t["role"] for t in ticket.transcript][:3] == ["bot", "customer", "bot"]


@pytest.mark.parametrize(
    ("reason", "said"),
    [
        ("left", "Camille a dû quitter la conversation."),
        ("dropped", "Nous avons perdu la connexion avec Camille."),
        ("shift_ended", "Le service de notre équipe est terminé."),
    ],
)
def test_a_chat_that_cannot_go_on_becomes_a_ticket_and_the_customer_is_told_in_french(reason, said):
    conversation, _agent, _ = _active_chat()
    live.live_to_ticket(conversation=conversation, reason=reason, now=timezone.now())
    conversation.refresh_from_db()
    ticket = Ticket.objects.get()
    assert (conversation.live_status, conversation.ticket, ticket.requester_email) == (
        LiveStatus.ENDED,
        ticket,
        "marie@example.com",
    )
    notice, escalated = list(conversation.messages.order_by("-id")[:2])[::-1]
    assert (
        notice.text == f"{said} Nous avons fait un ticket de cette conversation, avec tout ce qui a été dit."
    )
    assert ticket.reference in escalated.text
    # The ticket carries the whole conversation, up to why the chat stopped.
    assert ticket.transcript[-1]["text"].startswith(said)
    assert [t["role"] for t in ticket.transcript][:3] == ["bot", "customer", "bot"]


def test_drop_check_makes_a_ticket_only_when_the_agent_stayed_disconnected():
    conversation, agent, _ = _active_chat()
    live.live_agent_connected(conversation=conversation, delta=1)
    assert (
        live.live_drop_check(conversation_id=conversation.pk, agent_id=agent.pk, now=timezone.now()) is False
    )
    live.live_agent_connected(conversation=conversation, delta=-1)
    assert (
        live.live_drop_check(conversation_id=conversation.pk, agent_id=agent.pk, now=timezone.now()) is True
    )
    assert Ticket.objects.count() == 1


def test_sweep_makes_a_ticket_of_an_active_chat_whose_agent_is_long_gone_whatever_their_socket_count():
    """No disconnect() said so (the server died; the page closed before its socket opened): the
    agent's heartbeats stopped, and that is enough once they are offline and the grace time passed."""
    conversation, agent, _ = _active_chat()
    live.live_agent_connected(conversation=conversation, delta=1)  # a count nobody will take back
    now = timezone.now()
    gone_after = settings.HELPCENTER_AGENT_OFFLINE_SECONDS + settings.HELPCENTER_LIVECHAT_DROP_SECONDS
    assert live.live_chats_sweep(now=now) == 0
    assert live.live_chats_sweep(now=now + timedelta(seconds=gone_after - 1)) == 0  # within the grace
    assert live.live_chats_sweep(now=now + timedelta(seconds=gone_after + 1)) == 1
    conversation.refresh_from_db()
    assert conversation.live_status == LiveStatus.ENDED and conversation.ticket is not None
    assert conversation.messages.filter(
        role=Role.NOTICE, text__startswith="Nous avons perdu la connexion avec Camille."
    ).exists()


def test_sweep_gives_an_agent_never_heard_yet_the_same_time_from_when_they_took_the_chat():
    conversation, agent, _ = _active_chat()
    AgentProfile.objects.filter(user=agent).update(last_seen_at=None)  # no heartbeat of theirs yet
    now = timezone.now()
    gone_after = settings.HELPCENTER_AGENT_OFFLINE_SECONDS + settings.HELPCENTER_LIVECHAT_DROP_SECONDS
    assert live.live_chats_sweep(now=now) == 0
    assert live.live_chats_sweep(now=now + timedelta(seconds=gone_after + 1)) == 1


def test_sweep_at_the_end_of_the_shift_makes_tickets_of_live_chats():
    emea = live_regions(hours="Mon-Fri 08:00-17:00")[0]
    agent = make_agent("agent-emea", emea, now=TUESDAY_10)
    conversation, _ = customer_chat()
    live.live_request(conversation=conversation, email="m@example.com", name="", now=TUESDAY_10)
    live.live_accept(conversation=conversation, agent=agent, now=TUESDAY_10)
    assert live.live_chats_sweep(now=TUESDAY_10) == 0
    assert live.live_chats_sweep(now=TUESDAY_17_05) == 1
    conversation.refresh_from_db()
    assert conversation.live_status == LiveStatus.ENDED and conversation.ticket is not None


# --- through the HTTP API ------------------------------------------------------------------------


def test_escalate_api_goes_live_when_someone_is_available(client):
    emea, _ = live_regions()
    make_agent("agent-emea", emea)
    conversation, _ = customer_chat(client=client)
    response = post_json(
        client, f"/api/chat/conversations/{conversation.pk}/escalate", {"email": "m@example.com"}
    )
    assert response.status_code == 202
    assert response.json()["live"]["position"] == 1
    assert Ticket.objects.count() == 0


def test_escalate_api_makes_todays_ticket_when_nobody_is_available(client):
    emea, _ = live_regions()
    make_agent("agent-emea", emea, online=False)
    conversation, _ = customer_chat(client=client)
    response = post_json(
        client, f"/api/chat/conversations/{conversation.pk}/escalate", {"email": "m@example.com"}
    )
    assert response.status_code == 201 and response.json()["ticket"]["region"] == "EMEA"


def test_polling_fallback_returns_messages_after_an_id_and_the_status(client):
    conversation, agent, token = _active_chat()
    client.cookies["hc_chat"] = token
    last = conversation.messages.last().pk
    sent = post_json(client, f"/api/chat/conversations/{conversation.pk}/messages", {"text": "Toujours là ?"})
    assert sent.status_code == 200 and sent.json()["message"]["role"] == "customer"
    live.live_agent_message(conversation=conversation, agent=agent, text="Oui !")
    live.live_agent_message(conversation=conversation, agent=agent, text="note", internal=True)
    data = client.get(f"/api/chat/conversations/{conversation.pk}/events", {"after": last}).json()
    assert ([m["text"] for m in data["messages"]], data["live_status"], data["agent"]) == (
        ["Toujours là ?", "Oui !"],
        "active",
        "Camille",
    )
    assert client.get(f"/api/chat/conversations/{conversation.pk}/events", {"after": "x"}).status_code == 400


def test_polling_someone_elses_conversation_is_404(client):
    conversation, _agent, _token = _active_chat()
    customer_chat(client=client)  # this browser owns another one
    assert client.get(f"/api/chat/conversations/{conversation.pk}/events").status_code == 404


def test_agent_pages_need_the_permission_and_the_region(client):
    conversation, _agent, _ = _active_chat()
    outsider = make_agent(
        "agent-amer",
        Conversation.objects.get(pk=conversation.pk).live_region.__class__.objects.get(code="AMER"),
    )
    client.force_login(outsider)
    assert client.get(f"/en/agents/chats/{conversation.pk}/").status_code == 404
    assert client.post(f"/en/agents/chats/{conversation.pk}/accept/").status_code == 404
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.create_user("visitor", is_staff=True))
    assert client.get("/en/agents/chats/").status_code == 403


def test_erasure_covers_the_live_chat_transcript_and_the_address_left_for_it():
    from core.privacy import ERASED_TEXT
    from support.services import customer_data_erase

    conversation, agent, _ = _active_chat()
    live.live_customer_message(conversation=conversation, text="Je suis Marie Curie, 12 rue des Écoles")
    live.live_agent_message(conversation=conversation, agent=agent, text="Bonjour Madame Curie")
    customer_data_erase(email="marie@example.com", actor=None, via="test")
    conversation.refresh_from_db()
    texts = list(
        conversation.messages.filter(role__in=[Role.CUSTOMER, Role.AGENT]).values_list("text", flat=True)
    )
    assert set(texts) == {ERASED_TEXT}
    assert (conversation.live_email, conversation.live_name) == ("", "")


def test_sweep_command_reports_and_refuses_a_bad_instant():
    from io import StringIO

    from django.core.management import CommandError, call_command

    live_regions()
    out = StringIO()
    call_command("livechat_sweep", "--at", "2026-12-08T10:00:00Z", stdout=out)
    assert out.getvalue() == "0 live chat(s) made into tickets\n"
    with pytest.raises(CommandError, match="--at"):
        call_command("livechat_sweep", "--at", "tomorrow")


def test_an_agent_holds_several_chats_and_passes_one_to_a_colleague_or_back_to_a_line():
    emea, _amer = live_regions()
    camille = make_agent("agent-emea", emea, display_name="Camille")
    louis = make_agent("agent-emea-2", emea, display_name="Louis")
    first, _ = customer_chat()
    second, _ = customer_chat()
    for chat in (first, second):
        live.live_request(conversation=chat, email="m@example.com", name="", now=timezone.now())
        live.live_accept(conversation=chat, agent=camille, now=timezone.now())
    assert [c.pk for c in live.my_chats(camille)] == [first.pk, second.pk]
    live.live_transfer(conversation=first, actor=camille, to_agent=louis)
    first.refresh_from_db()
    assert (first.agent, first.messages.last().text) == (louis, "Louis rejoint la conversation.")
    # Who passed it on is for the agents only.
    assert (
        live.messages_after(first, 0, for_staff=True)[-2]["text"] == "Camille passed this chat on to Louis."
    )
    assert "passed this chat" not in " ".join(m["text"] for m in live.messages_after(first, 0))
    live.live_transfer(conversation=second, actor=camille, to_region=emea)
    second.refresh_from_db()
    assert (second.live_status, second.agent, live.queue_position(second)) == (LiveStatus.WAITING, None, 1)
    assert live.my_chats(camille) == []


def test_transfer_form_offers_only_regions_answering_the_chats_language(client):
    conversation, agent, _ = _active_chat()
    client.force_login(agent)
    page = client.get(f"/en/agents/chats/{conversation.pk}/").content.decode()
    assert ">EMEA</option>" in page and ">AMER</option>" not in page  # AMER does not answer French
    from support.models import Region

    amer = Region.objects.get(code="AMER")
    response = client.post(f"/en/agents/chats/{conversation.pk}/transfer/", {"region": amer.pk})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.live_region.code == "EMEA" and conversation.agent == agent  # refused, unchanged
