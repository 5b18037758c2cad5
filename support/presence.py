"""Agents' presence and who can take a live chat (pure Python: no Django import).

An agent is online, away or offline: what they chose, made "away" after a time without activity and
"offline" when no agents' page of theirs has been heard from (closed tab, lost network). They are
available for a language when online, on shift in a region that answers it and under their own
limit of concurrent chats."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from .schedule import RegionSchedule, language_matches

ONLINE, AWAY, OFFLINE = "online", "away", "offline"


def effective_presence(
    chosen: str,
    *,
    last_seen: datetime | None,
    last_active: datetime | None,
    now: datetime,
    away_after: timedelta,
    offline_after: timedelta,
) -> str:
    """What others see: the agent's choice, unless their page went quiet (offline) or they stopped
    using it (away)."""
    if chosen == OFFLINE or last_seen is None or now - last_seen > offline_after:
        return OFFLINE
    if chosen == AWAY or last_active is None or now - last_active > away_after:
        return AWAY
    return ONLINE


@dataclass(frozen=True)
class AgentState:
    agent_id: int
    presence: str  # effective
    region_codes: frozenset[str]
    chats: int  # live chats held now
    max_chats: int


@dataclass(frozen=True)
class Candidate:
    agent_id: int
    region: RegionSchedule
    free: int  # chats they can still take


def available_agents(
    agents: Iterable[AgentState], regions: Iterable[RegionSchedule], language: str, at: datetime
) -> list[Candidate]:
    """Agents who can take a chat in `language` at `at`, the least busy first, each with the first
    region (display order) they are on shift in that answers the language."""
    open_regions = sorted(
        (r for r in regions if language_matches(language, r.languages) and r.is_open(at)),
        key=lambda r: (r.order, r.code),
    )
    found = []
    for agent in agents:
        if agent.presence != ONLINE or agent.chats >= agent.max_chats:
            continue
        region = next((r for r in open_regions if r.code in agent.region_codes), None)
        if region is not None:
            found.append(Candidate(agent.agent_id, region, agent.max_chats - agent.chats))
    return sorted(found, key=lambda c: (-c.free, c.agent_id))
