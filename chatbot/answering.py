"""What the bot says to one customer message. The chat API, `manage.py ask` and `manage.py
evaluate_bot` all call `respond`, so offline figures are what customers get. Pure Python: the
engines and the person detector are passed in."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import language as lang
from .kinds import ReplyKind  # the kinds of reply, also imported from here
from .policy import Decision, Reason, Thresholds, decide

# P(the message asks for a person), chatbot/person.py. At or above MAINLY_PERSON the message is a
# request for a person; from MAYBE_PERSON (in doubt) the bot answers and offers a person too.
MAINLY_PERSON = 0.5
MAYBE_PERSON = 0.3
# Below this a request for a person that an article answers with confidence ("人工客服的工作时间是几点",
# the hours of the human support team) gets the answer, with the offer of a person beside it.
CERTAINLY_PERSON = 0.8
RANKED = 5


@dataclass(frozen=True)
class Bot:
    engine_for: Callable[[str], object]  # language -> AnswerEngine
    person_probability: Callable[[str], float]
    site_languages: Sequence[str]
    max_suggestions: int = 3


@dataclass(frozen=True)
class Turn:
    kind: ReplyKind
    language: str  # the language to answer in (the conversation's, or the one just switched to)
    articles: tuple = ()  # RankedArticle, best first
    reason: Reason | None = None  # why a person is offered instead of an answer
    offer_person: bool = False  # an answer or suggestions that also offer a person
    switched: bool = False  # the message was clearly in another site language: `language` is it
    person: float = 0.0
    ranked: tuple = ()  # the whole ranking, for `ask` and the evaluation
    detected: str = ""  # the language the message is clearly written in ("" when unclear)


def _base(code: str) -> str:
    return code.split("-")[0]


def respond(bot: Bot, text: str, *, language: str) -> Turn:
    """The bot's turn for `text` in a conversation in `language`."""
    detected = lang.detect(text)
    site = list(bot.site_languages)
    if detected and detected not in site and _base(detected) not in {_base(code) for code in site}:
        return Turn(ReplyKind.UNSUPPORTED_LANGUAGE, language, detected=detected)
    switched = bool(detected and detected in site and detected != language)
    if switched:
        language = detected
    engine = bot.engine_for(language)
    ranked = tuple(engine.rank(text, limit=RANKED))
    decision = decide(ranked, _thresholds(bot, engine))
    person = bot.person_probability(text)
    if person >= MAINLY_PERSON and (person >= CERTAINLY_PERSON or decision.kind != ReplyKind.ANSWER):
        # Asked for a person: offered at once, with whatever the search found to read meanwhile.
        return Turn(
            ReplyKind.OFFER_PERSON,
            language,
            decision.articles,
            Reason.ASKED_FOR_PERSON,
            False,
            switched,
            person,
            ranked,
            detected or "",
        )
    return _turn(
        decision,
        language,
        offer_person=person >= MAYBE_PERSON,
        switched=switched,
        person=person,
        ranked=ranked,
        detected=detected or "",
    )


def person_requested(language: str) -> Turn:
    """The widget's "talk to a person" button: a structured request, never searched."""
    return Turn(ReplyKind.OFFER_PERSON, language, reason=Reason.ASKED_FOR_PERSON, person=1.0)


def after_no(bot: Bot, question: str, *, language: str, shown: frozenset) -> Turn:
    """ "No, that didn't help": the next suggestions for the last question, else the offer of a person."""
    engine = bot.engine_for(language)
    ranked = tuple(engine.rank(question, limit=8)) if question else ()
    decision = decide(ranked, _thresholds(bot, engine), exclude=shown)
    if decision.kind == ReplyKind.CANNOT_HELP:
        return Turn(ReplyKind.OFFER_PERSON, language, reason=Reason.NEGATIVE_FEEDBACK, ranked=ranked)
    return Turn(ReplyKind.SUGGESTIONS, language, decision.articles, ranked=ranked)


def _thresholds(bot: Bot, engine) -> Thresholds:
    answer, suggest = engine.thresholds
    return Thresholds(answer=answer, suggest=suggest, max_suggestions=bot.max_suggestions)


def _turn(decision: Decision, language: str, **extra) -> Turn:
    if decision.kind == ReplyKind.ANSWER:
        return Turn(ReplyKind.ANSWER, language, decision.articles, **extra)
    if decision.kind == ReplyKind.SUGGESTIONS:
        return Turn(ReplyKind.SUGGESTIONS, language, decision.articles, **extra)
    extra.pop("offer_person", None)
    return Turn(ReplyKind.CANNOT_HELP, language, (), decision.reason or Reason.NO_MATCH, **extra)
