"""The shift schedule on its own: plain Python, no database."""

import ast
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support.schedule import (
    Closure,
    Interval,
    RegionSchedule,
    business_deadline,
    business_time_between,
    format_intervals,
    next_region_for,
    parse_intervals,
    regions_on_shift,
)


def region(
    code="EMEA",
    tz="Europe/Dublin",
    hours="Mon-Fri 08:00-17:00",
    languages=("en",),
    country="",
    closures=(),
    order=0,
):
    return RegionSchedule(
        code, code, tz, frozenset(languages), parse_intervals(hours), country, "", tuple(closures), order
    )


AMER = region("AMER", "America/Denver", languages=("en", "es"), country="US", order=1)
EMEA = region("EMEA", "Europe/Dublin", languages=("en", "fr", "de"), country="IE", order=2)
APAC = region(
    "APAC",
    "Asia/Singapore",
    hours="Mon-Fri 09:00-18:00",
    languages=("en", "zh-hans", "ja"),
    country="SG",
    order=3,
)
DEMO = [AMER, EMEA, APAC]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_is_open_start_inclusive_end_exclusive():
    # 2026-11-24 is a Tuesday; Dublin is on UTC in winter.
    assert not EMEA.is_open(utc(2026, 11, 24, 7, 59))
    assert EMEA.is_open(utc(2026, 11, 24, 8, 0))
    assert EMEA.is_open(utc(2026, 11, 24, 16, 59))
    assert not EMEA.is_open(utc(2026, 11, 24, 17, 0))


def test_is_open_closed_at_weekends():
    assert not EMEA.is_open(utc(2026, 11, 28, 12, 0))
    assert EMEA.next_open(utc(2026, 11, 28, 12, 0)) == utc(2026, 11, 30, 8, 0)


def test_several_intervals_a_day():
    split = region(hours="Sat 10:00-14:00, 15:00-18:00", tz="UTC")
    assert split.is_open(utc(2026, 11, 28, 13, 0))
    assert not split.is_open(utc(2026, 11, 28, 14, 30))
    assert split.next_open(utc(2026, 11, 28, 14, 30)) == utc(2026, 11, 28, 15, 0)
    assert split.next_close(utc(2026, 11, 28, 10, 0)) == utc(2026, 11, 28, 14, 0)


def test_overnight_interval_belongs_to_its_start_day():
    night = region(hours="Fri 22:00-06:00", tz="UTC")
    assert night.is_open(utc(2026, 11, 28, 3, 0))  # Saturday 03:00
    assert not night.is_open(utc(2026, 11, 27, 3, 0))  # Friday 03:00: Thursday has no interval
    assert night.next_close(utc(2026, 11, 27, 23, 0)) == utc(2026, 11, 28, 6, 0)


def test_back_to_back_intervals_are_one_shift():
    shifts = region(hours="Mon 22:00-06:00; Tue 06:00-14:00", tz="UTC")
    assert shifts.next_close(utc(2026, 11, 23, 23, 0)) == utc(2026, 11, 24, 14, 0)


def test_all_day_interval():
    always = region(hours="Mon-Sun 00:00-24:00", tz="UTC")
    assert always.is_open(utc(2026, 11, 28, 23, 59))
    # Never closing within the search horizon: the shift end lies beyond it.
    assert always.next_close(utc(2026, 11, 28, 12, 0)) > utc(2027, 12, 1)


def test_europe_dublin_summer_and_winter_time():
    # Friday 2026-03-27 Dublin is on GMT; Monday 2026-03-30 on IST (UTC+1) after 2026-03-29.
    assert EMEA.next_open(utc(2026, 3, 27, 0, 0)) == utc(2026, 3, 27, 8, 0)
    assert EMEA.next_open(utc(2026, 3, 30, 0, 0)) == utc(2026, 3, 30, 7, 0)


def test_denver_spring_forward_gap_uses_the_offset_before_the_change():
    night = region(hours="Sun 02:30-05:00", tz="America/Denver")
    # 02:30 does not exist on 2026-03-08: it is read as 03:30 MDT = 09:30 UTC.
    assert night.next_open(utc(2026, 3, 8, 0, 0)) == utc(2026, 3, 8, 9, 30)
    assert night.next_close(utc(2026, 3, 8, 10, 0)) == utc(2026, 3, 8, 11, 0)


