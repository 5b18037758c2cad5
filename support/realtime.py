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
    So the send is handed to the server's event loop and made there, in the order given for each
    lane (_lane: a later message never overtakes an earlier one to the same sockets). Elsewhere
    (gunicorn, a command, a test) it is sent at once."""
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


def _lane(group: str) -> str:
    """Sends that must keep their order share a lane. A chat's two groups (`chat.<id>`, the
    customer's sockets, and `chat.<id>.staff`, the agents') each have their own sockets and nothing
    else, so each is a lane of its own: one chat's sends no longer wait behind every other chat's of
    the process (a group send is 2-4 round trips to Redis), nor a customer's message to its agent
    behind its echo to the customer's own sockets. The agents' pages hear several groups (`staff`
    and their regions'), which stay in one lane, in order between them."""
    return group if group.startswith("chat.") else STAFF_GROUP


# Per event loop: the queue of each lane with sends waiting, drained by one task while it has any.
_queues: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Queue]]" = (
    weakref.WeakKeyDictionary()
)
_draining: set[asyncio.Task] = set()


def _enqueue(loop, layer, group: str, event: dict) -> None:
    lanes = _queues.get(loop)
    if lanes is None:
        lanes = _queues[loop] = {}
    lane = _lane(group)
    queue = lanes.get(lane)
    if queue is None:
        queue = lanes[lane] = asyncio.Queue()
        task = loop.create_task(_drain(lanes, lane, queue))
        _draining.add(task)  # the loop holds tasks weakly
        task.add_done_callback(_draining.discard)
    queue.put_nowait((layer, group, event))


async def _drain(lanes: dict, lane: str, queue: asyncio.Queue) -> None:
    # Runs until its lane is empty, then removes it: nothing is awaited between the last get and the
    # removal, so a send enqueued meanwhile (from the loop's thread only) finds a new lane and task.
    while not queue.empty():
        layer, group, event = queue.get_nowait()
        try:
            await layer.group_send(group, event)
        except Exception:
            log.exception("live update to %s not sent", group)
    del lanes[lane]


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
