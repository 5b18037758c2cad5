"""chatbot's part of a customer data export or erasure (registered in core.privacy by ChatbotConfig).

A chat is anonymous until the customer leaves an address to be handed to a person: then its
conversation points at the ticket made with that address. Chats where the customer typed the
address themselves are found by their text. Erasure replaces what the customer wrote, takes the
address out of the bot's replies (the hand-off message repeats it) and forgets the browser that
owned the chat. A live chat is found by the address left for it; its address and name and what
the agents wrote in it (which quotes the customer) are erased too. The conversation, its
messages, decisions and times stay for the reports.

The "customers also ask" proposals (PhrasingProposal) hold a customer's own words too: a proposal is
the customer's when the ticket it came from, or the ticket their chat was handed over as, carries
their address. `erase` deletes them first, while the tickets still carry the address (core.privacy
runs chatbot before support). A wording an editor accepted was copied into the article's sample
questions: from then on it is the article's text, which editors own and review."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.db.models import Q, QuerySet

from core.languages import source_language
from core.privacy import ERASED_TEXT, scrub_address

from .models import Conversation, PhrasingProposal, Role


def _of(email: str) -> QuerySet[PhrasingProposal]:
    email = (email or "").strip()
    if not email:
        return PhrasingProposal.objects.none()
    return PhrasingProposal.objects.filter(
        Q(ticket__requester_email__iexact=email)
        | Q(message__conversation__ticket__requester_email__iexact=email)
    )


def export_phrasings(email: str) -> list[dict]:
    """Every proposal made of this customer's words, as JSON-ready dictionaries."""
    rows = (
        _of(email)
        .select_related("article", "ticket", "message__conversation__ticket")
        .order_by("asked_at", "id")
    )
    exported = []
    for proposal in rows:
        ticket = proposal.ticket or (proposal.message.conversation.ticket if proposal.message else None)
        exported.append(
            {
                "kind": "phrasing_proposal",
                "text": proposal.text,
                "language": proposal.language,
                "article": proposal.article.field_in(source_language(), "slug") or str(proposal.article_id),
                "source": proposal.source,
                "status": proposal.status,
                "asked_at": proposal.asked_at.isoformat(),
                "ticket": ticket.reference if ticket else None,
                "conversation": str(proposal.message.conversation_id) if proposal.message else None,
            }
        )
    return exported


@transaction.atomic
def erase_phrasings(email: str) -> int:
    """Delete every proposal made of this customer's words; returns how many."""
    ids = list(_of(email).values_list("pk", flat=True))
    if not ids:
        return 0
    deleted, _by_model = PhrasingProposal.objects.filter(pk__in=ids).delete()
    return deleted


def _conversations(email: str):
    return (
        Conversation.objects.filter(
            Q(ticket__requester_email__iexact=email)
            | Q(live_email__iexact=email)
            | Q(messages__text__icontains=email)
        )
        .distinct()
        .order_by("started_at")
    )


def export(email: str) -> list[dict]:
    """Every conversation of `email` with all its messages, and the proposals made of its words."""
    return export_phrasings(email) + [
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
    """Delete the proposals made of the customer's words, replace their chat messages and the
    address in the bot's; forget the owner."""
    changed = erase_phrasings(email)
    for conversation in _conversations(email):
        changed += (
            conversation.messages.filter(role=Role.CUSTOMER)
            .exclude(text=ERASED_TEXT)
            .update(text=ERASED_TEXT)
        )
        # A live chat: what agents wrote quotes the customer (their name, their problem), and the
        # address and name they left are theirs.
        changed += (
            conversation.messages.filter(role=Role.AGENT).exclude(text=ERASED_TEXT).update(text=ERASED_TEXT)
        )
        if conversation.live_email or conversation.live_name:
            conversation.live_email, conversation.live_name = "", ""
            conversation.save(update_fields=["live_email", "live_name"])
            changed += 1
        for message in conversation.messages.filter(role__in=[Role.BOT, Role.NOTICE], text__icontains=email):
            message.text = scrub_address(message.text, email)
            message.save(update_fields=["text"])
            changed += 1
        # The browser cookie that owned it no longer opens it; the time zone said where they live.
        conversation.owner = secrets.token_hex(32)
        conversation.timezone = "UTC"
        conversation.save(update_fields=["owner", "timezone"])
        changed += 1
    return changed
