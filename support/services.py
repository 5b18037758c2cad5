"""Writes: every ticket, whatever its source (chat, web form, staff), is created by ticket_create."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac

from core import privacy
from kb.models import Article, Category

from . import notifications, realtime, schedule, search, tasks
from .conf import support_settings
from .models import (
    AgentProfile,
    BouncingAddress,
    CustomerErasure,
    Deflection,
    DeliveryStatus,
    EventKind,
    Handoff,
    HandoffDelivery,
    MessageKind,
    Region,
    Satisfaction,
    SavedReply,
    Ticket,
    TicketEvent,
    TicketMessage,
    TicketStatus,
)
from .selectors import region_schedules, routing_assignment


class NoRegionError(Exception):
    """No region is configured, or none ever opens: a ticket could not be routed."""


@dataclass(frozen=True)
class TicketCreated:
    ticket: Ticket
    created: bool  # False when the idempotency key named a ticket made earlier
    opens_at: datetime
    open_now: bool


def _event(ticket: Ticket, kind: str, detail: str = "", actor: AbstractBaseUser | None = None) -> None:
    TicketEvent.objects.create(ticket=ticket, kind=kind, detail=detail[:300], actor=actor)


def ticket_create(
    *,
    requester_email: str,
    subject: str,
    message: str,
    language: str,
    source: str,
    requester_name: str = "",
    customer_timezone: str = "UTC",
    transcript: list | None = None,
    idempotency_key: str | None = None,
    actor: AbstractBaseUser | None = None,
    now: datetime | None = None,
    category: Category | None = None,
    message_id: str = "",
    acknowledge: bool = True,
    suggested_article_ids: list[int] | None = None,
    region: Region | None = None,
    notify: bool = True,
) -> TicketCreated:
    """Create and route a ticket to the region that will answer first in `language`, atomically.

    The same idempotency key always gives the same ticket. After commit, e-mails the customer with
    the reference, who answers and when (in their time zone) and a status link, and the suggested
    articles with a "this solved my problem" link each, and tells the open agents' pages.
    `acknowledge=False` (a robot wrote: an auto-reply, a list, a bounce) sends nothing now and no
    automatic e-mail later; `notify=False` (a live chat already answered) sends no e-mail now.
    `message_id` is the Message-ID of the e-mail the ticket came from, for threading; `region` sends
    the ticket to that team (a mailbox's own) instead of the next one on shift for the language."""
    now = now or timezone.now()
    if idempotency_key:
        existing = Ticket.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return _created_result(existing, created=False, now=now)
    found = routing_assignment(language=language, at=now, region=region)
    if found is None:
        raise NoRegionError("no support region is configured to receive tickets")
    region, assignment = found
    try:
        with transaction.atomic():
            ticket = Ticket.objects.create(
                reference=f"new-{uuid.uuid4().hex[:16]}",
                requester_email=requester_email,
                requester_name=requester_name,
                language=language,
                customer_timezone=customer_timezone,
                subject=subject[:200],
                region=region,
                covers_language=assignment.covers_language,
                source=source,
                transcript=transcript or [],
                idempotency_key=idempotency_key or None,
                category=category,
                automatic_mail=acknowledge,
                first_response_due=schedule.business_deadline(
                    assignment.region, now, support_settings().first_response_time
                ),
            )
            # A human-friendly reference from the row id: unique without a second counter table.
            ticket.reference = f"HC-{10000 + ticket.pk}"
            ticket.save(update_fields=["reference"])
            TicketMessage.objects.create(
                ticket=ticket, kind=MessageKind.CUSTOMER, body=message, message_id=message_id[:255]
            )
            search.tickets_index(ticket_ids=[ticket.pk])
            _event(ticket, EventKind.CREATED, f"source: {source}", actor)
            detail = f"{region.code}, opens {assignment.opens_at:%Y-%m-%d %H:%M} UTC"
            if not assignment.covers_language:
                detail += f" (no region speaks {language})"
            _event(ticket, EventKind.ROUTED, detail)
            if acknowledge and notify:
                transaction.on_commit(
                    partial(
                        tasks.send_ticket_created_email.enqueue,
                        ticket.pk,
                        assignment.opens_at.isoformat(),
                        assignment.open_now,
                        now.isoformat(),
                        list(suggested_article_ids or []),
                    )
                )
            transaction.on_commit(partial(realtime.ticket_announce, ticket))
    except IntegrityError:
        # Two identical submissions raced: the other one won, and is the ticket.
        existing = Ticket.objects.filter(idempotency_key=idempotency_key).first() if idempotency_key else None
        if existing is None:
            raise
        return _created_result(existing, created=False, now=now)
    return TicketCreated(
        ticket=ticket, created=True, opens_at=assignment.opens_at, open_now=assignment.open_now
    )


def _created_result(ticket: Ticket, *, created: bool, now: datetime) -> TicketCreated:
    sched = ticket.region.to_schedule()
    opens = sched.next_open(now) or now
    return TicketCreated(ticket=ticket, created=created, opens_at=opens, open_now=opens == now)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    author: AbstractBaseUser,
    body: str,
    public: bool,
    saved_reply: SavedReply | None = None,
    now: datetime | None = None,
) -> TicketMessage:
    """An agent's public reply (e-mailed to the customer after commit) or internal note; when it
    started from a saved reply, that reply's usage count goes up."""
    now = now or timezone.now()
    if saved_reply is not None:
        SavedReply.objects.filter(pk=saved_reply.pk).update(usage_count=F("usage_count") + 1)
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.REPLY if public else MessageKind.NOTE, author=author, body=body
    )
    search.tickets_index(ticket_ids=[ticket.pk])
    if public:
        fields = ["updated_at"]
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
            fields.append("first_responded_at")
        if ticket.status == TicketStatus.NEW:
            ticket.status = TicketStatus.OPEN
            fields.append("status")
        ticket.save(update_fields=fields)
        _event(ticket, EventKind.REPLIED, "", author)
        transaction.on_commit(partial(tasks.send_agent_reply_email.enqueue, ticket.pk, body, author.pk))
    else:
        _event(ticket, EventKind.NOTE, "", author)
    return message


