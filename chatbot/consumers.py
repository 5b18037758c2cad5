"""The live chat's sockets: the customer's (`/ws/chat/<id>/`, opened only with the owner cookie of
that conversation, as the HTTP API) and the agent's (`/ws/agents/chats/<id>/`, only for staff of the
conversation's region). `?after=<id>` sends first every message after that id: a reconnect resumes
where it stopped. Messages are checked like the HTTP API's; typing is passed to the other side and
never stored."""

import asyncio
import time
from urllib.parse import parse_qs

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.sockets import (
    CLOSE_FORBIDDEN,
    CLOSE_TOO_FAST,
    LimitedJsonConsumer,
    connect_allowed,
    database_sync_to_async,
)
from support.services import agent_seen

from . import live, realtime
from .forms import MAX_MESSAGE_CHARS
from .models import Conversation, LiveStatus

TYPING_EVERY = 1.0  # seconds: typing events passed on at most this often per connection

# Drop checks waiting for their grace time: the loop keeps only weak references to tasks, and a task
# nothing holds may be collected before it runs.
_drop_checks: set[asyncio.Task] = set()


def _after(scope) -> int:
    values = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("after", ["0"])
    try:
        return max(0, int(values[0]))
    except ValueError:
        return 0


def _text(content) -> str | None:
    text = content.get("text")
    if not isinstance(text, str):
        return None
    text = text.strip()
    return text if 0 < len(text) <= MAX_MESSAGE_CHARS else None


class _ChatConsumer(LimitedJsonConsumer):
    for_staff = False
    conversation: Conversation | None = None
    _disconnected = False

    async def __call__(self, scope, receive, send):
        # Channels calls disconnect() only when it reads websocket.disconnect. A client gone before
        # that (during the handshake, or while a message was being sent to it) makes the server's
        # send() raise instead (uvicorn: ClientDisconnected, which it then ignores), and the consumer
        # ends without it: whatever disconnect() undoes (the agent's count of open sockets, which
        # tells the customer their agent dropped) would stay done. So it runs here as well, once.
        try:
            await super().__call__(scope, receive, send)
        finally:
            if not self._disconnected:
                await self.disconnect(1006)

    async def _join_and_catch_up(self, group: str) -> None:
        self.group = group
        await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        # Joined first, then read: a message sent meanwhile comes in both, and is sent once.
        backlog = await database_sync_to_async(live.messages_after)(
            self.conversation, _after(self.scope), for_staff=self.for_staff
        )
        # Ids, not a high-water mark: two messages committed at nearly the same time in two processes
        # (a customer's on this server, an agent's on another or over HTTP) may be heard in the
        # other order, and the later id must not make the earlier one look sent.
        self.resumed_after = _after(self.scope)
        self.sent_ids = {m["id"] for m in backlog}
        for message in backlog:
            await self.send_json({"type": "message", "message": message})
        await self.send_json(await database_sync_to_async(live.status_json)(self.conversation))
        self._typed = 0.0

    async def disconnect(self, code):
        self._disconnected = True
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def chat_event(self, event):
        payload = event["payload"]
        if payload.get("type") == "message":
            message_id = payload["message"]["id"]
            if message_id <= self.resumed_after or message_id in self.sent_ids:
                return  # the page had it, or the catch-up sent it
            self.sent_ids.add(message_id)
        await self.send_json(payload)

    async def chat_typing(self, event):
        if event["sender"] != self.channel_name:
            await self.send_json({"type": "typing", "who": event["who"], "name": event["name"]})

    async def _typing(self, group: str, who: str, name: str) -> None:
        now = time.monotonic()
        if now - self._typed < TYPING_EVERY:
            return
        self._typed = now
        await self.channel_layer.group_send(
            group, {"type": "chat.typing", "who": who, "name": name, "sender": self.channel_name}
        )


