"""The live chat's sockets through the whole ASGI application (origin check, session, routing), with
Channels' WebsocketCommunicator: who may connect, catch-up by id, limits, nothing across chats."""

import json

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.test import Client, override_settings
from django.utils import timezone

from chatbot import live
from chatbot.models import LiveStatus, Message, Role
from helpcenter.asgi import application
from support.models import Ticket
from tests.chatbot.livechat import customer_chat, live_regions, make_agent

pytestmark = pytest.mark.django_db(transaction=True)
ORIGIN = (b"origin", b"http://testserver")


def _customer(conversation, token, *, after=0, origin=ORIGIN):
    headers = [origin, (b"cookie", f"hc_chat={token}".encode())] if token else [origin]
    return WebsocketCommunicator(application, f"/ws/chat/{conversation.pk}/?after={after}", headers=headers)


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _agent(conversation, cookie, *, after=0):
    headers = [ORIGIN, (b"cookie", cookie)]
    return WebsocketCommunicator(
        application, f"/ws/agents/chats/{conversation.pk}/?after={after}", headers=headers
    )


def _active_chat():
    emea, amer = live_regions()
    agent = make_agent("agent-emea", emea)
    conversation, token = customer_chat()
    live.live_request(conversation=conversation, email="m@example.com", name="Marie", now=timezone.now())
    live.live_accept(conversation=conversation, agent=agent, now=timezone.now())
    return conversation, token, agent, amer


async def _drain(communicator, until_type="status"):
    """Messages sent on connect (the catch-up), up to and with the status."""
    got = []
    while True:
        data = await communicator.receive_json_from(timeout=3)
        got.append(data)
        if data["type"] == until_type:
            return got


def test_customer_and_agent_talk_live_with_typing_both_ways():
    conversation, token, agent, _ = _active_chat()
    cookie = _session_cookie(agent)

    async def scenario():
        customer, staff = _customer(conversation, token), _agent(conversation, cookie)
        assert (await customer.connect())[0] and (await staff.connect())[0]
        backlog = await _drain(customer)
        staff_backlog = await _drain(staff)
        # The agent has everything the bot showed; the customer sees "Camille joins the chat".
        assert staff_backlog[2]["message"]["articles"][0]["title"] == "Comprendre votre facture"
        assert backlog[-2]["message"]["role"] == "notice"
        await customer.send_json_to({"type": "typing"})
        assert await staff.receive_json_from(timeout=3) == {"type": "typing", "who": "customer", "name": ""}
        await customer.send_json_to({"type": "message", "text": "<b>Bonjour</b>"})
        heard = await staff.receive_json_from(timeout=3)
        assert (heard["message"]["text"], heard["message"]["role"]) == ("<b>Bonjour</b>", "customer")
        assert (await customer.receive_json_from(timeout=3))["message"]["id"] == heard["message"]["id"]
        await staff.send_json_to({"type": "typing"})
        assert await customer.receive_json_from(timeout=3) == {
            "type": "typing",
            "who": "agent",
            "name": "Camille",
        }
        await staff.send_json_to({"type": "message", "text": "Note", "internal": True})
        await staff.send_json_to({"type": "message", "text": "Je regarde"})
        assert (await staff.receive_json_from(timeout=3))["message"]["internal"] is True
        # The internal note never reaches the customer: the next thing they hear is the reply.
        reply = await customer.receive_json_from(timeout=3)
        assert (reply["message"]["text"], reply["message"]["name"]) == ("Je regarde", "Camille")
        await customer.disconnect()
        await staff.disconnect()

    async_to_sync(scenario)()


def test_reconnect_after_the_last_id_gives_every_later_message_exactly_once():
    conversation, token, agent, _ = _active_chat()
    seen = conversation.messages.order_by("-id").first().pk
    for n in range(3):
        live.live_agent_message(conversation=conversation, agent=agent, text=f"pendant la coupure {n}")

    async def scenario():
        customer = _customer(conversation, token, after=seen)
        assert (await customer.connect())[0]
        got = await _drain(customer)
        assert [m["message"]["text"] for m in got if m["type"] == "message"] == [
            f"pendant la coupure {n}" for n in range(3)
        ]
        assert await customer.receive_nothing(timeout=0.3)
        await customer.disconnect()

    async_to_sync(scenario)()


