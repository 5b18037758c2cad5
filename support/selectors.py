"""Reads for routing, the agents' pages and the reports."""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext
from modeltranslation.utils import build_localized_fieldname

from core.languages import is_site_language, site_languages, source_language
from kb.languages import names_list
from kb.models import Category
from kb.selectors import article_paths

from . import notifications, placeholders, presence, schedule
from .conf import support_settings
from .models import (
    AgentProfile,
    Deflection,
    Handoff,
    MessageKind,
    Rating,
    Region,
    RegionClosure,
    Satisfaction,
    SavedReply,
    Ticket,
    TicketMessage,
    TicketStatus,
)

OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.WAITING)


def region_schedules() -> dict[int, schedule.RegionSchedule]:
    """Every region's schedule, by region id (closures loaded in one query)."""
    return {region.pk: region.to_schedule() for region in Region.objects.prefetch_related("closures")}


def routing_assignment(
    *, language: str, at: datetime, region: Region | None = None
) -> tuple[Region, schedule.Assignment] | None:
    """The region that will answer `language` first, with when it opens; with `region` (a mailbox's
    own team), that region, unless it never opens."""
    schedules = region_schedules()
    if region is not None and region.pk in schedules:
        fixed = schedules[region.pk]
        opens = fixed.next_open(at)
        if opens is not None:
            return region, schedule.Assignment(
                region=fixed, opens_at=opens, open_now=opens == at, covers_language=fixed.speaks(language)
            )
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


# --- what customers are told before they write: who answers, when, and how long it usually takes ---
# Below this many answered tickets in 30 days a median says more about luck than about the team.
MIN_WAIT_SAMPLE = 5
WAIT_WINDOW = timedelta(days=30)


@dataclass(frozen=True)
class WaitEstimate:
    median: timedelta | None  # None when fewer than MIN_WAIT_SAMPLE tickets were answered
    sample: int  # answered tickets in the window
    queue: int  # tickets of the answering region still waiting for a first reply


@dataclass(frozen=True)
class Outlook:
    """Who will answer a customer writing in `language` now, when, and the usual wait."""

    language: str
    region: Region
    open_now: bool
    opens_at: datetime
    covers_language: bool
    wait: WaitEstimate


def first_response_samples(*, since: datetime) -> dict[str, list[timedelta]]:
    """Times to first reply of the tickets created since `since`, by language, shortest first."""
    samples: dict[str, list[timedelta]] = {}
    rows = Ticket.objects.filter(created_at__gte=since, first_responded_at__isnull=False).values_list(
        "language", "created_at", "first_responded_at"
    )
    for language, created, responded in rows:
        samples.setdefault(language, []).append(max(responded - created, timedelta()))
    for values in samples.values():
        values.sort()
    return samples


def _median(values: list[timedelta]) -> timedelta:
    middle = len(values) // 2
    if len(values) % 2:
        return values[middle]
    return (values[middle - 1] + values[middle]) / 2


def language_outlooks(*, languages, now: datetime) -> list[Outlook]:
    """For each language, the region that answers next and the typical wait: the median time to a
    first reply over the last 30 days' tickets in that language, and today's queue of that region.
    Four queries whatever the number of languages."""
    regions = {region.pk: region for region in Region.objects.prefetch_related("closures")}
    schedules = {pk: region.to_schedule() for pk, region in regions.items()}
    by_code = {sched.code: pk for pk, sched in schedules.items()}
    samples = first_response_samples(since=now - WAIT_WINDOW)
    waiting = dict(
        Ticket.objects.filter(
            status__in=(TicketStatus.NEW, TicketStatus.OPEN), first_responded_at__isnull=True
        )
        .values_list("region")
        .annotate(n=Count("id"))
        .values_list("region", "n")
    )
    outlooks = []
    for language in languages:
        assignment = schedule.next_region_for(schedules.values(), language, now)
        if assignment is None:
            continue
        region_id = by_code[assignment.region.code]
        values = samples.get(language, [])
        outlooks.append(
            Outlook(
                language=language,
                region=regions[region_id],
                open_now=assignment.open_now,
                opens_at=assignment.opens_at,
                covers_language=assignment.covers_language,
                wait=WaitEstimate(
                    median=_median(values) if len(values) >= MIN_WAIT_SAMPLE else None,
                    sample=len(values),
                    queue=waiting.get(region_id, 0),
                ),
            )
        )
    return outlooks