@transaction.atomic
def ticket_customer_reply(*, ticket: Ticket, body: str, message_id: str = "") -> TicketMessage:
    """The customer adds to their ticket (status page or e-mail, `message_id` its Message-ID); it
    reopens if it was waiting or solved. The agents' pages hear it after commit (the ticket's page
    shows the message without a reload)."""
    message = TicketMessage.objects.create(
        ticket=ticket, kind=MessageKind.CUSTOMER, body=body, message_id=message_id[:255]
    )
    search.tickets_index(ticket_ids=[ticket.pk])
    if ticket.status in (TicketStatus.WAITING, TicketStatus.SOLVED):
        _event(ticket, EventKind.STATUS, f"{ticket.status} → {TicketStatus.OPEN}")
        ticket.status = TicketStatus.OPEN
    ticket.save(update_fields=["status", "updated_at"])
    _event(ticket, EventKind.CUSTOMER_REPLIED)
    transaction.on_commit(partial(realtime.ticket_changed, ticket))
    return message


@transaction.atomic
def ticket_set_status(
    *, ticket: Ticket, status: str, actor: AbstractBaseUser, now: datetime | None = None
) -> None:
    """Change the status; marking a ticket solved asks the customer "How did we do?"."""
    if ticket.status == status:
        return
    _event(ticket, EventKind.STATUS, f"{ticket.status} → {status}", actor)
    ticket.status = status
    ticket.save(update_fields=["status", "updated_at"])
    if status == TicketStatus.SOLVED:
        satisfaction_ask(ticket=ticket, actor=actor, now=now or timezone.now())


