"""Shift schedules of regional support teams: pure Python (zoneinfo + the `holidays` package).

Weekly hours are local wall-clock intervals. An interval belongs to the weekday it starts on and may
cross midnight (22:00-06:00). A day that is a public holiday or one of the region's own closures
starts no interval; an overnight interval that began the evening before still runs into it.

Local times are turned into instants with PEP 495 rules: a time that does not exist (the spring-
forward gap) takes the offset from before the change, so 02:30 becomes 03:30 new time; a time that
happens twice (fall back) means its first occurrence. All instants returned are aware UTC datetimes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

HORIZON_DAYS = 400  # long enough to cross a year of closures and holiday runs
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class Interval:
    weekday: int  # 0 = Monday
    start: time
    end: time  # end <= start crosses midnight; 00:00-00:00 is the whole day

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday), not {self.weekday}")
        if self.start.tzinfo or self.end.tzinfo:
            raise ValueError("interval times are local wall-clock times without a time zone")


@dataclass(frozen=True)
class Closure:
    start: date
    end: date
    reason: str = ""

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"closure ends ({self.end}) before it starts ({self.start})")


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


# Site language codes as the `holidays` package spells its translations.
_HOLIDAY_LANGUAGES = {"en": "en_US", "zh-hans": "zh_CN", "zh-hant": "zh_TW"}


@lru_cache(maxsize=256)
def _public_holidays_in(country: str, subdivision: str, year: int, language: str) -> dict[date, str]:
    """Holiday names in `language` where the package has them, else in English, else in the
    country's own language."""
    supported = holidays.country_holidays(country, subdiv=subdivision or None).supported_languages
    wanted = _HOLIDAY_LANGUAGES.get(language, language.replace("-", "_"))
    if wanted not in supported:
        wanted = "en_US" if "en_US" in supported else ""
    if not wanted:
        return _public_holidays(country, subdivision, year)
    return dict(holidays.country_holidays(country, subdiv=subdivision or None, years=year, language=wanted))


