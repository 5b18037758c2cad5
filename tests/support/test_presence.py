from datetime import UTC, datetime, timedelta

from support.presence import AgentState, available_agents, effective_presence
from support.schedule import RegionSchedule, parse_intervals

NOW = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Dublin
AWAY, OFFLINE = timedelta(minutes=10), timedelta(seconds=90)


def _presence(chosen, seen_ago, active_ago):
    return effective_presence(
        chosen,
        last_seen=None if seen_ago is None else NOW - seen_ago,
        last_active=None if active_ago is None else NOW - active_ago,
        now=NOW,
        away_after=AWAY,
        offline_after=OFFLINE,
    )


def test_presence_online_only_while_the_page_is_heard_and_used():
    assert [
        _presence("online", timedelta(seconds=5), timedelta(minutes=1)),
        _presence("online", timedelta(seconds=5), timedelta(minutes=11)),  # idle: away
        _presence("online", timedelta(minutes=2), timedelta(minutes=2)),  # page gone: offline
        _presence("away", timedelta(seconds=5), timedelta(seconds=5)),  # chosen by hand
        _presence("offline", timedelta(seconds=5), timedelta(seconds=5)),
        _presence("online", None, None),
    ] == ["online", "away", "offline", "away", "offline", "offline"]


def _region(code, languages, hours="Mon-Fri 08:00-17:00", tz="Europe/Dublin", order=0):
    return RegionSchedule(
        code=code,
        name=code,
        timezone=tz,
        languages=frozenset(languages),
        intervals=parse_intervals(hours),
        order=order,
    )


def test_available_for_a_language_needs_online_on_shift_answering_it_and_under_the_limit():
    emea = _region("EMEA", ["en", "fr"])
    amer = _region("AMER", ["en", "es"], tz="America/Denver")
    agents = [
        AgentState(1, "online", frozenset({"EMEA"}), chats=1, max_chats=3),
        AgentState(2, "online", frozenset({"EMEA"}), chats=3, max_chats=3),  # at their limit
        AgentState(3, "away", frozenset({"EMEA"}), chats=0, max_chats=3),
        AgentState(4, "online", frozenset({"AMER"}), chats=0, max_chats=3),  # no French; closed
        AgentState(5, "online", frozenset({"EMEA"}), chats=0, max_chats=2),
    ]
    found = available_agents(agents, [emea, amer], "fr", NOW)
    assert [(c.agent_id, c.region.code, c.free) for c in found] == [(1, "EMEA", 2), (5, "EMEA", 2)]


def test_nobody_is_available_at_17_05_dublin_time_for_french():
    emea = _region("EMEA", ["en", "fr"])
    agents = [AgentState(1, "online", frozenset({"EMEA"}), chats=0, max_chats=3)]
    assert available_agents(agents, [emea], "fr", datetime(2026, 12, 8, 17, 5, tzinfo=UTC)) == []