def satisfaction_ask(*, ticket: Ticket, actor: AbstractBaseUser | None, now: datetime) -> Satisfaction:
    """Open (or reopen, when solved again) the ticket's survey and e-mail the customer after commit,
    in their language. The agent it is about: the assigned one, else whoever last replied, else
    whoever solved it. An answer already given is kept and may be changed."""
    last_reply = (
        ticket.messages.filter(kind=MessageKind.REPLY, author__isnull=False).order_by("-created_at").first()
    )
    agent = ticket.assigned_to or (last_reply.author if last_reply else None) or actor
    survey, _created = Satisfaction.objects.update_or_create(
        ticket=ticket,
        defaults={
            "asked_at": now,
            "agent": agent,
            "region_id": ticket.region_id,
            "language": ticket.language,
        },
    )
    transaction.on_commit(partial(tasks.send_satisfaction_email.enqueue, ticket.pk))
    return survey


class SurveyClosed(Exception):
    """The survey's week is over: the answer can no longer be given or changed."""


def satisfaction_answer(*, survey: Satisfaction, rating: str, comment: str, now: datetime) -> Satisfaction:
    """Record or change the customer's answer while the survey is open."""
    if now > survey.asked_at + timedelta(seconds=support_settings().satisfaction_max_age):
        raise SurveyClosed(survey.ticket_id)
    survey.rating, survey.comment, survey.answered_at = rating, comment, now
    survey.save(update_fields=["rating", "comment", "answered_at"])
    return survey


@transaction.atomic
def ticket_assign(*, ticket: Ticket, agent: AbstractBaseUser | None, actor: AbstractBaseUser) -> None:
    if ticket.assigned_to_id == (agent.pk if agent else None):
        return
    ticket.assigned_to = agent
    ticket.save(update_fields=["assigned_to", "updated_at"])
    _event(ticket, EventKind.ASSIGNED, agent.get_username() if agent else "unassigned", actor)


def _remaining_due(
    ticket: Ticket, old: schedule.RegionSchedule, new: schedule.RegionSchedule, now: datetime
) -> datetime | None:
    """Carry the unused part of the first-response time over to the new region's hours."""
    if ticket.first_responded_at is not None:
        return ticket.first_response_due
    used = schedule.business_time_between(old, ticket.created_at, now)
    remaining = max(support_settings().first_response_time - used, timedelta())
    return schedule.business_deadline(new, now, remaining)


@transaction.atomic
def ticket_move(
    *, ticket: Ticket, region: Region, actor: AbstractBaseUser, now: datetime | None = None
) -> None:
    """Move a ticket to another region's queue (unassigned there)."""
    now = now or timezone.now()
    if ticket.region_id == region.pk:
        return
    schedules = region_schedules()
    old_code = ticket.region.code
    ticket.first_response_due = _remaining_due(ticket, schedules[ticket.region_id], schedules[region.pk], now)
    ticket.region = region
    ticket.assigned_to = None
    ticket.covers_language = schedules[region.pk].speaks(ticket.language)
    ticket.save(
        update_fields=["region", "assigned_to", "covers_language", "first_response_due", "updated_at"]
    )
    _event(ticket, EventKind.MOVED, f"{old_code} → {region.code}", actor)


@dataclass(frozen=True)
class HandoffResult:
    handoff: Handoff
    moved: int


def handoff_run(
    *, now: datetime | None = None, window: timedelta = timedelta(hours=12)
) -> list[HandoffResult]:
    """Hand open work over at every shift end in the last `window` that has not been handed off.

    Tickets still waiting for a first answer and not held by an agent move to the next region on
    shift for their language. Each shift end is handed off exactly once (unique constraint), so the
    command is safe to run every minute and concurrently. Summaries are posted after commit; a
    failed post is retried later and never undoes the move."""
    now = now or timezone.now()
    results = []
    regions = {region.pk: region for region in Region.objects.prefetch_related("closures")}
    schedules = {pk: region.to_schedule() for pk, region in regions.items()}
    by_code = {sched.code: pk for pk, sched in schedules.items()}
    for region_id, sched in schedules.items():
        shift_end = sched.last_close(now)
        if shift_end is None or now - shift_end > window:
            continue
        if Handoff.objects.filter(from_region_id=region_id, shift_end=shift_end).exists():
            continue
        try:
            with transaction.atomic():
                handoff = Handoff.objects.create(from_region_id=region_id, shift_end=shift_end)
                moved = _move_waiting_tickets(handoff, regions, schedules, by_code, now)
        except IntegrityError:
            continue  # another run did this hand-off
        results.append(HandoffResult(handoff=handoff, moved=moved))
    return results


