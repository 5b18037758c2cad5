"""support's part of a customer data export or erasure (registered in core.privacy by SupportConfig).

What support stores about a customer, found by their e-mail address: their tickets (requester name
and address, subject, the chat transcript), every message on those tickets (their own, the agents'
replies that address them and the internal notes that quote them), the ticket events, the e-mails
sent to them (the outbox), their answer to "How did we do?" (its comment is their words), and the
hand-off summaries that list their tickets' subjects. Any other
ticket message, note or event that mentions the address has the address replaced.

Erasure keeps every row with its timestamps, region, language, status and kind, so reports still
count the tickets and their response times."""

from __future__ import annotations

from django.db.models import Q

from core.privacy import ERASED_TEXT, erased_address, is_erased_address, scrub_address

from .models import (
    EmailStatus,
    EventKind,
    Handoff,
    HandoffDelivery,
    OutgoingEmail,
    Satisfaction,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
    _new_access_key,
)
from .search import tickets_index


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _tickets(email: str):
    return Ticket.objects.filter(requester_email__iexact=email).select_related("region").order_by("pk")


def _mentions(email: str):
    """Messages on other tickets that mention the address (a note "same as marie@…")."""
    return TicketMessage.objects.filter(body__icontains=email).exclude(ticket__requester_email__iexact=email)


def export(email: str) -> list[dict]:
    """Every ticket of `email` with its messages, events and e-mails; messages elsewhere that name it."""
    records = []
    surveys = {s.ticket_id: s for s in Satisfaction.objects.filter(ticket__requester_email__iexact=email)}
    for ticket in _tickets(email).prefetch_related("messages__author", "events", "emails", "handoffs"):
        survey = surveys.get(ticket.pk)
        records.append(
            {
                "type": "ticket",
                "reference": ticket.reference,
                "requester_name": ticket.requester_name,
                "requester_email": ticket.requester_email,
                "subject": ticket.subject,
                "language": ticket.language,
                "customer_timezone": ticket.customer_timezone,
                "status": ticket.status,
                "source": ticket.source,
                "region": ticket.region.code,
                "created_at": _iso(ticket.created_at),
                "first_responded_at": _iso(ticket.first_responded_at),
                "transcript": ticket.transcript,
                "messages": [
                    {"kind": m.kind, "body": m.body, "created_at": _iso(m.created_at)}
                    for m in ticket.messages.all()
                ],
                "events": [
                    {"kind": e.kind, "detail": e.detail, "created_at": _iso(e.created_at)}
                    for e in ticket.events.all()
                ],
                "emails": [
                    {
                        "to": e.to,
                        "subject": e.subject,
                        "body": e.body,
                        "status": e.status,
                        "created_at": _iso(e.created_at),
                        "sent_at": _iso(e.sent_at),
                    }
                    for e in ticket.emails.all()
                ],
                "handoffs": [
                    {"summary": h.summary, "shift_end": _iso(h.shift_end)} for h in ticket.handoffs.all()
                ],
                "satisfaction": {
                    "rating": survey.rating,
                    "comment": survey.comment,
                    "asked_at": _iso(survey.asked_at),
                    "answered_at": _iso(survey.answered_at),
                }
                if survey
                else None,
            }
        )
    for message in _mentions(email).select_related("ticket"):
        records.append(
            {
                "type": "mention",
                "ticket": message.ticket.reference,
                "kind": message.kind,
                "body": message.body,
                "created_at": _iso(message.created_at),
            }
        )
    for sent in OutgoingEmail.objects.filter(to__iexact=email).exclude(ticket__requester_email__iexact=email):
        records.append(
            {
                "type": "email",
                "to": sent.to,
                "subject": sent.subject,
                "body": sent.body,
                "created_at": _iso(sent.created_at),
            }
        )
    return records


def _scrub_subjects(text: str, subjects: list[str], email: str) -> str:
    for subject in subjects:
        if subject and subject != ERASED_TEXT:
            text = text.replace(subject, ERASED_TEXT)
    return scrub_address(text, email)


