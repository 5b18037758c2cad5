"""Which time zone to show a visitor's times in: one rule for the pages, the e-mails and the chat
API, and the list a visitor picks another zone from. Pure Python (zoneinfo), no Django.

The rule: a zone the visitor chose (?tz=, the API's `timezone`) if it is a known IANA name; a bad
value is reported and never replaces a valid zone already known (the browser's cookie); with
nothing valid, UTC, said as UTC (not "your time")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, available_timezones

KNOWN_TIMEZONES = frozenset(available_timezones())
# Names a visitor picks from: the canonical Area/City ones (not "Etc/GMT+3", "US/Pacific", "EST").
_AREAS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


@dataclass(frozen=True)
class ZoneChoice:
    name: str
    # "chosen" (the visitor asked for it), "browser" (the zone the browser told us), "default"
    # (nothing valid known: UTC, not the visitor's own)
    source: str
    # A value that is no known zone, to report ("" when none was given)
    rejected: str = ""

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.name)

    @property
    def is_visitors(self) -> bool:
        """Whether times in it may be called "your time"."""
        return self.source != "default"


def is_known(name: str) -> bool:
    return name in KNOWN_TIMEZONES


def zone_choice(chosen: str = "", known: str = "") -> ZoneChoice:
    """The zone for a visitor who asked for `chosen` (may be empty or wrong) and whose browser
    said `known` earlier (may be empty or wrong)."""
    chosen, known = (chosen or "").strip(), (known or "").strip()
    if chosen and is_known(chosen):
        return ZoneChoice(chosen, "chosen")
    rejected = chosen
    if known and is_known(known):
        return ZoneChoice(known, "browser", rejected)
    return ZoneChoice("UTC", "default", rejected or known)


@dataclass(frozen=True)
class ZoneOption:
    name: str  # the IANA name, what is sent
    city: str  # "Sao Paulo", "Ho Chi Minh"
    offset: str  # "UTC+01:00" at the moment asked

    @property
    def label(self) -> str:
        return f"{self.city} ({self.offset}) · {self.name}"


def _offset(delta: timedelta | None) -> str:
    minutes = int((delta or timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def zone_options(now: datetime) -> list[ZoneOption]:
    """Every city zone with its offset at `now`, west to east then by city: the list a visitor
    searches by city or by offset ("paris", "UTC+09")."""
    options = []
    for name in KNOWN_TIMEZONES:
        area, _sep, rest = name.partition("/")
        if area not in _AREAS or not rest:
            continue
        delta = now.astimezone(ZoneInfo(name)).utcoffset()
        options.append((delta, ZoneOption(name, rest.rsplit("/", 1)[-1].replace("_", " "), _offset(delta))))
    options.append((timedelta(), ZoneOption("UTC", "UTC", "UTC+00:00")))
    options.sort(key=lambda item: (item[0], item[1].city, item[1].name))
    return [option for _delta, option in options]
