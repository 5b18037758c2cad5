"""What the agents' pages hear live, through the channel layer (settings.CHANNEL_LAYERS).

Groups: `staff` (every agents' page: new tickets of any region, as every queue page shows them) and
`staff.region.<code>` (live chats waiting in that region, for its agents only). Sending never fails
the write that caused it: the pages also show everything on their next load."""

import asyncio
import logging
import os
import weakref

from asgiref.sync import SyncToAsync, async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

STAFF_GROUP = "staff"


def region_group(code: str) -> str:
    # Group names allow ASCII letters, digits, hyphens, underscores and periods only.
    return "staff.region." + "".join(c if c.isalnum() or c in "-_" else "_" for c in code)


def send(group: str, event: dict) -> None:
    """Send `event` ({"type": "staff.event", ...}) to a group, from sync code (a view, a service
    after commit, a command).

    Inside an ASGI server the code runs in the thread that `sync_to_async` lends to every database
    call of the process: waiting there for Redis would hold up every other socket's database work.
    So the send is handed to the server's event loop and made there, one after another in the order
    given (a later message never overtakes an earlier one). Elsewhere (gunicorn, a command, a test)
    it is sent at once."""
    layer = get_channel_layer()
    if layer is None:
        return
    loop = _server_loop()
    if loop is not None:
        loop.call_soon_threadsafe(_enqueue, loop, layer, group, event)
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a layer that is down must not undo the ticket or the message
        log.exception("live update to %s not sent", group)


def _server_loop():
    loop = getattr(SyncToAsync.threadlocal, "main_event_loop", None)
    if loop is None or getattr(SyncToAsync.threadlocal, "main_event_loop_pid", None) != os.getpid():
        return None
    return loop if loop.is_running() else None


_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Queue]" = weakref.WeakKeyDictionary()


def _enqueue(loop, layer, group: str, event: dict) -> None:
    queue = _queues.get(loop)
    if queue is None:
        queue = _queues[loop] = asyncio.Queue()
        loop.create_task(_drain(queue))
    queue.put_nowait((layer, group, event))


async def _drain(queue: asyncio.Queue) -> None:
    while True:
        layer, group, event = await queue.get()
        try:
            await layer.group_send(group, event)
        except Exception:
            log.exception("live update to %s not sent", group)


def ticket_announce(ticket) -> None:
    """A new ticket: every agents' page hears it (queue pages add its row, the overview counts)."""
    send(
        STAFF_GROUP,
        {
            "type": "staff.event",
            "event": "ticket.new",
            "ticket": {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "language": ticket.language,
                "region": ticket.region.code,
                "status": str(ticket.get_status_display()),
            },
        },
    )


def ticket_changed(ticket) -> None:
    """The customer wrote on a ticket: its open pages show the new message, every agents' page says so."""
    send(
        STAFF_GROUP,
        {
            "type": "staff.event",
            "event": "ticket.message",
            "ticket": {
                "reference": ticket.reference,
                "subject": ticket.subject,
                "region": ticket.region.code,
            },
        },
    )
