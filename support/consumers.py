"""The agents' pages' socket (`/ws/agents/`): new tickets and waiting chats as they come, and the
page's heartbeat that keeps the agent's presence (support/presence.py)."""

from django.utils import timezone

from core.sockets import CLOSE_FORBIDDEN, LimitedJsonConsumer, database_sync_to_async

from . import realtime, selectors, services


class StaffConsumer(LimitedJsonConsumer):
    groups_joined: list[str]

    async def connect(self):
        self.groups_joined = []
        user = self.scope.get("user")
        # The same check as every agents' page (support.views._staff_view).
        if (
            user is None
            or not user.is_authenticated
            or not await database_sync_to_async(user.has_perm)("support.view_ticket")
        ):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        codes = await database_sync_to_async(
            lambda: list(selectors.agent_regions(user).values_list("code", flat=True))
        )()
        self.groups_joined = [realtime.STAFF_GROUP] + [realtime.region_group(code) for code in codes]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        await database_sync_to_async(services.agent_seen)(user=user, active=False, now=timezone.now())

    async def disconnect(self, code):
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content["type"] == "heartbeat":
            if not self.take_token():
                return
            await database_sync_to_async(services.agent_seen)(
                user=self.scope["user"], active=bool(content.get("active")), now=timezone.now()
            )

    async def staff_event(self, event):
        await self.send_json({key: value for key, value in event.items() if key != "type"})
