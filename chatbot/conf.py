"""The chatbot's settings and parts, read and assembled once per process."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings

from core.languages import site_languages
from kb.embeddings import sentence_encoder
from kb.indexes import answer_engine
from kb.search.offtopic import offtopic_questions

from . import acts
from .answering import Bot
from .person import PersonDetector, examples


@dataclass(frozen=True)
class ChatSettings:
    rate: str  # per client, as django-ratelimit reads it ("30/m")
    max_suggestions: int
    suggest_rate: str  # the contact form's article suggestions, per client, while typing
    poll_rate: str  # the live chat's polling fallback, per client (one poll every 2 s: 30/m)


@cache
def chat_settings() -> ChatSettings:
    return ChatSettings(
        rate=settings.HELPCENTER_CHAT_RATE,
        max_suggestions=settings.HELPCENTER_CHAT_MAX_SUGGESTIONS,
        suggest_rate=settings.HELPCENTER_SUGGEST_RATE,
        poll_rate=settings.HELPCENTER_CHAT_POLL_RATE,
    )


def person_detector_for(encoder) -> PersonDetector:
    """Trained from the shipped examples, requests for a person against questions with person-words
    and off-topic questions in every site language (a fraction of a second, embeddings cached)."""
    labelled = list(examples())
    for code in site_languages():
        labelled += [(text, False) for text in offtopic_questions(code)]
    return PersonDetector.train(list(dict.fromkeys(labelled)), encoder=encoder)


def person_detector() -> PersonDetector:
    """The site's, trained once per process (and sentence encoder)."""
    return _person_detector(sentence_encoder())


@cache
def _person_detector(encoder) -> PersonDetector:
    return person_detector_for(encoder)


def act_detector_for(encoder) -> acts.ActDetector:
    """Trained from the shipped examples of greetings, retries and questions about support, against
    ordinary questions, requests for a person and off-topic questions in every site language."""
    labelled = list(acts.examples())
    greetings = {_plain(text) for text, act in labelled if act == acts.Act.GREETING}
    labelled += [(text, acts.Act.OTHER.value) for text, person in examples() if person]
    for code in site_languages():
        labelled += [
            (text, acts.Act.OTHER.value)
            for text in offtopic_questions(code, kinds=("near", "junk", ""))
            if _plain(text) not in greetings
        ]
    return acts.ActDetector.train(list(dict.fromkeys(labelled)), encoder=encoder)


def _plain(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


@cache
def act_detector() -> acts.ActDetector:
    """The site's, trained once per process."""
    return act_detector_for(sentence_encoder())


def chat_bot() -> Bot:
    """What `chatbot.answering.respond` needs: the same for the API, `ask` and `evaluate_bot`."""
    return Bot(
        engine_for=answer_engine,
        person_probability=person_detector().probability,
        act_probabilities=act_detector().probabilities,
        site_languages=site_languages(),
        max_suggestions=chat_settings().max_suggestions,
    )
