"""The sockets' database calls (core.sockets.database_sync_to_async): the connection is kept between
calls, and still closed as Django closes it when it is broken, too old or gone; handling a socket
event does not go through the database thread unless the handler needs the database."""

import pytest
from asgiref.sync import async_to_sync
from django.db.utils import ConnectionHandler

from core import sockets


@pytest.fixture
def handler(tmp_path, monkeypatch, django_db_blocker):
    """A file SQLite database of its own (the tests' in-memory one ignores close()), in the place of
    django.db.connections for core.sockets."""
    connections = ConnectionHandler(
        {"default": {"ENGINE": "helpcenter.db.sqlite3", "NAME": str(tmp_path / "sockets.sqlite3")}}
    )
    monkeypatch.setattr(sockets, "connections", connections)
    with django_db_blocker.unblock():  # its own file, not the test database
        yield connections
        connections.close_all()


def _call(handler, body=None):
    def work():
        connection = handler["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if body is not None:
            body(connection)
        return connection.connection

    return async_to_sync(sockets.database_sync_to_async(work))()


def test_the_connection_is_kept_from_one_socket_event_to_the_next(handler):
    first = _call(handler)
    assert handler["default"].connection is first
    assert _call(handler) is first


def test_an_explicit_conn_max_age_is_kept_as_configured(handler):
    handler["default"].settings_dict["CONN_MAX_AGE"] = None  # persistent: never closed for age
    first = _call(handler)
    assert handler["default"].close_at is None
    assert _call(handler) is first


def test_a_connection_left_in_a_transaction_is_closed(handler):
    def fail_inside_a_transaction(connection):
        connection.set_autocommit(False)
        raise RuntimeError("the call failed half-way")

    with pytest.raises(RuntimeError):
        _call(handler, fail_inside_a_transaction)
    assert handler["default"].connection is None


def test_a_connection_older_than_the_keep_time_is_closed(handler, monkeypatch):
    monkeypatch.setattr(sockets, "KEEP_CONNECTION_SECONDS", 0.0)
    _call(handler)
    assert handler["default"].connection is None


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(handler, monkeypatch):
    first = _call(handler)
    monkeypatch.setattr(sockets, "CHECK_IDLE_SECONDS", -1.0)
    monkeypatch.setattr(type(handler["default"]), "is_usable", lambda self: False)
    second = _call(handler)
    assert second is not None and second is not first


@pytest.mark.django_db(transaction=True)
def test_typing_is_passed_on_without_a_trip_through_the_database_thread(monkeypatch):
    """Channels' own dispatch ran close_old_connections (in the database thread) before every
    event; these consumers' events that need no database do not wait for that thread."""
    import channels.consumer

    from tests.chatbot.test_live_sockets import _active_chat, _agent, _customer, _drain, _session_cookie

    conversation, token, agent, _ = _active_chat()
    cookie = _session_cookie(agent)
    calls = []

    async def scenario():
        customer, staff = _customer(conversation, token), _agent(conversation, cookie)
        assert (await customer.connect())[0] and (await staff.connect())[0]
        await _drain(customer)
        await _drain(staff)
        real = channels.consumer.aclose_old_connections

        async def counted():
            calls.append(1)
            await real()

        monkeypatch.setattr(channels.consumer, "aclose_old_connections", counted)
        await customer.send_json_to({"type": "typing"})
        assert await staff.receive_json_from(timeout=3) == {"type": "typing", "who": "customer", "name": ""}
        assert calls == []
        monkeypatch.undo()
        await customer.disconnect()
        await staff.disconnect()

    async_to_sync(scenario)()


def test_live_sends_keep_their_order_per_lane_and_one_chat_does_not_wait_for_another():
    """support.realtime inside the server's loop: the sends to one group arrive in the order given,
    even when the first is slow; another chat's group does not wait behind it; the agents' pages'
    groups share one lane, in order between them."""
    import asyncio

    from support import realtime

    class Layer:
        def __init__(self):
            self.sent = []
            self.slow = asyncio.Event()

        async def group_send(self, group, event):
            if event.get("slow"):
                await self.slow.wait()
            self.sent.append((group, event["n"]))

    async def scenario():
        loop = asyncio.get_running_loop()
        layer = Layer()
        for group, n, slow in [
            ("chat.a", 1, True),
            ("chat.a", 2, False),
            ("chat.b", 3, False),
            ("staff.region.EMEA", 4, True),
            ("staff", 5, False),
        ]:
            realtime._enqueue(loop, layer, group, {"n": n, "slow": slow})
        for _ in range(10):
            await asyncio.sleep(0)
        assert layer.sent == [("chat.b", 3)]  # neither behind chat.a's slow send nor the staff lane's
        layer.slow.set()
        for _ in range(10):
            await asyncio.sleep(0)
        assert [n for group, n in layer.sent if group == "chat.a"] == [1, 2]
        assert [n for group, n in layer.sent if group.startswith("staff")] == [4, 5]
        assert realtime._queues[loop] == {}  # every lane drained and gone

    asyncio.run(scenario())