def test_denver_fall_back_overlap_uses_the_first_occurrence_and_real_duration():
    night = region(hours="Sun 00:00-06:00", tz="America/Denver")
    # 2026-11-01: 01:00-02:00 happens twice; the shift lasts 7 real hours.
    opens = night.next_open(utc(2026, 11, 1, 0, 0))
    assert opens == utc(2026, 11, 1, 6, 0)
    assert night.next_close(opens) == utc(2026, 11, 1, 13, 0)
    assert business_time_between(night, opens, utc(2026, 11, 2)) == timedelta(hours=7)
    edge = region(hours="Sun 01:30-03:00", tz="America/Denver")
    assert edge.next_open(utc(2026, 11, 1, 0, 0)) == utc(2026, 11, 1, 7, 30)  # 01:30 MDT


def test_us_independence_day_observed_is_closed():
    assert AMER.holiday_name(date(2026, 7, 3)) == "Independence Day (observed)"
    assert not AMER.is_open(utc(2026, 7, 3, 18, 0))
    assert AMER.next_open(utc(2026, 7, 3, 18, 0)) == utc(2026, 7, 6, 14, 0)


def test_ireland_st_patricks_day_and_singapore_chinese_new_year():
    assert not EMEA.is_open(utc(2026, 3, 17, 12, 0))
    assert not APAC.is_open(utc(2026, 2, 17, 3, 0)) and not APAC.is_open(utc(2026, 2, 18, 3, 0))
    assert APAC.next_open(utc(2026, 2, 17, 3, 0)) == utc(2026, 2, 19, 1, 0)


def test_overnight_interval_runs_into_a_holiday_morning():
    night = region(
        hours="Mon-Sun 22:00-06:00",
        tz="UTC",
        closures=[Closure(date(2026, 12, 1), date(2026, 12, 1), "offsite")],
    )
    assert night.is_open(utc(2026, 12, 1, 3, 0))  # started on the 30th
    assert not night.is_open(utc(2026, 12, 1, 23, 0))
    assert night.holiday_name(date(2026, 12, 1)) == "offsite"


def test_closure_ranges_are_skipped():
    offsite = region(tz="UTC", closures=[Closure(date(2026, 11, 23), date(2026, 11, 27), "company offsite")])
    assert offsite.next_open(utc(2026, 11, 23, 9, 0)) == utc(2026, 11, 30, 8, 0)


def test_next_region_for_language_spoken_by_one_region():
    at = utc(2026, 11, 28, 23, 0)  # Saturday night UTC: everyone closed
    assignment = next_region_for(DEMO, "fr", at)
    assert (assignment.region.code, assignment.opens_at, assignment.open_now, assignment.covers_language) == (
        "EMEA",
        utc(2026, 11, 30, 8, 0),
        False,
        True,
    )


def test_next_region_for_language_spoken_by_several_takes_the_soonest():
    assignment = next_region_for(DEMO, "en", utc(2026, 11, 28, 23, 0))
    assert (assignment.region.code, assignment.opens_at) == ("APAC", utc(2026, 11, 30, 1, 0))


def test_next_region_for_open_region_answers_now():
    at = utc(2026, 11, 24, 16, 30)
    assignment = next_region_for(DEMO, "fr", at)
    assert (assignment.region.code, assignment.opens_at, assignment.open_now) == ("EMEA", at, True)
    assert [r.code for r in regions_on_shift(DEMO, at)] == ["AMER", "EMEA"]


def test_next_region_for_language_nobody_speaks_falls_back_to_the_soonest_region():
    assignment = next_region_for(DEMO, "pt-br", utc(2026, 11, 28, 23, 0))
    assert (assignment.region.code, assignment.covers_language) == ("APAC", False)


def test_next_region_for_regional_variant_matches_the_language():
    assert next_region_for(DEMO, "fr-ca", utc(2026, 11, 28, 23, 0)).region.code == "EMEA"
    assert next_region_for(DEMO, "zh-hant", utc(2026, 11, 28, 23, 0)).covers_language is False


def test_next_region_for_no_regions_is_none():
    assert next_region_for([], "en", utc(2026, 11, 28)) is None
    assert next_region_for([region(hours="")], "en", utc(2026, 11, 28)) is None


def test_business_deadline_stops_the_clock_outside_hours():
    # Friday 16:00 Dublin + 8 business hours = Monday 15:00.
    assert business_deadline(EMEA, utc(2026, 11, 27, 16, 0), timedelta(hours=8)) == utc(2026, 11, 30, 15, 0)


