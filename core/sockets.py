"""A JSON WebSocket consumer with the limits every socket of the site has: the largest frame it
reads, and a rate of messages per connection (a token bucket). A frame over the size, or not a JSON
object, is answered with an error and not handled; a connection that keeps sending too fast is
closed (4029).

Their database work goes through `database_sync_to_async` below rather than Channels' own: it keeps
the connection of the one thread that does it between socket events instead of opening one for each."""

import json
import time

from asgiref.sync import SyncToAsync, sync_to_async
from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.core.cache import cache
from django.db import connections

CLOSE_FORBIDDEN = 4403  # the socket's HTTP equivalent would have been a 403 or 404
CLOSE_TOO_FAST = 4029

# A connection the sockets' thread opened is kept this long (seconds) at most, and checked before it
# is used again after being idle this long.
KEEP_CONNECTION_SECONDS = 300.0
CHECK_IDLE_SECONDS = 30.0


def _close_unusable_connections(*, before: bool) -> None:
    """Django's end-of-request rule (close_old_connections: a connection in a broken state, or older
    than CONN_MAX_AGE), except that a connection this thread opened with CONN_MAX_AGE = 0 (the
    default, "one per request") lives KEEP_CONNECTION_SECONDS: a socket event is not a request, and
    opening one per event cost more than the event (bench/livechat.py: SQLite reads the schema of
    every new connection, about 1.3 ms, and under that load a connection was opened 30 times a
    second per process, all in the one thread every socket's database work waits for)."""
    now = time.monotonic()
    for conn in connections.all(initialized_only=True):
        if conn.connection is None:
            continue
        if getattr(conn, "_socket_kept", None) is not conn.connection:
            conn._socket_kept = conn.connection
            if conn.settings_dict["CONN_MAX_AGE"] == 0:
                conn.close_at = now + KEEP_CONNECTION_SECONDS
        elif before and now - getattr(conn, "_socket_used_at", now) > CHECK_IDLE_SECONDS:
            if conn.is_usable():
                conn._socket_used_at = now
            else:  # a server that dropped an idle connection (PostgreSQL's idle timeout, a restart)
                conn.close()
                continue
        conn.close_if_unusable_or_obsolete()
        conn._socket_used_at = now


class DatabaseSyncToAsync(SyncToAsync):
    """channels.db.database_sync_to_async (the same thread, the same cleanup before and after each
    call) with the connection kept between calls (_close_unusable_connections)."""

    def thread_handler(self, loop, *args, **kwargs):
        _close_unusable_connections(before=True)
        try:
            return super().thread_handler(loop, *args, **kwargs)
        finally:
            _close_unusable_connections(before=False)


database_sync_to_async = DatabaseSyncToAsync


class LimitedJsonConsumer(AsyncJsonWebsocketConsumer):
    # Messages allowed per connection: `burst` at once, refilled over 10 seconds.
    strikes_allowed = 5

    async def dispatch(self, message):
        # Channels' own dispatch first runs close_old_connections in the database thread before
        # every handler: each typing event, each message heard from the channel layer, on every
        # socket, waited there behind the other sockets' database work (bench/livechat.py). Every
        # database call of these consumers goes through database_sync_to_async above, which does
        # that cleanup itself before and after the call.
        handler = getattr(self, get_handler_name(message), None)
        if handler is None:
            raise ValueError(f"No handler for message type {message['type']}")
        await handler(message)

    def _limits(self):
        if not hasattr(self, "_tokens"):
            self._burst = settings.HELPCENTER_LIVECHAT_MESSAGES_PER_10S
            self._tokens = float(self._burst)
            self._refilled = time.monotonic()
            self._strikes = 0

    def take_token(self) -> bool:
        """One message's worth of the rate; False when the connection is over it."""
        self._limits()
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._burst / 10)
        self._refilled = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

    async def refuse(self, code: str, message: str) -> None:
        """Tell the client what was wrong; too many refusals close the connection."""
        self._limits()
        self._strikes += 1
        await self.send_json({"type": "error", "code": code, "error": message})
        if self._strikes > self.strikes_allowed:
            await self.close(code=CLOSE_TOO_FAST)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        from django.utils.translation import gettext as _

        raw = text_data if text_data is not None else (bytes_data or b"").decode("utf-8", "replace")
        if len(raw.encode("utf-8")) > settings.HELPCENTER_LIVECHAT_MAX_FRAME_BYTES:
            await self.refuse("too_large", _("The message is too large."))
            return
        try:
            content = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            content = None
        if not isinstance(content, dict) or not isinstance(content.get("type"), str):
            await self.refuse("invalid", _("The request body must be a JSON object."))
            return
        await self.receive_json(content)


def _client_address(scope) -> str:
    client = scope.get("client") or ("", 0)
    return str(client[0] or "unknown")


@sync_to_async
def connect_allowed(scope, *, per_minute: int) -> bool:
    """At most `per_minute` new sockets a minute from one client address (counted in the cache all
    processes share, as the HTTP rate limits are): many connections cannot multiply the per-connection
    message rate. Behind a proxy the ASGI server must take the address from its forwarded header
    (uvicorn --proxy-headers, docs/deploy.md)."""
    key = f"sockets:connect:{_client_address(scope)}:{int(time.time() // 60)}"
    if cache.add(key, 1, 120):
        return True
    try:
        return cache.incr(key) <= per_minute
    except ValueError:  # expired between add and incr
        return cache.add(key, 1, 120) or True