def language_outlook(*, language: str, now: datetime) -> Outlook | None:
    found = language_outlooks(languages=[language], now=now)
    return found[0] if found else None


@dataclass(frozen=True)
class RegionCard:
    """A region as the public support page shows it, in the visitor's time zone."""

    region: Region
    languages: list[str]
    open_now: bool
    next_change: datetime | None  # when the shift ends if open, else when it next opens
    hours: list[schedule.LocalHours]
    closed: list[tuple]  # (local date, name) in the next 14 days


def region_cards(*, zone: ZoneInfo, language: str, now: datetime) -> list[RegionCard]:
    cards = []
    for region in Region.objects.prefetch_related("closures"):
        sched = region.to_schedule()
        cards.append(
            RegionCard(
                region=region,
                languages=list(region.languages),
                open_now=sched.is_open(now),
                next_change=sched.next_change(now),
                hours=schedule.weekly_hours_in(sched, zone, now),
                closed=schedule.closed_days(sched, now, days=14, language=language),
            )
        )
    return cards


def support_content_version() -> tuple:
    """Changes whenever anything the support page shows of the regions changes (for its cache)."""
    regions = tuple(Region.objects.order_by("pk").values_list())
    closures = tuple(RegionClosure.objects.order_by("pk").values_list("region", "start", "end", "reason"))
    return (regions, closures)


def _hours_rows(hours: list[schedule.LocalHours]) -> list[dict]:
    """Monday to Sunday in the visitor's zone, each with its opening hours as a list of "09:00–17:00"
    ([] = closed). A shift that runs past the visitor's midnight is one piece on the day it starts
    ("16:00–01:00"), not "16:00–24:00" there and "00:00–01:00" the next day."""
    by_day = {weekday: [piece for piece in hours if piece.weekday == weekday] for weekday in range(7)}
    tails = set()
    ends = {}
    for weekday, pieces in by_day.items():
        for piece in pieces:
            ends[(weekday, piece.start)] = piece.end
            if piece.end != schedule.MIDNIGHT or piece.start == schedule.MIDNIGHT:
                continue
            following = (weekday + 1) % 7
            tail = next((p for p in by_day[following] if p.start == schedule.MIDNIGHT), None)
            if tail is not None and tail.end != schedule.MIDNIGHT:
                ends[(weekday, piece.start)] = tail.end
                tails.add((following, tail.start))
    rows = []
    for weekday, pieces in by_day.items():
        shown = []
        for piece in pieces:
            if (weekday, piece.start) in tails:
                continue
            end = ends[(weekday, piece.start)]
            shown.append(f"{piece.start:%H:%M}–{'24:00' if end == schedule.MIDNIGHT else f'{end:%H:%M}'}")
        rows.append({"day": WEEKDAYS[weekday], "hours": shown})
    return rows


def support_page(*, language: str, zone: ZoneInfo, now: datetime, zone_known: bool = True) -> dict:
    """Everything the public "support hours and languages" page shows, with times in `zone` ("your
    time" when `zone_known`) and words in the active language: per site language who answers next
    and the usual wait (the reader's own language first), per region its languages, state, weekly
    hours and closed days."""
    languages = [language, *(code for code in site_languages() if code != language)]
    outlooks = [
        {"outlook": outlook, **notifications.outlook_parts(outlook, zone, now=now, zone_known=zone_known)}
        for outlook in language_outlooks(languages=languages, now=now)
    ]
    regions = []
    for card in region_cards(zone=zone, language=language, now=now):
        change = (
            notifications.local_time_phrase(card.next_change, zone, now=now) if card.next_change else None
        )
        regions.append(
            {
                "card": card,
                "languages": names_list(card.languages, language),
                "change": change,
                "hours": _hours_rows(card.hours),
                "closed": [
                    {
                        "date": formats.date_format(day, "DATE_FORMAT"),
                        "weekday": WEEKDAYS[day.weekday()],
                        "name": name,
                    }
                    for day, name in card.closed
                ],
            }
        )
    return {"outlooks": outlooks, "regions": regions, "now_local": timezone.localtime(now, zone)}


def public_conversation(ticket: Ticket) -> list[dict]:
    """The messages a customer may read (no internal notes), each agent named by their public
    display name only."""
    messages = ticket.messages.exclude(kind=MessageKind.NOTE).select_related("author__agent_profile")
    return [{"message": message, "author_name": agent_public_name(message.author)} for message in messages]