class CustomerChatConsumer(_ChatConsumer):
    async def connect(self):
        from django.conf import settings

        from .views import _TOKEN, OWNER_COOKIE, _owner

        if not await connect_allowed(self.scope, per_minute=settings.HELPCENTER_LIVECHAT_CONNECTS_PER_MINUTE):
            await self.close(code=CLOSE_TOO_FAST)
            return

        token = self.scope.get("cookies", {}).get(OWNER_COOKIE, "")
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        self.conversation = None
        if _TOKEN.fullmatch(token or ""):
            self.conversation = await database_sync_to_async(
                lambda: Conversation.objects.filter(pk=conversation_id, owner=_owner(token)).first()
            )()
        if self.conversation is None:
            # As the HTTP API's 404: another customer's conversation does not exist for this one.
            await self.close(code=CLOSE_FORBIDDEN)
            return
        await self._join_and_catch_up(realtime.customer_group(self.conversation.pk))

    async def receive_json(self, content, **kwargs):
        with translation.override(self.conversation.language):
            kind = content["type"]
            if kind == "typing":
                await self._typing(realtime.staff_group(self.conversation.pk), "customer", "")
                return
            if kind != "message":
                await self.refuse("invalid", _("Unknown request."))
                return
            if not self.take_token():
                await self.refuse("too_fast", _("You are sending messages too fast. Please wait a moment."))
                return
            text = _text(content)
            if text is None:
                await self.refuse(
                    "invalid",
                    _("Type a message of at most %(count)s characters.") % {"count": MAX_MESSAGE_CHARS},
                )
                return
            self._typed = 0.0  # the message ends "typing…": the next keystroke says it again at once
            try:
                await database_sync_to_async(live.live_customer_message)(
                    conversation=self.conversation, text=text
                )
            except live.LiveChatError:
                await self.refuse("not_live", _("This chat is not with a person any more."))


class AgentChatConsumer(_ChatConsumer):
    for_staff = True
    counted = False

    async def connect(self):
        user = self.scope.get("user")
        conversation_id = self.scope["url_route"]["kwargs"]["conversation_id"]
        self.conversation = await database_sync_to_async(
            lambda: Conversation.objects.select_related("agent").filter(pk=conversation_id).first()
        )()
        allowed = (
            user is not None
            and self.conversation is not None
            and await database_sync_to_async(live.may_see)(user, self.conversation)
        )
        if not allowed:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if self.conversation.agent_id == user.pk and self.conversation.live_status == LiveStatus.ACTIVE:
            await database_sync_to_async(live.live_agent_connected)(conversation=self.conversation, delta=1)
            self.counted = True
        self.name = await database_sync_to_async(live.agent_public_name)(user)
        await self._join_and_catch_up(realtime.staff_group(self.conversation.pk))

    async def disconnect(self, code):
        await super().disconnect(code)
        if not self.counted:
            return
        self.counted = False  # uncounted once, however the consumer ends
        left = await database_sync_to_async(live.live_agent_connected)(
            conversation=self.conversation, delta=-1
        )
        if left <= 0:
            # Closed for good unless a socket of theirs comes back within the grace time.
            task = asyncio.get_running_loop().create_task(
                self._drop_check(self.conversation.pk, self.scope["user"].pk)
            )
            _drop_checks.add(task)
            task.add_done_callback(_drop_checks.discard)

    @staticmethod
    async def _drop_check(conversation_id, agent_id):
        from django.conf import settings

        await asyncio.sleep(settings.HELPCENTER_LIVECHAT_DROP_SECONDS)
        await database_sync_to_async(live.live_drop_check)(
            conversation_id=conversation_id, agent_id=agent_id, now=timezone.now()
        )

    async def receive_json(self, content, **kwargs):
        user = self.scope["user"]
        kind = content["type"]
        if kind == "typing":
            await self._typing(realtime.customer_group(self.conversation.pk), "agent", self.name)
            return
        if kind == "heartbeat":
            if self.take_token():
                now = timezone.now()
                await database_sync_to_async(agent_seen)(
                    user=user, active=bool(content.get("active")), now=now
                )
                # Between two runs of `manage.py livechat_sweep`, a shift that ended is noticed here.
                await database_sync_to_async(live.live_chats_sweep)(now=now)
            return
        if kind != "message":
            await self.refuse("invalid", _("Unknown request."))
            return
        if not self.take_token():
            await self.refuse("too_fast", _("You are sending messages too fast. Please wait a moment."))
            return
        if not await database_sync_to_async(user.has_perm)("support.change_ticket"):
            await self.refuse("forbidden", _("You may read this chat but not write in it."))
            return
        text = _text(content)
        if text is None:
            await self.refuse(
                "invalid", _("Type a message of at most %(count)s characters.") % {"count": MAX_MESSAGE_CHARS}
            )
            return
        self._typed = 0.0
        try:
            await database_sync_to_async(live.live_agent_message)(
                conversation=self.conversation, agent=user, text=text, internal=bool(content.get("internal"))
            )
        except live.LiveChatError:
            await self.refuse("not_yours", _("This chat is not yours to answer."))
            return
        await database_sync_to_async(agent_seen)(user=user, active=True, now=timezone.now())
