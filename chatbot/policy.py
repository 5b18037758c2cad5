"""What the bot does with a ranking: answer, suggest, or say honestly that it cannot help.
Pure Python: no Django, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .kinds import DECIDED, ReplyKind


class Ranked(Protocol):
    id: object
    score: float  # fused ranking score, the best article's about 1
    confidence: float  # calibrated probability that the article answers the question


class Reason(StrEnum):
    """Why the bot hands a customer to a person."""

    NO_MATCH = "no_match"
    LOW_CONFIDENCE = "low_confidence"
    NEGATIVE_FEEDBACK = "negative_feedback"
    ASKED_FOR_PERSON = "asked_for_person"


# Runners-up are suggested beside the first article while their ranking score is this close to it.
SUGGEST_RELATIVE = 0.7


@dataclass(frozen=True)
class Thresholds:
    """Probabilities, calibrated per help center when its engine is built (kb/search/engine.py)."""

    answer: float  # top confidence at or above: answer with the article
    suggest: float  # at or above (and below `answer`): offer up to `max_suggestions` articles
    max_suggestions: int = 3


@dataclass(frozen=True)
class Decision:
    kind: ReplyKind  # one of kinds.DECIDED: answer, suggestions or cannot_help
    articles: tuple  # the ranked articles to show, best first
    reason: Reason | None = None

    def __post_init__(self) -> None:
        if self.kind not in DECIDED:
            raise ValueError(f"the policy does not decide {self.kind!r}")


def decide(ranked: Sequence[Ranked], thresholds: Thresholds, *, exclude: frozenset = frozenset()) -> Decision:
    """Decide from a ranking, leaving out articles already shown (`exclude`)."""
    candidates = [item for item in ranked if item.id not in exclude]
    if not candidates:
        return Decision(ReplyKind.CANNOT_HELP, (), Reason.NO_MATCH)
    top = candidates[0]
    if top.confidence >= thresholds.answer:
        return Decision(ReplyKind.ANSWER, (top,))
    if top.confidence >= thresholds.suggest:
        # Runners-up far behind the first are noise, not suggestions.
        shown = [top, *(item for item in candidates[1:] if item.score >= SUGGEST_RELATIVE * top.score)]
        return Decision(ReplyKind.SUGGESTIONS, tuple(shown[: thresholds.max_suggestions]))
    return Decision(ReplyKind.CANNOT_HELP, (), Reason.LOW_CONFIDENCE)


def form_suggestions(ranked: Sequence[Ranked], thresholds: Thresholds, *, limit: int = 3) -> tuple:
    """The articles to suggest under a contact form being typed: up to `limit` the engine is at least
    fairly sure of (the chat's suggestion threshold), best first, runners-up only while close to the
    first. A confident answer does not hide the others here: the customer is still writing."""
    sure = [item for item in ranked if item.confidence >= thresholds.suggest]
    if not sure:
        return ()
    top = sure[0]
    return tuple([top, *(item for item in sure[1:] if item.score >= SUGGEST_RELATIVE * top.score)][:limit])