def open_survey(ticket: Ticket, *, now: datetime):
    """The ticket's "How did we do?" while it can still be answered or changed, else None."""
    survey = Satisfaction.objects.filter(ticket=ticket).first()
    if survey is None or now > survey.asked_at + timedelta(seconds=support_settings().satisfaction_max_age):
        return None
    return survey


def survey_closes_at(survey) -> datetime:
    return survey.asked_at + timedelta(seconds=support_settings().satisfaction_max_age)


def survey_page(*, survey) -> dict:
    zone = notifications.customer_zone(survey.ticket)
    return {
        "survey": survey,
        "ticket": survey.ticket,
        "closes": timezone.localtime(survey_closes_at(survey), zone),
        "customer_zone": zone.key,
    }


def ticket_status_page(*, ticket: Ticket, now: datetime) -> dict:
    """The customer's page of one ticket: the conversation, times in their own zone, and "How did we
    do?" while its survey is open."""
    survey = open_survey(ticket, now=now)
    return {
        "ticket": ticket,
        "conversation": public_conversation(ticket),
        "customer_zone": notifications.customer_zone(ticket).key,
        "survey": survey,
        "survey_url": reverse("support:survey", kwargs={"token": notifications.survey_token(ticket)})
        if survey
        else "",
        "survey_closes": timezone.localtime(survey_closes_at(survey), notifications.customer_zone(ticket))
        if survey
        else None,
    }


@dataclass(frozen=True)
class DeflectionRow:
    language: str
    category: str  # the category's name in the active language, "" for none
    deflections: int
    tickets: int

    @property
    def rate(self) -> int | None:
        """Per cent of customers who found their answer instead of writing (None with no data)."""
        total = self.deflections + self.tickets
        return round(100 * self.deflections / total) if total else None


def deflection_report(*, since: datetime) -> list[DeflectionRow]:
    """Deflections (an article suggested on the contact form answered the question) against tickets,
    per language and category, most traffic first. Two grouped queries."""
    counts: dict[tuple[str, int | None], list[int]] = {}
    deflected = (
        Deflection.objects.filter(created_at__gte=since)
        .values_list("language", "category")
        .annotate(n=Count("id"))
        .values_list("language", "category", "n")
    )
    for language, category, n in deflected:
        counts.setdefault((language, category), [0, 0])[0] += n
    sent = (
        Ticket.objects.filter(created_at__gte=since)
        .values_list("language", "category")
        .annotate(n=Count("id"))
        .values_list("language", "category", "n")
    )
    for language, category, n in sent:
        counts.setdefault((language, category), [0, 0])[1] += n
    names = {c.pk: c.name for c in Category.objects.filter(pk__in={k[1] for k in counts if k[1]})}
    rows = [
        DeflectionRow(language, names.get(category, ""), deflections, tickets)
        for (language, category), (deflections, tickets) in counts.items()
    ]
    return sorted(rows, key=lambda r: (-(r.deflections + r.tickets), r.language, r.category))


@dataclass(frozen=True)
class SatisfactionRow:
    label: str
    good: int
    bad: int

    @property
    def answered(self) -> int:
        return self.good + self.bad

    @property
    def good_percent(self) -> int | None:
        return round(100 * self.good / self.answered) if self.answered else None


@dataclass(frozen=True)
class SatisfactionReport:
    asked: int
    by_region: list[SatisfactionRow]
    by_language: list[SatisfactionRow]
    by_agent: list[SatisfactionRow]


def satisfaction_report(*, since: datetime) -> SatisfactionReport:
    """Answers to "How did we do?" for surveys asked since `since`, per region, language and agent
    (agents by their login plus public name: this page is for staff)."""
    rows = list(
        Satisfaction.objects.filter(asked_at__gte=since).values_list(
            "rating", "region__code", "language", "agent__username", "agent__agent_profile__display_name"
        )
    )

    def group(key) -> list[SatisfactionRow]:
        counts: dict[str, list[int]] = {}
        for row in rows:
            if row[0] in (Rating.GOOD, Rating.BAD):
                pair = counts.setdefault(key(row), [0, 0])
                pair[0 if row[0] == Rating.GOOD else 1] += 1
        return sorted(
            (SatisfactionRow(label, good, bad) for label, (good, bad) in counts.items()),
            key=lambda r: (-r.answered, r.label),
        )

    return SatisfactionReport(
        asked=len(rows),
        by_region=group(lambda row: row[1] or "—"),
        by_language=group(lambda row: row[2]),
        by_agent=group(lambda row: f"{row[3]} ({row[4]})" if row[3] and row[4] else (row[3] or "—")),
    )