def test_messages_heard_out_of_order_each_reach_the_socket_once():
    """Two messages committed at nearly the same time in two processes (the customer's here, the
    agent's on another server) may reach the channel layer in the other order: the earlier id still
    reaches the socket, and none comes twice."""
    from channels.layers import get_channel_layer

    from chatbot.realtime import customer_group

    conversation, token, agent, _ = _active_chat()
    resumed = conversation.messages.order_by("-id").first().pk
    # Written without their live sends: the test makes those, in the order the layer heard them.
    earlier, later = (
        Message.objects.create(
            conversation=conversation, role=Role.AGENT, text=text, author=agent, language="fr"
        )
        for text in ("d'abord", "ensuite")
    )

    async def scenario():
        customer = _customer(conversation, token, after=resumed)
        assert (await customer.connect())[0]
        # The catch-up read the database: make it hear them from the layer only.
        caught_up = [m["message"]["id"] for m in await _drain(customer) if m["type"] == "message"]
        assert caught_up == [earlier.pk, later.pk]
        layer = get_channel_layer()
        third, fourth = [
            await database_sync_to_async(Message.objects.create)(
                conversation=conversation, role=Role.AGENT, text=text, author=agent, language="fr"
            )
            for text in ("puis", "enfin")
        ]
        for message in (fourth, third, fourth, later, earlier):
            public = await database_sync_to_async(live.message_json)(message)
            await layer.group_send(
                customer_group(conversation.pk),
                {"type": "chat.event", "payload": {"type": "message", "message": public}},
            )
        heard = [(await customer.receive_json_from(timeout=3))["message"]["id"] for _ in range(2)]
        assert heard == [fourth.pk, third.pk]
        assert await customer.receive_nothing(timeout=0.3)
        await customer.disconnect()

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["nobody", "another customer"])
def test_a_customer_cannot_join_another_customers_conversation(who):
    conversation, _token, _agent_user, _ = _active_chat()
    _other, other_token = customer_chat()

    async def scenario():
        intruder = _customer(conversation, None if who == "nobody" else other_token)
        connected, _code = await intruder.connect()
        assert connected is False

    async_to_sync(scenario)()


def test_a_socket_from_another_sites_page_is_refused():
    conversation, token, _agent_user, _ = _active_chat()

    async def scenario():
        evil = _customer(conversation, token, origin=(b"origin", b"https://evil.example"))
        assert (await evil.connect())[0] is False

    async_to_sync(scenario)()


@pytest.mark.parametrize("who", ["anonymous", "staff without the permission", "agent of another region"])
def test_an_agent_without_the_permission_or_the_region_cannot_connect(who):
    conversation, _token, _agent_user, amer = _active_chat()
    user = {
        "anonymous": lambda: None,
        "staff without the permission": lambda: get_user_model().objects.create_user("s", is_staff=True),
        "agent of another region": lambda: make_agent("agent-amer", amer),
    }[who]()
    cookie = _session_cookie(user) if user else None

    async def scenario():
        for path in (f"/ws/agents/chats/{conversation.pk}/", "/ws/agents/"):
            headers = [ORIGIN] + ([(b"cookie", cookie)] if cookie else [])
            communicator = WebsocketCommunicator(application, path, headers=headers)
            connected, _code = await communicator.connect()
            if who == "agent of another region" and path == "/ws/agents/":
                assert connected  # every agent hears new tickets; only their own regions' chats
                await communicator.disconnect()
            else:
                assert connected is False, path

    async_to_sync(scenario)()


