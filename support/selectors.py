"""Reads for routing, the agents' pages and the reports."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext
from modeltranslation.utils import build_localized_fieldname

from core.languages import is_site_language, source_language
from kb.selectors import article_paths

from . import notifications, placeholders, schedule
from .conf import support_settings
from .models import Handoff, Region, SavedReply, Ticket, TicketStatus

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


def region_schedules() -> dict[int, schedule.RegionSchedule]:
    """Every region's schedule, by region id (closures loaded in one query)."""
    return {region.pk: region.to_schedule() for region in Region.objects.prefetch_related("closures")}


def routing_assignment(*, language: str, at: datetime) -> tuple[Region, schedule.Assignment] | None:
    """The region that will answer `language` first, with when it opens."""
    schedules = region_schedules()
    assignment = schedule.next_region_for(schedules.values(), language, at)
    if assignment is None:
        return None
    region_id = next(pk for pk, sched in schedules.items() if sched is assignment.region)
    return Region.objects.get(pk=region_id), assignment


def ticket_opening_phrase(ticket: Ticket, opens_at: datetime, *, now: datetime) -> dict[str, str]:
    """When the team that has the ticket starts, as the customer reads it: the parts of "at 09:00
    your time (Monday 30 November), in about 4 hours" in the active language and their time zone."""
    return notifications.local_time_phrase(opens_at, notifications.customer_zone(ticket), now=now)


@dataclass(frozen=True)
class RegionStatus:
    region: Region
    open_now: bool
    next_change: datetime | None
    open_tickets: int
    overdue_tickets: int
    oldest_waiting: datetime | None


def regions_overview(*, now: datetime) -> list[RegionStatus]:
    """Who is on shift, open and overdue tickets per region, oldest waiting, next shift change."""
    regions = Region.objects.prefetch_related("closures").annotate(
        open_count=Count("tickets", filter=Q(tickets__status__in=OPEN_STATUSES)),
        overdue_count=Count(
            "tickets",
            filter=Q(
                tickets__status__in=OPEN_STATUSES,
                tickets__first_responded_at__isnull=True,
                tickets__first_response_due__lt=now,
            ),
        ),
        oldest=Min(
            "tickets__created_at", filter=Q(tickets__status__in=(TicketStatus.NEW, TicketStatus.OPEN))
        ),
    )
    rows = []
    for region in regions:
        sched = region.to_schedule()
        rows.append(
            RegionStatus(
                region=region,
                open_now=sched.is_open(now),
                next_change=sched.next_change(now),
                open_tickets=region.open_count,
                overdue_tickets=region.overdue_count,
                oldest_waiting=region.oldest,
            )
        )
    return rows


def recent_handoffs(*, limit: int = 10) -> QuerySet[Handoff]:
    return (
        Handoff.objects.select_related("from_region")
        .prefetch_related("deliveries__to_region")
        .annotate(ticket_count=Count("tickets"))[:limit]
    )


def region_queue(
    *, region: Region, status: str = "", language: str = "", overdue: bool = False, now: datetime
) -> QuerySet[Ticket]:
    tickets = Ticket.objects.filter(region=region).select_related("assigned_to", "region")
    tickets = tickets.filter(status=status) if status else tickets.filter(status__in=OPEN_STATUSES)
    if language:
        tickets = tickets.filter(language=language)
    if overdue:
        tickets = tickets.filter(first_responded_at__isnull=True, first_response_due__lt=now)
    return tickets.order_by("first_response_due", "created_at")


@dataclass(frozen=True)
class Report:
    by_hour_utc: list[int]
    by_hour_local: list[int]
    by_region_language: list[tuple[str, str, int]]
    responded: int
    responded_in_time: int
    median_first_response: timedelta | None
    total: int