def _utc(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("a naive datetime is ambiguous: pass an aware datetime")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class RegionSchedule:
    code: str
    name: str
    timezone: str
    languages: frozenset[str]
    intervals: tuple[Interval, ...]
    holiday_country: str = ""
    holiday_subdivision: str = ""
    closures: tuple[Closure, ...] = ()
    order: int = 0
    _zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "_zone", ZoneInfo(self.timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {self.timezone!r}") from None
        object.__setattr__(self, "languages", frozenset(code.lower() for code in self.languages))
        if self.holiday_country:
            try:
                _public_holidays(self.holiday_country, self.holiday_subdivision, 2026)
            except NotImplementedError:
                raise ValueError(
                    f"no public holidays known for {self.holiday_country!r}"
                    + (f"/{self.holiday_subdivision!r}" if self.holiday_subdivision else "")
                ) from None

    # --- days and spans -------------------------------------------------------------------
    def holiday_name(self, day: date) -> str:
        """The reason `day` is closed (public holiday or closure), or "" on an ordinary day."""
        for closure in self.closures:
            if closure.start <= day <= closure.end:
                return closure.reason or "closed"
        if self.holiday_country:
            return _public_holidays(self.holiday_country, self.holiday_subdivision, day.year).get(day, "")
        return ""

    def is_holiday(self, day: date) -> bool:
        return bool(self.holiday_name(day))

    def _instant(self, day: date, wall: time) -> datetime:
        return datetime.combine(day, wall, tzinfo=self._zone).astimezone(UTC)

    def day_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open spans (UTC) of the intervals that start on local date `day`."""
        if self.is_holiday(day):
            return []
        spans = []
        for interval in self.intervals:
            if interval.weekday != day.weekday():
                continue
            start = self._instant(day, interval.start)
            end_day = day + timedelta(days=1) if interval.end <= interval.start else day
            end = self._instant(end_day, interval.end)
            if end > start:
                spans.append((start, end))
        return sorted(spans)

    def spans_from(self, at: datetime, days: int = HORIZON_DAYS) -> Iterator[tuple[datetime, datetime]]:
        """Merged open spans that end after `at`, in order, up to `days` local days ahead."""
        at = _utc(at)
        first = at.astimezone(self._zone).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        for offset in range(days + 1):
            for start, end in self.day_spans(first + timedelta(days=offset)):
                if pending and start <= pending[1]:
                    pending = (pending[0], max(pending[1], end))
                    continue
                if pending and pending[1] > at:
                    yield pending
                pending = (start, end)
        if pending and pending[1] > at:
            yield pending

    def spans_before(self, at: datetime, days: int = 8) -> list[tuple[datetime, datetime]]:
        """Merged open spans that started before `at`, within `days` local days, oldest first."""
        at = _utc(at)
        last = at.astimezone(self._zone).date()
        merged: list[list[datetime]] = []
        for offset in range(days, -1, -1):
            for start, end in self.day_spans(last - timedelta(days=offset)):
                if start >= at:
                    continue
                if merged and start <= merged[-1][1]:
                    merged[-1][1] = max(merged[-1][1], end)
                else:
                    merged.append([start, end])
        return [(s, e) for s, e in merged]

    # --- questions ------------------------------------------------------------------------
    def current_span(self, at: datetime) -> tuple[datetime, datetime] | None:
        at = _utc(at)
        for start, end in self.spans_from(at, days=2):
            return (start, end) if start <= at < end else None
        return None

    def is_open(self, at: datetime) -> bool:
        return self.current_span(at) is not None

    def next_open(self, at: datetime) -> datetime | None:
        """`at` if open now, else the next instant the region opens; None if it never does."""
        at = _utc(at)
        for start, _end in self.spans_from(at):
            return max(start, at)
        return None

    def next_close(self, at: datetime) -> datetime | None:
        """When the current shift ends (back-to-back intervals are one shift); None if closed."""
        span = self.current_span(at)
        if span is None:
            return None
        end = span[1]
        for start, later_end in self.spans_from(end, days=HORIZON_DAYS):
            if start > end:
                break
            end = max(end, later_end)
        return end

    def next_change(self, at: datetime) -> datetime | None:
        return self.next_close(at) if self.is_open(at) else self.next_open(at)

    def last_close(self, at: datetime) -> datetime | None:
        """The most recent instant at or before `at` when a shift ended (within a week)."""
        at = _utc(at)
        ends = [end for _start, end in self.spans_before(at) if end <= at]
        return ends[-1] if ends else None

    def speaks(self, language: str) -> bool:
        return language_matches(language, self.languages)


def language_matches(language: str, spoken: Iterable[str]) -> bool:
    """Exact match, else the same primary language when one side has no subtag ("fr-ca" ~ "fr").
    Scripts and variants are kept apart: "zh-hans" never matches "zh-hant"."""
    language = language.lower()
    primary = language.split("-")[0]
    for code in spoken:
        code = code.lower()
        if code == language:
            return True
        if "-" not in code and code == primary and not primary == "zh":
            return True
        if "-" not in language and code.split("-")[0] == language and language != "zh":
            return True
    return False


@dataclass(frozen=True)
class Assignment:
    region: RegionSchedule
    opens_at: datetime
    open_now: bool
    covers_language: bool


def regions_on_shift(regions: Iterable[RegionSchedule], at: datetime) -> list[RegionSchedule]:
    return sorted((r for r in regions if r.is_open(at)), key=lambda r: (r.order, r.code))


def _soonest(regions: list[RegionSchedule], at: datetime) -> tuple[RegionSchedule, datetime] | None:
    best = None
    for region in sorted(regions, key=lambda r: (r.order, r.code)):
        opens = region.next_open(at)
        if opens is not None and (best is None or opens < best[1]):
            best = (region, opens)
    return best


def next_region_for(regions: Iterable[RegionSchedule], language: str, at: datetime) -> Assignment | None:
    """The region that will first be able to answer in `language`: open now or opening soonest.

    If no region speaks it, the soonest region of all, flagged `covers_language=False`."""
    at = _utc(at)
    regions = list(regions)
    speaking = [r for r in regions if r.speaks(language)]
    found = _soonest(speaking, at) if speaking else None
    covers = found is not None
    if found is None:
        found = _soonest(regions, at)
    if found is None:
        return None
    region, opens = found
    return Assignment(region=region, opens_at=opens, open_now=opens == at, covers_language=covers)


def business_time_between(region: RegionSchedule, start: datetime, end: datetime) -> timedelta:
    """Open time of `region` within [start, end)."""
    start, end = _utc(start), _utc(end)
    total = timedelta()
    if end <= start:
        return total
    for span_start, span_end in region.spans_from(start):
        if span_start >= end:
            break
        total += min(span_end, end) - max(span_start, start)
    return total


def business_deadline(region: RegionSchedule, start: datetime, duration: timedelta) -> datetime | None:
    """When `duration` of the region's open time has passed after `start` (the clock stops outside
    hours, on holidays and closures); None if the region never opens."""
    start = _utc(start)
    remaining = duration
    for span_start, span_end in region.spans_from(start):
        span_start = max(span_start, start)
        if remaining <= span_end - span_start:
            return span_start + remaining
        remaining -= span_end - span_start
    return None


# --- the compact text form of weekly hours --------------------------------------------------
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")


def _parse_time(text: str, *, is_end: bool) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"{text.strip()!r} is not a time like 08:00")
    hour, minute = int(match[1]), int(match[2])
    if is_end and (hour, minute) == (24, 0):
        return MIDNIGHT
    if hour > 23 or minute > 59:
        raise ValueError(f"{text.strip()!r} is not a valid time")
    return time(hour, minute)


def _parse_days(text: str) -> list[int]:
    days: list[int] = []
    for part in text.split(","):
        part = part.strip().title()
        if "-" in part:
            first, last = (p.strip().title() for p in part.split("-", 1))
            if first not in DAY_NAMES or last not in DAY_NAMES:
                raise ValueError(f"{part!r} is not a day range like Mon-Fri")
            a, b = DAY_NAMES.index(first), DAY_NAMES.index(last)
            days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
        elif part in DAY_NAMES:
            days.append(DAY_NAMES.index(part))
        else:
            raise ValueError(f"{part!r} is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
    return days


def parse_intervals(text: str) -> tuple[Interval, ...]:
    """Parse "Mon-Fri 08:00-17:00; Sat 10:00-14:00, 15:00-18:00; Sun 22:00-06:00"."""
    intervals: list[Interval] = []
    for group in (g.strip() for g in text.split(";")):
        if not group:
            continue
        match = re.match(r"^([A-Za-z,\s-]+?)\s+(\d.*)$", group)
        if not match:
            raise ValueError(f"{group!r} should read like 'Mon-Fri 08:00-17:00'")
        for day in _parse_days(match[1]):
            for piece in match[2].split(","):
                if piece.count("-") != 1:
                    raise ValueError(f"{piece.strip()!r} is not a time range like 08:00-17:00")
                start_text, end_text = piece.split("-")
                intervals.append(
                    Interval(day, _parse_time(start_text, is_end=False), _parse_time(end_text, is_end=True))
                )
    return tuple(sorted(set(intervals), key=lambda i: (i.weekday, i.start, i.end)))


def _format_time(value: time, *, is_end: bool) -> str:
    return "24:00" if is_end and value == MIDNIGHT else value.strftime("%H:%M")


def format_intervals(intervals: Iterable[Interval]) -> str:
    """The canonical text form: days with identical hours grouped into ranges."""
    by_day: dict[int, tuple[str, ...]] = {}
    for interval in sorted(intervals, key=lambda i: (i.weekday, i.start, i.end)):
        text = f"{_format_time(interval.start, is_end=False)}-{_format_time(interval.end, is_end=True)}"
        by_day[interval.weekday] = by_day.get(interval.weekday, ()) + (text,)
    groups: list[tuple[list[int], tuple[str, ...]]] = []
    for day in sorted(by_day):
        if groups and groups[-1][0][-1] == day - 1 and groups[-1][1] == by_day[day]:
            groups[-1][0].append(day)
        else:
            groups.append(([day], by_day[day]))
    parts = []
    for days, hours in groups:
        label = DAY_NAMES[days[0]] if len(days) == 1 else f"{DAY_NAMES[days[0]]}-{DAY_NAMES[days[-1]]}"
        parts.append(f"{label} {', '.join(hours)}")
    return "; ".join(parts)


# --- what a visitor reads: hours and closed days in their own time zone -------------------------
@dataclass(frozen=True)
class LocalHours:
    weekday: int  # 0 = Monday, in the visitor's zone
    start: time
    end: time  # 00:00 here means midnight at the end of the day


def weekly_hours_in(region: RegionSchedule, zone: ZoneInfo, at: datetime) -> list[LocalHours]:
    """The region's regular weekly hours (holidays aside) as wall-clock times in `zone`, for the
    week around `at` (so that daylight-saving time is today's); a shift that crosses the visitor's
    midnight is cut in two, one piece per local day."""
    at = _utc(at)
    local_today = at.astimezone(region._zone).date()
    monday = local_today - timedelta(days=local_today.weekday())
    pieces: dict[tuple[int, time], time] = {}
    for interval in region.intervals:
        day = monday + timedelta(days=interval.weekday)
        start = region._instant(day, interval.start)
        end_day = day + timedelta(days=1) if interval.end <= interval.start else day
        end = region._instant(end_day, interval.end)
        cursor = start.astimezone(zone)
        end_local = end.astimezone(zone)
        while cursor < end_local:
            next_midnight = datetime.combine(cursor.date() + timedelta(days=1), MIDNIGHT, tzinfo=zone)
            piece_end = min(end_local, next_midnight)
            key = (cursor.weekday(), cursor.time().replace(tzinfo=None))
            stop = MIDNIGHT if piece_end == next_midnight else piece_end.time().replace(tzinfo=None)
            pieces[key] = stop
            cursor = piece_end
    merged: list[LocalHours] = []
    for (weekday, start), end in sorted(pieces.items()):
        last = merged[-1] if merged else None
        if last and last.weekday == weekday and last.end != MIDNIGHT and start <= last.end:
            later = end if end == MIDNIGHT or end > last.end else last.end
            merged[-1] = LocalHours(weekday, last.start, later)
        else:
            merged.append(LocalHours(weekday, start, end))
    return merged


def closed_days(
    region: RegionSchedule, at: datetime, days: int = 14, language: str = ""
) -> list[tuple[date, str]]:
    """Public holidays and closures (the region's local dates, with their names, public holidays
    named in `language` where the `holidays` package knows it) from the region's today through the
    next `days` days, on which a shift would otherwise have started."""
    start = _utc(at).astimezone(region._zone).date()
    working = {interval.weekday for interval in region.intervals}
    found = []
    for offset in range(days + 1):
        day = start + timedelta(days=offset)
        if day.weekday() in working and region.is_holiday(day):
            name = region.holiday_name(day)
            if (
                language
                and region.holiday_country
                and not any(c.start <= day <= c.end for c in region.closures)
            ):
                name = _public_holidays_in(
                    region.holiday_country, region.holiday_subdivision, day.year, language
                ).get(day, name)
            found.append((day, name))
    return found


def coverage_by_hour(regions: Iterable[RegionSchedule], at: datetime) -> list[list[list[str]]]:
    """For each UTC weekday (0 = Monday) and hour, the codes of the regions on shift at some time
    during that hour, in the regular week around `at` (holidays aside): the hours nobody covers
    show up as empty lists."""
    at = _utc(at)
    monday = (at - timedelta(days=at.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    grid: list[list[list[str]]] = [[[] for _h in range(24)] for _d in range(7)]
    for region in sorted(regions, key=lambda r: (r.order, r.code)):
        local_monday = monday.astimezone(region._zone).date() - timedelta(days=1)
        spans = []
        for offset in range(9):
            day = local_monday + timedelta(days=offset)
            for interval in region.intervals:
                if interval.weekday != day.weekday():
                    continue
                start = region._instant(day, interval.start)
                end_day = day + timedelta(days=1) if interval.end <= interval.start else day
                spans.append((start, region._instant(end_day, interval.end)))
        for day in range(7):
            for hour in range(24):
                cell_start = monday + timedelta(days=day, hours=hour)
                cell_end = cell_start + timedelta(hours=1)
                if any(start < cell_end and end > cell_start for start, end in spans):
                    grid[day][hour].append(region.code)
    return grid


def language_hours_in(
    regions: Iterable[RegionSchedule], language: str, zone: ZoneInfo, at: datetime
) -> list[LocalHours]:
    """When someone who speaks `language` is on shift in a regular week, as wall-clock times in
    `zone` (the union of the hours of every region that speaks it; holidays aside): the chat's answer
    to "anyone on weekends?". Empty when no region speaks it."""
    code = language.lower()
    by_day: dict[int, list[tuple[time, time]]] = {}
    for region in regions:
        if code not in region.languages:
            continue
        for piece in weekly_hours_in(region, zone, at):
            # Midnight at the end of the day sorts after every other time of that day.
            by_day.setdefault(piece.weekday, []).append((piece.start, piece.end))
    merged: list[LocalHours] = []
    for weekday in sorted(by_day):
        spans = sorted(by_day[weekday], key=lambda span: (span[0], _day_end(span[1])))
        start, end = spans[0]
        for next_start, next_end in spans[1:]:
            if next_start <= _day_end(end):
                end = max(end, next_end, key=_day_end)
            else:
                merged.append(LocalHours(weekday, start, end))
                start, end = next_start, next_end
        merged.append(LocalHours(weekday, start, end))
    return merged


def _day_end(value: time) -> time:
    return time.max if value == MIDNIGHT else value
