"""What the agents' pages hear live, through the channel layer (settings.CHANNEL_LAYERS).

Groups: `staff` (every agents' page: new tickets of any region, as every queue page shows them) and
`staff.region.<code>` (live chats waiting in that region, for its agents only). Sending never fails
the write that caused it: the pages also show everything on their next load."""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

log = logging.getLogger(__name__)

STAFF_GROUP = "staff"


def region_group(code: str) -> str:
    # Group names allow ASCII letters, digits, hyphens, underscores and periods only.
    return "staff.region." + "".join(c if c.isalnum() or c in "-_" else "_" for c in code)


def send(group: str, event: dict) -> None:
    """Send `event` ({"type": "staff.event", ...}) to a group, from sync code (a view, a service
    after commit, a command)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, event)
    except Exception:  # a layer that is down must not undo the ticket or the message
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
