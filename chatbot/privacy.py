"""chatbot's part of a customer data export or erasure (registered in core.privacy by ChatbotConfig).

A chat is anonymous until the customer leaves an address to be handed to a person: then its
conversation points at the ticket made with that address. Chats where the customer typed the
address themselves are found by their text. Erasure replaces what the customer wrote, takes the
address out of the bot's replies (the hand-off message repeats it) and forgets the browser that
owned the chat; the conversation, its messages, decisions and times stay for the reports."""

from __future__ import annotations

import secrets

from django.db.models import Q

from core.privacy import ERASED_TEXT, scrub_address

from .models import Conversation, Role


def _conversations(email: str):
    return (
        Conversation.objects.filter(
            Q(ticket__requester_email__iexact=email) | Q(messages__text__icontains=email)
        )
        .distinct()
        .order_by("started_at")
    )


def export(email: str) -> list[dict]:
    """Every conversation of `email` with all its messages."""
    return [
        {
            "type": "conversation",
            "id": str(conversation.id),
            "language": conversation.language,
            "timezone": conversation.timezone,
            "status": conversation.status,
            "started_at": conversation.started_at.isoformat(),
            "ended_at": conversation.ended_at.isoformat() if conversation.ended_at else None,
            "ticket": conversation.ticket.reference if conversation.ticket else None,
            "messages": [
                {
                    "from": m.role,
                    "text": m.text,
                    "created_at": m.created_at.isoformat(),
                    "articles": [a.get("title", "") for a in m.articles if isinstance(a, dict)],
                    "helpful": m.helpful,
                }
                for m in conversation.messages.all()
            ],
        }
        for conversation in _conversations(email).select_related("ticket").prefetch_related("messages")
    ]


def erase(email: str) -> int:
    """Replace the customer's chat messages and the address in the bot's; forget the owner."""
    changed = 0
    for conversation in _conversations(email):
        changed += (
            conversation.messages.filter(role=Role.CUSTOMER)
            .exclude(text=ERASED_TEXT)
            .update(text=ERASED_TEXT)
        )
        for message in conversation.messages.filter(role=Role.BOT, text__icontains=email):
            message.text = scrub_address(message.text, email)
            message.save(update_fields=["text"])
            changed += 1
        # The browser cookie that owned it no longer opens it; the time zone said where they live.
        conversation.owner = secrets.token_hex(32)
        conversation.timezone = "UTC"
        conversation.save(update_fields=["owner", "timezone"])
        changed += 1
    return changed