def ticket_satisfaction(ticket: Ticket):
    """The ticket's survey (asked, maybe answered), or None if it was never solved."""
    return Satisfaction.objects.filter(ticket=ticket).select_related("agent").first()


@dataclass(frozen=True)
class Arrivals:
    """Tickets by weekday (0 = Monday) and hour, in UTC and in each customer's own time."""

    utc: list[list[int]]
    local: list[list[int]]
    local_uncovered: list[list[int]]  # of `local`, those that arrived while no region was on shift
    coverage: list[list[list[str]]]  # UTC weekday × hour: codes of the regions on shift
    total: int


def ticket_arrivals(*, since: datetime, now: datetime) -> Arrivals:
    """When tickets arrive, for the heatmap: with the regions' regular hours (UTC) to see the hours
    nobody covers, and for each local hour how many arrived while nobody was on shift."""
    schedules = list(region_schedules().values())
    coverage = schedule.coverage_by_hour(schedules, now)
    utc = [[0] * 24 for _day in range(7)]
    local = [[0] * 24 for _day in range(7)]
    local_uncovered = [[0] * 24 for _day in range(7)]
    zones: dict[str, ZoneInfo] = {}
    total = 0
    for created, tz_name in Ticket.objects.filter(created_at__gte=since).values_list(
        "created_at", "customer_timezone"
    ):
        total += 1
        at = created.astimezone(UTC)
        utc[at.weekday()][at.hour] += 1
        if tz_name not in zones:
            try:
                zones[tz_name] = ZoneInfo(tz_name)
            except (KeyError, ValueError):
                zones[tz_name] = ZoneInfo("UTC")
        mine = created.astimezone(zones[tz_name])
        local[mine.weekday()][mine.hour] += 1
        if not coverage[at.weekday()][at.hour]:
            local_uncovered[mine.weekday()][mine.hour] += 1
    return Arrivals(utc=utc, local=local, local_uncovered=local_uncovered, coverage=coverage, total=total)


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


# --- live chat: who is there -------------------------------------------------------------------


def agent_presence(user, *, now: datetime) -> str:
    """The user's presence as others see it (online, away, offline)."""
    profile = AgentProfile.objects.filter(user=user).first()
    if profile is None:
        return presence.OFFLINE
    conf = support_settings()
    return presence.effective_presence(
        profile.presence,
        last_seen=profile.last_seen_at,
        last_active=profile.last_active_at,
        now=now,
        away_after=conf.agent_away_after,
        offline_after=conf.agent_offline_after,
    )


def agent_regions(user) -> QuerySet[Region]:
    """The regions whose live chats `user` may see and take: those they belong to (all for a
    superuser)."""
    if user.is_superuser:
        return Region.objects.all()
    return Region.objects.filter(agents=user)


def available_agents(
    *, language: str, now: datetime, chats_held: dict[int, int]
) -> list[tuple[presence.Candidate, Region]]:
    """Who can take a live chat in `language` now (online, on shift in a region answering it, under
    their own limit; `chats_held` by agent id), least busy first, with the region they take it for."""
    conf = support_settings()
    schedules = region_schedules()
    regions = {region.pk: region for region in Region.objects.all()}
    by_code = {sched.code: regions[pk] for pk, sched in schedules.items()}
    memberships: dict[int, set[str]] = {}
    for user_id, code in Region.agents.through.objects.values_list("user_id", "region__code"):
        memberships.setdefault(user_id, set()).add(code)
    states = [
        presence.AgentState(
            agent_id=profile.user_id,
            presence=presence.effective_presence(
                profile.presence,
                last_seen=profile.last_seen_at,
                last_active=profile.last_active_at,
                now=now,
                away_after=conf.agent_away_after,
                offline_after=conf.agent_offline_after,
            ),
            region_codes=frozenset(memberships.get(profile.user_id, ())),
            chats=chats_held.get(profile.user_id, 0),
            max_chats=profile.max_chats,
        )
        for profile in AgentProfile.objects.filter(user__is_active=True, user_id__in=memberships)
    ]
    found = presence.available_agents(states, schedules.values(), language, now)
    return [(candidate, by_code[candidate.region.code]) for candidate in found]


