"""What the bot says to one customer message. The chat API, `manage.py ask` and `manage.py
evaluate_bot` all call `respond`, so offline figures are what customers get. Pure Python: the
engines and the person detector are passed in."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

from . import language as lang
from .acts import LIKELY, Act
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
    # text -> P(act) (chatbot/acts.py); None: every message is a question to search.
    act_probabilities: Callable[[str], Mapping[Act, float]] | None = None


@dataclass(frozen=True)
class Context:
    """What the turns before tell about a new message (chatbot.services reads it from the stored
    conversation)."""

    # The customer's last message, when the bot could not answer it with confidence (refused, or
    # only suggested): the next message may finish the question ("problem with my bill" ->
    # "charged twice").
    unanswered: str = ""
    # The question the articles last shown were for, and every article shown so far.
    question: str = ""
    shown: frozenset = field(default_factory=frozenset)


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
    # Ranked by the words-only engine, the language's full engine being built meanwhile.
    provisional: bool = False
    # The text that was ranked, when not the message alone (joined to an unanswered one before it,
    # or the earlier question a retry asks again).
    searched: str = ""
    retried: bool = False  # the next articles for a question whose first ones did not help


def _base(code: str) -> str:
    return code.split("-")[0]


def respond(bot: Bot, text: str, *, language: str, context: Context = Context()) -> Turn:
    """The bot's turn for `text` in a conversation in `language`, after the turns `context` tells of."""
    detected = lang.detect(text)
    site = list(bot.site_languages)
    if detected and detected not in site and _base(detected) not in {_base(code) for code in site}:
        return Turn(ReplyKind.UNSUPPORTED_LANGUAGE, language, detected=detected)
    switched = bool(detected and detected in site and detected != language)
    if switched:
        language = detected
    searchable = lang.without_markup(text)
    if not searchable.strip():
        # Only markup (`<img src=x onerror=…>`): nothing a customer asks, nothing to search.
        return Turn(ReplyKind.CANNOT_HELP, language, reason=Reason.NO_MATCH, switched=switched)
    text = searchable
    act = _act(bot, text)
    if act == Act.RETRY:
        turn = after_no(bot, context.question, language=language, shown=context.shown)
        return _with(turn, switched=switched, detected=detected or "")
    if act == Act.SUPPORT:
        return Turn(ReplyKind.SUPPORT, language, switched=switched, detected=detected or "")
    engine = bot.engine_for(language)
    thresholds = _thresholds(bot, engine)
    ranked = tuple(engine.rank(text, limit=RANKED))
    decision = decide(ranked, thresholds)
    searched = ""
    if context.unanswered and decision.kind != ReplyKind.ANSWER and act != Act.GREETING:
        # The message may finish the one before it: the two together, when they rank better.
        joined = f"{context.unanswered}\n{text}"
        joined_ranked = tuple(engine.rank(joined, limit=RANKED))
        if joined_ranked and (not ranked or joined_ranked[0].confidence > ranked[0].confidence):
            ranked, decision, searched = joined_ranked, decide(joined_ranked, thresholds), joined
    provisional = bool(getattr(engine, "provisional", False))
    if act == Act.GREETING:
        # A greeting alone gets a greeting, whatever the ranking found for it (the act detector
        # tells "hi" from "hi, I can't log in"; an answer to "hello!" is always a wrong one).
        return Turn(ReplyKind.SMALL_TALK, language, switched=switched, detected=detected or "")
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
            provisional,
            searched,
        )
    return _turn(
        decision,
        language,
        offer_person=person >= MAYBE_PERSON,
        switched=switched,
        person=person,
        ranked=ranked,
        detected=detected or "",
        provisional=provisional,
        searched=searched,
    )


def _act(bot: Bot, text: str) -> Act:
    if bot.act_probabilities is None:
        return Act.OTHER
    probabilities = bot.act_probabilities(text)
    best = max(probabilities, key=probabilities.get)
    return best if probabilities[best] >= LIKELY else Act.OTHER


def _with(turn: Turn, **changes) -> Turn:
    return replace(turn, **changes)


def person_requested(language: str) -> Turn:
    """The widget's "talk to a person" button: a structured request, never searched."""
    return Turn(ReplyKind.OFFER_PERSON, language, reason=Reason.ASKED_FOR_PERSON, person=1.0)


def after_no(bot: Bot, question: str, *, language: str, shown: frozenset) -> Turn:
    """ "No, that didn't help": the next suggestions for the last question, else the offer of a person."""
    engine = bot.engine_for(language)
    provisional = bool(getattr(engine, "provisional", False))
    ranked = tuple(engine.rank(question, limit=8)) if question else ()
    decision = decide(ranked, _thresholds(bot, engine), exclude=shown)
    if decision.kind == ReplyKind.CANNOT_HELP:
        return Turn(
            ReplyKind.OFFER_PERSON,
            language,
            reason=Reason.NEGATIVE_FEEDBACK,
            ranked=ranked,
            provisional=provisional,
            searched=question,
        )
    return Turn(
        ReplyKind.SUGGESTIONS,
        language,
        decision.articles,
        ranked=ranked,
        provisional=provisional,
        searched=question,
        retried=True,
    )


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
