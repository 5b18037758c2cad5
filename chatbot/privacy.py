"""Data protection for the "customers also ask" proposals (PhrasingProposal): they hold a customer's
own words, so a customer's request to see or erase their data must reach them. A proposal is the
customer's when the ticket it came from, or the ticket their chat conversation was handed over as,
carries their e-mail address; an anonymous chat that never left an address cannot be attributed.

For the data-erase registry (core/privacy.py): call these before the tickets' addresses are replaced,
since the address is how the proposals are found. Deleting a ticket or chat message deletes its
proposals too (on_delete=CASCADE). A wording an editor accepted was copied into the article's sample
questions: from then on it is the article's text, which editors own and review."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet

from core.languages import source_language

from .models import PhrasingProposal


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
