"""When someone speaks a language, as a visitor's wall-clock week (support/schedule.py, pure)."""

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from support.schedule import MIDNIGHT, LocalHours, RegionSchedule, language_hours_in, parse_intervals


def region(code, tz, hours, languages):
    return RegionSchedule(code, code, tz, frozenset(languages), parse_intervals(hours))


AT = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EMEA = region("EMEA", "Europe/Dublin", "Mon-Fri 08:00-17:00", ("en", "fr"))
AMER = region("AMER", "America/Denver", "Mon-Fri 08:00-17:00; Sat 10:00-14:00", ("en", "es"))


def test_french_week_in_paris_is_the_dublin_team_an_hour_later():
    week = language_hours_in([EMEA, AMER], "fr", ZoneInfo("Europe/Paris"), AT)
    assert week == [LocalHours(day, time(9), time(18)) for day in range(5)]


def test_regions_speaking_the_language_are_merged_and_weekends_kept():
    # English in London: Dublin 08:00-17:00 then Denver 15:00-24:00 (its 08:00-17:00), one span;
    # Denver's Saturday 10:00-14:00 is 17:00-21:00 in London.
    week = language_hours_in([EMEA, AMER], "en", ZoneInfo("Europe/London"), AT)
    assert week == [LocalHours(day, time(8), MIDNIGHT) for day in range(5)] + [
        LocalHours(5, time(17), time(21))
    ]


def test_a_language_nobody_speaks_has_no_hours():
    assert language_hours_in([EMEA, AMER], "ja", ZoneInfo("Asia/Tokyo"), AT) == []