def tickets_report(*, since: datetime) -> Report:
    """Tickets by hour of day (UTC and the customer's own time), by region and language, and first
    responses against their due times: what a support lead needs to decide when to staff a region."""
    rows = list(
        Ticket.objects.filter(created_at__gte=since).values_list(
            "created_at",
            "customer_timezone",
            "region__code",
            "language",
            "first_response_due",
            "first_responded_at",
        )
    )
    by_utc, by_local = [0] * 24, [0] * 24
    pairs: Counter = Counter()
    responses = []
    in_time = 0
    for created, tz_name, region_code, language, due, responded in rows:
        by_utc[created.astimezone(UTC).hour] += 1
        try:
            zone = ZoneInfo(tz_name)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        by_local[created.astimezone(zone).hour] += 1
        pairs[(region_code, language)] += 1
        if responded:
            responses.append(responded - created)
            in_time += due is None or responded <= due
    responses.sort()
    return Report(
        by_hour_utc=by_utc,
        by_hour_local=by_local,
        by_region_language=sorted(
            ((r, lang, n) for (r, lang), n in pairs.items()), key=lambda x: (-x[2], x[0], x[1])
        ),
        responded=len(responses),
        responded_in_time=in_time,
        median_first_response=responses[len(responses) // 2] if responses else None,
        total=len(rows),
    )


def emails_failing(*, limit: int = 20):
    """Customer e-mails the mail server has refused so far (still retrying, or given up)."""
    from .models import EmailStatus, OutgoingEmail

    return (
        OutgoingEmail.objects.filter(attempts__gt=0)
        .exclude(status=EmailStatus.SENT)
        .select_related("ticket")
        .order_by("-created_at")[:limit]
    )


def agent_public_name(user) -> str:
    """The name a customer may read for `user`: the profile's display name, else the first name;
    never the login. Empty when there is nothing public, so callers say "our support team"."""
    if user is None:
        return ""
    try:
        name = user.agent_profile.display_name
    except AttributeError:  # not a saved user, or no profile (RelatedObjectDoesNotExist)
        name = ""
    return (name or user.first_name or "").strip()


@dataclass(frozen=True)
class FilledReply:
    reply: SavedReply
    title: str
    text: str
    language: str  # the language of the version used
    fell_back: bool  # True when the ticket's language has no version and the English one is used


def saved_replies_for(*, ticket: Ticket) -> QuerySet[SavedReply]:
    """The replies an agent may use on `ticket`: shared ones and those of its region."""
    return SavedReply.objects.filter(Q(region__isnull=True) | Q(region_id=ticket.region_id)).order_by(
        "title", "id"
    )


def _version(reply: SavedReply, language: str) -> tuple[str, str, str]:
    """(title, body, language) in `language` when it has a body there, else in the source language."""
    if is_site_language(language):
        body = getattr(reply, build_localized_fieldname("body", language)) or ""
        if body.strip():
            title = getattr(reply, build_localized_fieldname("title", language)) or ""
            return (
                title or getattr(reply, build_localized_fieldname("title", source_language())),
                body,
                language,
            )
    source = source_language()
    return (
        getattr(reply, build_localized_fieldname("title", source)) or "",
        getattr(reply, build_localized_fieldname("body", source)) or "",
        source,
    )


def saved_replies_filled(*, ticket: Ticket, agent, replies=None) -> list[FilledReply]:
    """Each usable saved reply in the ticket's language (English when it has no such version,
    flagged), its placeholders filled for this ticket and agent. Plain text: escape it in HTML."""
    replies = list(saved_replies_for(ticket=ticket) if replies is None else replies)
    versions = [_version(reply, ticket.language) for reply in replies]
    slugs = (
        set().union(*(placeholders.article_slugs(body) for _t, body, _l in versions)) if versions else set()
    )
    site = support_settings().site_url.rstrip("/")
    paths = article_paths(slugs=slugs, language=ticket.language) if slugs else {}
    urls = {slug: site + path for slug, path in paths.items()}
    agent_name = agent_public_name(agent)
    if not agent_name:
        language = ticket.language if is_site_language(ticket.language) else source_language()
        with translation.override(language):
            agent_name = gettext("the support team")
    values = {
        "customer_name": ticket.requester_name.strip(),
        "ticket_reference": ticket.reference,
        "agent_name": agent_name,
    }
    return [
        FilledReply(
            reply=reply,
            title=title,
            text=placeholders.fill(body, values, urls),
            language=language,
            fell_back=language != ticket.language,
        )
        for reply, (title, body, language) in zip(replies, versions, strict=True)
    ]
