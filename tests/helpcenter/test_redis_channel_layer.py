"""Live chat through Redis as the channel layer (channels_redis), as in production with several web
machines: what one process sends to a conversation's group reaches a customer connected to another.
Skipped only where no Redis is reachable and this is not CI (.ci/run starts one; in CI a missing
Redis is a failure)."""

import os

import pytest
import redis
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from channels_redis.core import RedisChannelLayer
from django.test import override_settings
from django.utils import timezone

from chatbot import live, realtime
from helpcenter.asgi import application
from tests.chatbot.livechat import customer_chat, live_regions, make_agent

# A database number of its own (the tasks' tests use 7, the demo's cache and queue 0 and 1).
REDIS_URL = os.environ.get("TEST_CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/8")
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_layer():
    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the Redis channel layer, but no Redis answers at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis server reachable at {REDIS_URL} (.ci/run starts one)")
    connection.flushdb()
    layers = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [REDIS_URL]}}
    }
    with override_settings(CHANNEL_LAYERS=layers):
        yield
    connection.flushdb()


def test_a_message_sent_by_another_machine_reaches_the_customer_through_redis(redis_layer):
    emea, _amer = live_regions()
    agent = make_agent("agent-emea", emea)
    conversation, token = customer_chat()
    live.live_request(conversation=conversation, email="m@example.com", name="", now=timezone.now())
    live.live_accept(conversation=conversation, agent=agent, now=timezone.now())

    async def scenario():
        customer = WebsocketCommunicator(
            application,
            f"/ws/chat/{conversation.pk}/",
            headers=[(b"origin", b"http://testserver"), (b"cookie", f"hc_chat={token}".encode())],
        )
        assert (await customer.connect())[0]
        while (await customer.receive_json_from(timeout=5))["type"] != "status":
            pass
        # This process's service, through the configured Redis layer.
        sent = await database_sync_to_async(live.live_agent_message)(
            conversation=conversation, agent=agent, text="Bonjour"
        )
        assert (await customer.receive_json_from(timeout=5))["message"]["id"] == sent.pk
        # Another machine: a layer of its own on the same Redis.
        other_machine = RedisChannelLayer(hosts=[REDIS_URL])
        shown = await database_sync_to_async(live.message_json)(sent)
        payload = {"type": "message", "message": {**shown, "id": sent.pk + 1000, "text": "ailleurs"}}
        await other_machine.group_send(
            realtime.customer_group(conversation.pk), {"type": "chat.event", "payload": payload}
        )
        assert (await customer.receive_json_from(timeout=5))["message"]["text"] == "ailleurs"
        await customer.disconnect()

    async_to_sync(scenario)()