def _move_waiting_tickets(handoff, regions, schedules, by_code, now) -> int:
    source = schedules[handoff.from_region_id]
    tickets = (
        Ticket.objects.select_for_update()
        .filter(
            region_id=handoff.from_region_id,
            status__in=(TicketStatus.NEW, TicketStatus.OPEN),
            first_responded_at__isnull=True,
            assigned_to__isnull=True,
        )
        .order_by("created_at")
    )
    moved: dict[int, list[Ticket]] = {}
    for ticket in tickets:
        assignment = schedule.next_region_for(schedules.values(), ticket.language, now)
        if assignment is None or assignment.region.code == source.code:
            continue
        target_id = by_code[assignment.region.code]
        ticket.first_response_due = _remaining_due(ticket, source, assignment.region, now)
        ticket.region_id = target_id
        ticket.covers_language = assignment.covers_language
        ticket.save(update_fields=["region", "covers_language", "first_response_due", "updated_at"])
        _event(ticket, EventKind.HANDED_OFF, f"{source.code} → {assignment.region.code}")
        moved.setdefault(target_id, []).append(ticket)
    lines = []
    for target_id, group in moved.items():
        handoff.tickets.add(*group)
        text = _summary(source.code, regions[target_id].code, group)
        lines.append(text)
        if regions[target_id].webhook_url or regions[target_id].handoff_email:
            HandoffDelivery.objects.create(
                handoff=handoff, to_region_id=target_id, text=text, next_attempt_at=now
            )
    handoff.summary = "\n\n".join(lines) or f"{source.code}: nothing waiting at shift end."
    handoff.save(update_fields=["summary"])
    return sum(len(group) for group in moved.values())


def _summary(from_code: str, to_code: str, tickets: list[Ticket]) -> str:
    header = f"Hand-off {from_code} → {to_code}: {len(tickets)} ticket(s) waiting for a first answer."
    items = [
        f"• {t.reference} [{t.language}] {t.subject} (due {t.first_response_due:%Y-%m-%d %H:%M} UTC)"
        if t.first_response_due
        else f"• {t.reference} [{t.language}] {t.subject}"
        for t in tickets
    ]
    return "\n".join([header, *items])


def deliveries_send(*, now: datetime | None = None) -> int:
    """Post every hand-off summary that is due (first tries and retries); returns how many went out."""
    now = now or timezone.now()
    sent = 0
    due = HandoffDelivery.objects.select_related("to_region", "handoff__from_region").filter(
        status=DeliveryStatus.PENDING, next_attempt_at__lte=now
    )
    for delivery in due:
        notifications.deliver(delivery, now=now)
        sent += delivery.status == DeliveryStatus.SENT
    return sent


def deflection_record(*, submission, language: str, article: Article) -> Deflection:
    """ "This answered my question" on the contact form: count a deflection (once per form) for the
    article's language and category; no ticket is created."""
    deflection, _created = Deflection.objects.get_or_create(
        submission=submission,
        defaults={"language": language, "article": article, "category_id": article.category_id},
    )
    return deflection


@transaction.atomic
def ticket_solved_by_article(*, ticket: Ticket, article: Article) -> Deflection:
    """ "This solved my problem" from the acknowledgement e-mail: the ticket is solved (unless an
    agent already answered it; no survey: nobody helped) and a deflection is counted for the
    article, once per ticket. A later reply from the customer reopens it, as for any solved ticket."""
    submission = uuid.uuid5(uuid.NAMESPACE_URL, f"helpcenter:ticket:{ticket.pk}:{ticket.access_key}")
    deflection, created = Deflection.objects.get_or_create(
        submission=submission,
        defaults={"language": ticket.language, "article": article, "category_id": article.category_id},
    )
    if created and ticket.is_open and ticket.first_responded_at is None:
        _event(ticket, EventKind.STATUS, f"{ticket.status} → {TicketStatus.SOLVED} (article {article.slug})")
        ticket.status = TicketStatus.SOLVED
        ticket.save(update_fields=["status", "updated_at"])
    return deflection