def test_nothing_of_one_conversation_reaches_another():
    conversation, token, agent, _ = _active_chat()
    other, other_token = customer_chat()

    async def scenario():
        mine, theirs = _customer(conversation, token), _customer(other, other_token)
        await mine.connect()
        await theirs.connect()
        await _drain(mine)
        await _drain(theirs)
        await database_sync_to_async(live.live_agent_message)(
            conversation=conversation, agent=agent, text="secret"
        )
        assert (await mine.receive_json_from(timeout=3))["message"]["text"] == "secret"
        assert await theirs.receive_nothing(timeout=0.3)
        await mine.disconnect()
        await theirs.disconnect()

    async_to_sync(scenario)()


@override_settings(HELPCENTER_LIVECHAT_MESSAGES_PER_10S=3, HELPCENTER_LIVECHAT_MAX_FRAME_BYTES=1000)
def test_frames_over_the_size_and_messages_over_the_rate_are_refused_then_the_socket_closed():
    conversation, token, _agent_user, _ = _active_chat()

    async def scenario():
        customer = _customer(conversation, token)
        await customer.connect()
        await _drain(customer)
        await customer.send_to(text_data=json.dumps({"type": "message", "text": "x" * 2000}))
        assert (await customer.receive_json_from(timeout=3))["code"] == "too_large"
        await customer.send_to(text_data="not json")
        assert (await customer.receive_json_from(timeout=3))["code"] == "invalid"
        for n in range(3):
            await customer.send_json_to({"type": "message", "text": f"m{n}"})
            assert (await customer.receive_json_from(timeout=3))["type"] == "message"
        codes = []
        # Two refusals above, four here: the sixth refusal closes the connection.
        for _n in range(4):
            await customer.send_json_to({"type": "message", "text": "flood"})
            codes.append((await customer.receive_json_from(timeout=3))["code"])
        assert set(codes) == {"too_fast"}
        assert (await customer.receive_output(timeout=3))["type"] == "websocket.close"

    async_to_sync(scenario)()
    assert Message.objects.filter(conversation=conversation, role=Role.CUSTOMER, text="flood").count() == 0


@override_settings(HELPCENTER_LIVECHAT_CONNECTS_PER_MINUTE=3)
def test_new_sockets_per_client_address_are_limited():
    conversation, token, _agent_user, _ = _active_chat()

    async def scenario():
        results = []
        for _n in range(4):
            customer = _customer(conversation, token)
            connected, _code = await customer.connect()
            results.append(connected)
            if connected:
                await customer.disconnect()
        assert results == [True, True, True, False]

    async_to_sync(scenario)()


@override_settings(HELPCENTER_LIVECHAT_DROP_SECONDS=0)
def test_an_agent_socket_gone_before_its_accept_is_uncounted_and_the_drop_check_runs():
    """The browser went away while the consumer was still connecting: uvicorn's send() raises
    ClientDisconnected at the accept and never delivers websocket.disconnect (what the browser test
    of a cut connection hit now and then). The socket must still be uncounted, so that the customer
    is told their agent dropped."""
    import asyncio

    from uvicorn.protocols.utils import ClientDisconnected

    from chatbot.consumers import AgentChatConsumer

    conversation, _token, agent, _ = _active_chat()
    scope = {
        "type": "websocket",
        "path": f"/ws/agents/chats/{conversation.pk}/",
        "query_string": b"",
        "headers": [],
        "user": agent,
        "url_route": {"args": (), "kwargs": {"conversation_id": str(conversation.pk)}},
    }

    async def scenario():
        inbox = asyncio.Queue()
        inbox.put_nowait({"type": "websocket.connect"})

        async def send(message):
            raise ClientDisconnected()

        with pytest.raises(ClientDisconnected):
            await AgentChatConsumer.as_asgi()(scope, inbox.get, send)
        for _n in range(100):  # the drop check, in the background after its grace time (none here)
            await asyncio.sleep(0.05)
            if await database_sync_to_async(Ticket.objects.exists)():
                return

    async_to_sync(scenario)()
    conversation.refresh_from_db()
    assert (conversation.agent_connections, conversation.live_status) == (0, LiveStatus.ENDED)
    assert Ticket.objects.count() == 1
