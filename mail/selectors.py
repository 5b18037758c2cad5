"""Reads: which ticket an e-mail belongs to, and what agents see of e-mails."""

from __future__ import annotations

import re

from support.conf import support_settings
from support.models import OutgoingEmail, Ticket, TicketMessage

from .models import InboundEmail, InboundStatus


def _reply_pattern() -> re.Pattern:
    template = support_settings().reply_address.lower()
    before, _token, after = template.partition("{token}")
    return re.compile(re.escape(before) + r"([a-z0-9]{8,32})" + re.escape(after))


def reply_token_of(address: str) -> str:
    """The ticket token of a reply address (support+<token>@…), or "" for any other address."""
    match = _reply_pattern().fullmatch(address.lower())
    return match.group(1) if match else ""


def ticket_by_reply_token(token: str) -> Ticket | None:
    return Ticket.objects.select_related("region").filter(reply_token=token).first()


def ticket_by_reference(reference: str) -> Ticket | None:
    return Ticket.objects.select_related("region").filter(reference__iexact=reference).first()


def ticket_by_message_ids(ids: list[str]) -> Ticket | None:
    """The ticket one of these Message-IDs belongs to: an e-mail we sent for it, or one we received
    into it; the most recent reference (the end of the list) wins."""
    ids = [i for i in ids if i][-50:]
    if not ids:
        return None
    for message_id in reversed(ids):
        sent = OutgoingEmail.objects.filter(message_id=message_id).values_list("ticket_id", flat=True).first()
        if sent is None:
            sent = (
                TicketMessage.objects.filter(message_id=message_id)
                .values_list("ticket_id", flat=True)
                .first()
            )
        if sent is not None:
            return Ticket.objects.select_related("region").get(pk=sent)
    return None


def is_our_message_id(message_id: str) -> bool:
    return OutgoingEmail.objects.filter(message_id=message_id).exists()


def held_emails():
    """E-mails waiting for an agent: held (a stranger in someone's thread) and unreadable ones."""
    return (
        InboundEmail.objects.filter(status__in=(InboundStatus.HELD, InboundStatus.FAILED))
        .select_related("ticket", "mailbox")
        .defer("raw")
        .order_by("-received_at")
    )


def emails_of_ticket(ticket: Ticket):
    """Every e-mail that came in for a ticket, with its attachments, oldest first."""
    return (
        InboundEmail.objects.filter(ticket=ticket)
        .defer("raw")
        .prefetch_related("attachments")
        .order_by("received_at", "pk")
    )
