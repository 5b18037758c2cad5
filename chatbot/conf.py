"""The chatbot's settings and parts, read and assembled once per process."""

from dataclasses import dataclass
from functools import cache

from django.conf import settings

from core.languages import site_languages
from kb.embeddings import sentence_encoder
from kb.indexes import answer_engine
from kb.search.offtopic import offtopic_questions

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


def chat_bot() -> Bot:
    """What `chatbot.answering.respond` needs: the same for the API, `ask` and `evaluate_bot`."""
    return Bot(
        engine_for=answer_engine,
        person_probability=person_detector().probability,
        site_languages=site_languages(),
        max_suggestions=chat_settings().max_suggestions,
    )