def address_bounce_record(*, address: str, reason: str, now: datetime | None = None) -> BouncingAddress:
    """A delivery-status notification said mail to `address` failed: count it, and pause automatic
    e-mail to the address once it bounced HELPCENTER_MAIL_BOUNCE_PAUSE times."""
    now = now or timezone.now()
    address = privacy.normalise_email(address)
    with transaction.atomic():
        record, _created = BouncingAddress.objects.select_for_update().get_or_create(
            address=address, defaults={"last_bounced_at": now}
        )
        record.bounces += 1
        record.last_reason = reason[:300]
        record.last_bounced_at = now
        record.paused = record.paused or record.bounces >= support_settings().bounce_pause
        record.save()
    return record


def customer_email_digest(email: str) -> str:
    """A keyed digest of a normalised address: an erasure record can be matched, not read back."""
    return salted_hmac(
        "support.customer-erasure", privacy.normalise_email(email), algorithm="sha256"
    ).hexdigest()


def customer_data_export(*, email: str, now: datetime | None = None) -> dict:
    """Everything every app stores about the customer with this address, as JSON-able data; reads only."""
    email = privacy.normalise_email(email)
    now = now or timezone.now()
    return {
        "email": email,
        "exported_at": now.isoformat(timespec="seconds"),
        "records": {handler.name: handler.export(email) for handler in privacy.handlers()},
    }


@transaction.atomic
def customer_data_erase(*, email: str, actor: AbstractBaseUser | None, via: str) -> CustomerErasure:
    """Erase the customer's personal text and addresses in every app (all or nothing) and record who
    did it, when and how many records each app changed. Safe to repeat: a second run changes 0."""
    email = privacy.normalise_email(email)
    # Higher apps first: chat conversations are found through their ticket's address (core.privacy).
    counts = {handler.name: handler.erase(email) for handler in reversed(privacy.handlers())}
    return CustomerErasure.objects.create(
        email_digest=customer_email_digest(email),
        performed_by=actor,
        performed_by_name=actor.get_username() if actor is not None else "",
        via=via,
        counts=counts,
        total=sum(counts.values()),
    )


# --- agents' presence (support/presence.py says what it means) ----------------------------------


def _profile(user: AbstractBaseUser) -> AgentProfile:
    profile, _created = AgentProfile.objects.get_or_create(
        user=user,
        defaults={"display_name": user.first_name, "max_chats": support_settings().agent_max_chats},
    )
    return profile


def agent_presence_set(*, user: AbstractBaseUser, presence: str, now: datetime) -> AgentProfile:
    """The agent chose online, away or offline; choosing online counts as activity. Writes the
    profile (created when missing)."""
    profile = _profile(user)
    profile.presence = presence
    fields = ["presence"]
    if presence == "online":
        profile.last_seen_at = profile.last_active_at = now
        fields += ["last_seen_at", "last_active_at"]
    profile.save(update_fields=fields)
    return profile


def agent_seen(*, user: AbstractBaseUser, active: bool, now: datetime) -> None:
    """An agents' page of this user is open (a heartbeat), and was used when `active`. One UPDATE."""
    values = {"last_seen_at": now, **({"last_active_at": now} if active else {})}
    if not AgentProfile.objects.filter(user=user).update(**values):
        _profile(user)
        AgentProfile.objects.filter(user=user).update(**values)


def agent_timezone_set(*, user: AbstractBaseUser, timezone_name: str) -> AgentProfile:
    """The zone the agent reads times in ("" for their region's). Writes the profile."""
    profile = _profile(user)
    profile.timezone = timezone_name
    profile.save(update_fields=["timezone"])
    return profile