def agent_zone(user) -> ZoneInfo:
    """The zone an agent reads times in: their profile's, else their first region's, else UTC."""
    profile = (
        AgentProfile.objects.filter(user=user).only("timezone").first() if user.is_authenticated else None
    )
    name = profile.timezone if profile is not None and profile.timezone else ""
    if not name and user.is_authenticated:
        name = user.support_regions.order_by("order", "code").values_list("timezone", flat=True).first() or ""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError):
        return ZoneInfo("UTC")


def support_overview(*, language: str, zone: ZoneInfo, now: datetime) -> dict:
    """What the chat answers to a question about support in `language` (words in the active
    language, times in `zone`, from the live schedule): `who` answers next and the usual wait,
    `hours` (per local weekday on which someone speaks the language: {"day", "hours"}), `closed`
    (the weekdays nobody does), `languages` (every language a team answers in, as a list in words)
    and `url`, the support hours and languages page."""
    regions = list(Region.objects.prefetch_related("closures"))
    schedules = [region.to_schedule() for region in regions]
    outlook = language_outlook(language=language, now=now)
    hours = schedule.language_hours_in(schedules, language, zone, now)
    rows = _hours_rows(hours)
    spoken = {code for sched in schedules for code in sched.languages}
    languages = [code for code in site_languages() if code.lower() in spoken]
    return {
        "who": notifications.outlook_sentence(outlook, zone, now=now) if outlook else "",
        "hours": [row for row in rows if row["hours"]],
        "closed": [row["day"] for row in rows if not row["hours"]] if hours else [],
        "languages": names_list(languages, language) if languages else "",
        "url": reverse("support:hours"),
    }


def customer_history(ticket: Ticket, *, limit: int = 10) -> list[Ticket]:
    """The same customer's other tickets (by address), newest first: web forms, e-mails and chats
    (a live chat, closed or handed over, is a ticket with its transcript)."""
    return list(
        Ticket.objects.filter(requester_email__iexact=ticket.requester_email)
        .exclude(pk=ticket.pk)
        .select_related("region")
        .order_by("-created_at")[:limit]
    )


@dataclass(frozen=True)
class StaffEvents:
    """What the agents' pages heard since a cursor, for browsers without WebSockets (polling)."""

    events: list[dict]
    tickets_after: int  # the cursor to send next time: the last ticket id seen
    messages_after: int  # and the last customer message id seen


def staff_events_after(
    *, tickets_after: int | None, messages_after: int | None, limit: int = 50
) -> StaffEvents:
    """The events `/ws/agents/` sends to every agents' page (a new ticket, a customer's answer on a
    ticket), read back from the rows themselves: each ticket and each customer message after the
    cursor, once and in order. Without a cursor (the page's first poll) none, and the current one.
    A ticket's first message is part of its `ticket.new`, not a `ticket.message`."""
    if tickets_after is None or messages_after is None:
        return StaffEvents(
            [],
            Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
            TicketMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0,
        )
    tickets = list(
        Ticket.objects.filter(pk__gt=tickets_after).select_related("region").order_by("pk")[:limit]
    )
    last_ticket = tickets[-1].pk if tickets else tickets_after
    answers = list(
        TicketMessage.objects.filter(
            pk__gt=messages_after, kind=MessageKind.CUSTOMER, ticket_id__lte=last_ticket
        )
        .select_related("ticket__region")
        .order_by("pk")[:limit]
    )
    events = [
        {
            "event": "ticket.new",
            "ticket": {
                "reference": t.reference,
                "subject": t.subject,
                "language": t.language,
                "region": t.region.code,
                "status": str(t.get_status_display()),
            },
        }
        for t in tickets
    ]
    seen = {t.pk for t in tickets}
    for m in answers:
        if m.ticket_id in seen:
            continue  # the ticket's first message: announced with the ticket
        ticket = m.ticket
        events.append(
            {
                "event": "ticket.message",
                "ticket": {
                    "reference": ticket.reference,
                    "subject": ticket.subject,
                    "region": ticket.region.code,
                },
            }
        )
    last_message = answers[-1].pk if answers else messages_after
    return StaffEvents(events, last_ticket, last_message)