def _transcript_erased(transcript, email: str) -> list:
    """The chat transcript with the customer's lines replaced; the bot's lines lose the address."""
    lines = []
    for line in transcript or []:
        if not isinstance(line, dict):
            continue
        line = dict(line)
        text = str(line.get("text", ""))
        line["text"] = ERASED_TEXT if line.get("role") == "customer" else scrub_address(text, email)
        lines.append(line)
    return lines


def erase(email: str) -> int:
    """Replace the customer's text and address everywhere support keeps them; rows and times stay."""
    changed = 0
    tickets = list(_tickets(email))
    mentioned = set(_mentions(email).values_list("ticket_id", flat=True))
    subjects = [t.subject for t in tickets]
    names = [t.requester_name for t in tickets if t.requester_name]
    for ticket in tickets:
        ticket.requester_email = erased_address(ticket.pk)
        ticket.requester_name = ""
        ticket.subject = ERASED_TEXT
        ticket.transcript = _transcript_erased(ticket.transcript, email)
        # The customer's status link stops working: it named the old access key.
        ticket.access_key = _new_access_key()
        fields = ["requester_email", "requester_name", "subject", "transcript", "access_key", "updated_at"]
        if ticket.is_open:
            # Nobody can answer an erased customer; a closed ticket still counts in the reports.
            TicketEvent.objects.create(
                ticket=ticket, kind=EventKind.STATUS, detail=f"{ticket.status} → {TicketStatus.CLOSED}"
            )
            ticket.status = TicketStatus.CLOSED
            fields.append("status")
        ticket.save(update_fields=fields)
        changed += 1
    ids = [t.pk for t in tickets]
    # Every message on their tickets: their own words, replies addressed to them, notes quoting them.
    changed += (
        TicketMessage.objects.filter(ticket_id__in=ids).exclude(body=ERASED_TEXT).update(body=ERASED_TEXT)
    )
    # The rating stays for the report; the comment is the customer's own words.
    changed += Satisfaction.objects.filter(ticket_id__in=ids).exclude(comment="").update(comment="")
    for message in _mentions(email):
        message.body = _scrub_names(scrub_address(message.body, email), names)
        message.save(update_fields=["body"])
        changed += 1
    for event in TicketEvent.objects.filter(Q(ticket_id__in=ids) | Q(detail__icontains=email)):
        detail = _scrub_names(_scrub_subjects(event.detail, subjects, email), names)
        if detail != event.detail:
            event.detail = detail
            event.save(update_fields=["detail"])
            changed += 1
    for sent in OutgoingEmail.objects.filter(Q(ticket_id__in=ids) | Q(to__iexact=email)):
        if is_erased_address(sent.to) and sent.subject == ERASED_TEXT:
            continue
        sent.to = erased_address(f"{sent.ticket_id}-{sent.pk}")
        sent.subject = ERASED_TEXT
        sent.body = ERASED_TEXT
        if sent.status == EmailStatus.PENDING:
            # Never sent now: there is no one to send it to.
            sent.status, sent.next_attempt_at, sent.last_error = EmailStatus.FAILED, None, ERASED_TEXT
        sent.save(update_fields=["to", "subject", "body", "status", "next_attempt_at", "last_error"])
        changed += 1
    for handoff in Handoff.objects.filter(tickets__in=ids).distinct():
        summary = _scrub_subjects(handoff.summary, subjects, email)
        if summary != handoff.summary:
            handoff.summary = summary
            handoff.save(update_fields=["summary"])
            changed += 1
        for delivery in HandoffDelivery.objects.filter(handoff=handoff):
            text = _scrub_subjects(delivery.text, subjects, email)
            if text != delivery.text:
                delivery.text = text
                delivery.save(update_fields=["text"])
                changed += 1
    # The search index holds their words too: rebuilt from what the tickets hold now.
    tickets_index(ticket_ids=[*ids, *mentioned])
    return changed


def _scrub_names(text: str, names: list[str]) -> str:
    for name in names:
        if len(name.strip()) >= 3:
            text = text.replace(name, ERASED_TEXT)
    return text