def test_business_deadline_skips_holidays():
    # Thursday 2026-03-16 16:00 + 2 h: St Patrick's Day (Tuesday 17th) is closed.
    assert business_deadline(EMEA, utc(2026, 3, 16, 16, 0), timedelta(hours=2)) == utc(2026, 3, 18, 9, 0)


def test_business_deadline_across_dst():
    # Friday 2026-03-27 16:00 GMT + 2 h lands on Monday 09:00 IST = 08:00 UTC.
    assert business_deadline(EMEA, utc(2026, 3, 27, 16, 0), timedelta(hours=2)) == utc(2026, 3, 30, 8, 0)


def test_business_deadline_zero_is_next_open():
    assert business_deadline(EMEA, utc(2026, 11, 28, 12, 0), timedelta()) == utc(2026, 11, 30, 8, 0)


def test_parse_and_format_intervals_round_trip():
    text = "Mon-Fri 08:00-17:00; Sat 10:00-14:00, 15:00-18:00; Sun 22:00-06:00"
    parsed = parse_intervals(text)
    assert format_intervals(parsed) == text
    assert parse_intervals(format_intervals(parsed)) == parsed
    assert parse_intervals("Sat-Mon 00:00-24:00") == tuple(Interval(d, time(0), time(0)) for d in (0, 5, 6))
    assert parse_intervals("mon,wed 09:00-12:00") == (
        Interval(0, time(9), time(12)),
        Interval(2, time(9), time(12)),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mon-Fri 8-17", "'8' is not a time like 08:00"),
        ("Funday 08:00-17:00", "'Funday' is not a day"),
        ("Mon 25:00-26:00", "'25:00' is not a valid time"),
        ("08:00-17:00", "should read like 'Mon-Fri 08:00-17:00'"),
        ("Mon 08:00", "'08:00' is not a time range"),
    ],
)
def test_parse_intervals_errors_are_one_clear_line(text, message):
    with pytest.raises(ValueError, match=message):
        parse_intervals(text)


def test_region_validation_errors():
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        region(tz="Mars/Olympus")
    with pytest.raises(ValueError, match="no public holidays known for 'XX'"):
        region(country="XX")
    with pytest.raises(ValueError, match="naive datetime"):
        EMEA.is_open(datetime(2026, 11, 24, 9, 0))


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
languages = st.sampled_from(["en", "fr", "de", "es", "zh-hans", "ja", "pt"])


@settings(max_examples=200, deadline=None)
@given(at=instants, language=languages)
def test_property_next_region_is_open_at_its_instant_and_nobody_opens_earlier(at, language):
    assignment = next_region_for(DEMO, language, at)
    assert assignment is not None
    assert assignment.opens_at >= at
    assert assignment.region.is_open(assignment.opens_at)
    candidates = [r for r in DEMO if r.speaks(language)] or DEMO
    assert all(r.next_open(at) >= assignment.opens_at for r in candidates)
    assert assignment.covers_language == (language != "pt")


@settings(max_examples=200, deadline=None)
@given(at=instants)
def test_property_open_and_close_instants_are_consistent(at):
    for reg in DEMO:
        if reg.is_open(at):
            close = reg.next_close(at)
            assert close > at and not reg.is_open(close) and reg.is_open(close - timedelta(seconds=1))
        else:
            opens = reg.next_open(at)
            assert opens > at and reg.is_open(opens) and not reg.is_open(opens - timedelta(seconds=1))


@settings(max_examples=100, deadline=None)
@given(at=instants, a=st.integers(0, 40 * 60), b=st.integers(0, 40 * 60))
def test_property_business_deadline_is_monotone_and_measures_open_time(at, a, b):
    short, long = sorted((timedelta(minutes=a), timedelta(minutes=b)))
    first, second = business_deadline(EMEA, at, short), business_deadline(EMEA, at, long)
    assert first <= second
    assert business_time_between(EMEA, at, second) == long


def test_schedule_module_imports_nothing_from_django_or_the_project():
    tree = ast.parse(
        (Path(__file__).resolve().parents[2] / "support" / "schedule.py").read_text(encoding="utf-8")
    )
    for node in ast.walk(tree):
        names = (
            [a.name for a in node.names]
            if isinstance(node, ast.Import)
            else ([node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        )
        for name in names:
            top = name.split(".")[0]
            assert top in sys.stdlib_module_names or top in {"holidays", "__future__"}, name
