"""Conversations: every customer message is stored before the bot answers, and escalation goes
through support's ticket_create with the whole transcript."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import get_text_list
from django.utils.translation import get_language_info

from core.languages import site_languages
from kb.indexes import answer_engine, article_links
from kb.services import article_shown_record
from support.models import TicketSource
from support.notifications import outlook_sentence
from support.selectors import language_outlook, ticket_opening_phrase
from support.services import NoRegionError, TicketCreated, ticket_create  # noqa: F401 - re-exported for views

from . import phrases
from .answering import ReplyKind, Turn, after_no, person_requested, respond
from .conf import chat_bot
from .language import detect
from .models import Conversation, ConversationStatus, Message, Role
from .policy import Reason, Thresholds, form_suggestions


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    articles: list[dict] = field(default_factory=list)
    message: Message | None = None
    language: str = ""


def _join(language: str, *parts) -> str:
    """Sentences joined the way the language writes them: no space after a CJK full stop."""
    separator = "" if language.split("-")[0] in {"zh", "ja"} else " "
    return separator.join(str(part) for part in parts if str(part))


def conversation_start(*, language: str, timezone_name: str, owner: str) -> tuple[Conversation, Message]:
    """Open a conversation and greet the customer in the page's language; returns both."""
    with translation.override(language):
        greeting = str(phrases.GREETING)
    with transaction.atomic():
        conversation = Conversation.objects.create(language=language, timezone=timezone_name, owner=owner)
        message = Message.objects.create(
            conversation=conversation,
            role=Role.BOT,
            text=greeting,
            decision=ReplyKind.GREETING,
            language=language,
        )
    return conversation, message


def _shown_ids(conversation: Conversation) -> set[int]:
    shown = set()
    for articles in conversation.messages.filter(role=Role.BOT).values_list("articles", flat=True):
        shown.update(item["id"] for item in articles)
    return shown


def _article_cards(ranked, language: str) -> list[dict]:
    # Only what a card shows: the title and address in the language, else in the source language
    # (the fallback the pages use), held beside the engine (kb.indexes.article_links).
    links = article_links(language, [item.id for item in ranked])
    return [
        {
            "id": item.id,
            "slug": link.slug,
            "title": link.title,
            "url": link.url,
            "language": link.language,
            "snippet": item.snippet,
            "score": item.score,
            "confidence": item.confidence,
        }
        for item in ranked
        if (link := links.get(item.id)) is not None
    ]


def _bot_message(conversation: Conversation, plan: "_Plan") -> Message:
    """The bot's answer as an unsaved message, in the conversation's (possibly just switched) language."""
    return Message(
        conversation=conversation,
        role=Role.BOT,
        text=str(plan.text),
        decision=plan.kind,
        articles=plan.articles,
        language=conversation.language,
    )


def _shown_record(answer: Message) -> None:
    """Tell kb which articles this answer showed, for the translators' priorities."""
    if answer.articles:
        article_shown_record(article_ids=[item["id"] for item in answer.articles], language=answer.language)


def _reply(conversation: Conversation, message: Message) -> Reply:
    return Reply(
        kind=message.decision,
        text=message.text,
        articles=message.articles,
        message=message,
        language=conversation.language,
    )


@dataclass
class _Plan:
    """The bot's answer worked out before anything is written: the write transaction (which takes
    SQLite's single write lock) then lasts two inserts, not the ranking."""

    kind: str
    text: str
    articles: list[dict] = field(default_factory=list)
    updates: dict = field(default_factory=dict)  # conversation fields to change
    detected: str = ""  # the site language the customer's message is clearly in, if any


def _update(conversation: Conversation, updates: dict) -> None:
    """Write the fields that change (a second "cannot help" repeats the reason already stored)."""
    changed = [name for name, value in updates.items() if getattr(conversation, name) != value]
    for name in changed:
        setattr(conversation, name, updates[name])
    if changed:
        conversation.save(update_fields=changed)


def _plan(conversation: Conversation, text: str) -> _Plan:
    if conversation.status == ConversationStatus.ESCALATED and conversation.ticket_id:
        with translation.override(conversation.language):
            return _Plan(
                ReplyKind.ESCALATED,
                phrases.ALREADY_ESCALATED % {"reference": conversation.ticket.reference},
                detected=detect(text) or "",
            )
    turn = respond(chat_bot(), text, language=conversation.language)
    plan = _plan_turn(turn, conversation)
    plan.detected = turn.detected
    return plan


def _outlook(conversation: Conversation, language: str) -> tuple:
    """Before the customer leaves an e-mail: who answers in their language, when (their time) and
    the usual wait, so that they can decide whether to wait (one sentence or two, or nothing)."""
    now = timezone.now()
    # Read once a minute per language: every "cannot help" reply says it, and it changes slowly.
    key = f"chatbot:outlook:{language}:{int(now.timestamp() // 60)}"
    outlook = cache.get(key)
    if outlook is None:
        outlook = language_outlook(language=language, now=now) or False
        cache.set(key, outlook, 120)
    if not outlook:
        return ()
    try:
        zone = ZoneInfo(conversation.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    return (outlook_sentence(outlook, zone, now=now),)


def _plan_turn(turn: Turn, conversation: Conversation) -> _Plan:
    """The words, cards and conversation changes for a turn of the bot (chatbot.answering)."""
    language, updates, prefix = turn.language, {}, ""
    if turn.switched:
        updates["language"] = language
        with translation.override(language):
            prefix = phrases.LANGUAGE_SWITCHED % {"language": get_language_info(language)["name_local"]}
    if turn.reason is not None:
        updates["handoff_reason"] = turn.reason.value
    with translation.override(language):
        if turn.kind == ReplyKind.UNSUPPORTED_LANGUAGE:
            names = get_text_list([get_language_info(code)["name_local"] for code in site_languages()], ", ")
            return _Plan(turn.kind, phrases.UNSUPPORTED_LANGUAGE % {"languages": names})
        cards = _article_cards(turn.articles, language)
        offer = (phrases.OFFER_PERSON_TOO,) if turn.offer_person else ()
        if turn.kind == ReplyKind.ANSWER:
            return _Plan(
                turn.kind,
                _join(language, prefix, phrases.ANSWER, phrases.DID_IT_HELP, *offer),
                cards,
                updates,
            )
        if turn.kind == ReplyKind.SUGGESTIONS:
            return _Plan(turn.kind, _join(language, prefix, phrases.SUGGESTIONS, *offer), cards, updates)
        if turn.kind == ReplyKind.OFFER_PERSON:
            if turn.reason == Reason.NEGATIVE_FEEDBACK:
                return _Plan(
                    turn.kind,
                    _join(
                        language, phrases.CANNOT_HELP, phrases.OFFER_PERSON, *_outlook(conversation, language)
                    ),
                    updates=updates,
                )
            meanwhile = (phrases.MEANWHILE,) if cards else ()
            return _Plan(
                turn.kind,
                _join(language, prefix, phrases.ASKED_PERSON, *_outlook(conversation, language), *meanwhile),
                cards,
                updates,
            )
        return _Plan(
            turn.kind,
            _join(
                language, prefix, phrases.CANNOT_HELP, phrases.OFFER_PERSON, *_outlook(conversation, language)
            ),
            updates=updates,
        )


def conversation_message(*, conversation: Conversation, text: str) -> Reply:
    """Store what the customer wrote and the answer, together: switch language if the message is
    clearly in another site language, offer a person on request, else search and apply the policy.
    The answer is worked out first; the customer's message and the answer are saved in one
    transaction, so a failure saves neither and the customer can simply send again."""
    plan = _plan(conversation, text)
    return _save_exchange(conversation, plan, text, plan.detected)


def _save_exchange(conversation: Conversation, plan: "_Plan", asked: str, asked_language: str) -> Reply:
    """The customer's message and the bot's answer, saved together with the conversation's changes."""
    with transaction.atomic():
        _update(conversation, plan.updates)
        question = Message(conversation=conversation, role=Role.CUSTOMER, text=asked, language=asked_language)
        answer = _bot_message(conversation, plan)
        # One INSERT for both rows (in this order, so the question sorts first).
        Message.objects.bulk_create([question, answer])
    _shown_record(answer)
    return _reply(conversation, answer)


def conversation_request_person(*, conversation: Conversation) -> Reply:
    """The widget's "talk to a person" button: recorded in the transcript as the customer's request
    and answered with the offer of a person, without searching."""
    if conversation.status == ConversationStatus.ESCALATED and conversation.ticket_id:
        plan = _plan(conversation, "")
    else:
        plan = _plan_turn(person_requested(conversation.language), conversation)
    with translation.override(conversation.language):
        asked = str(phrases.PERSON_REQUESTED)
    return _save_exchange(conversation, plan, asked, conversation.language)


def conversation_feedback(*, conversation: Conversation, message: Message, helpful: bool) -> Reply:
    """Record "did this help?" on a bot message; "no" brings the next suggestions, then a person.
    As for messages, the next answer is ranked before the short write transaction."""
    if helpful:
        with translation.override(conversation.language):
            plan = _Plan(ReplyKind.THANKS, str(phrases.THANKS_HELPFUL))
    else:
        last_question = (
            conversation.messages.filter(role=Role.CUSTOMER).order_by("-created_at", "-id").first()
        )
        turn = after_no(
            chat_bot(),
            last_question.text if last_question else "",
            language=conversation.language,
            shown=frozenset(_shown_ids(conversation)),
        )
        plan = _plan_turn(turn, conversation)
        if turn.kind == ReplyKind.SUGGESTIONS:
            with translation.override(conversation.language):
                plan.text = str(phrases.NEXT_SUGGESTIONS)
    with transaction.atomic():
        message.helpful = helpful
        message.save(update_fields=["helpful"])
        _update(conversation, plan.updates)
        answer = _bot_message(conversation, plan)
        answer.save()
    _shown_record(answer)
    return _reply(conversation, answer)


def _transcript(conversation: Conversation) -> list[dict]:
    return [
        {
            "role": m.role,
            "text": m.text,
            "at": m.created_at.isoformat(timespec="seconds"),
            "decision": m.decision,
            "articles": [
                {"slug": a["slug"], "title": a["title"], "confidence": a["confidence"]} for a in m.articles
            ],
            "helpful": m.helpful,
        }
        for m in conversation.messages.all()
    ]


@dataclass(frozen=True)
class Escalation:
    created: TicketCreated
    text: str


def conversation_escalate(
    *, conversation: Conversation, email: str, name: str = "", now: datetime | None = None
) -> Escalation:
    """Hand the conversation to a person: one ticket (idempotent per conversation) with the whole
    transcript, the articles shown and the feedback on them; the reply says who answers and when."""
    now = now or timezone.now()
    first = conversation.messages.filter(role=Role.CUSTOMER).first()
    subject = (first.text if first else str(phrases.CANNOT_HELP))[:120]
    with transaction.atomic():
        created = ticket_create(
            requester_email=email,
            requester_name=name,
            subject=subject,
            message="\n".join(m.text for m in conversation.messages.filter(role=Role.CUSTOMER)) or subject,
            language=conversation.language,
            customer_timezone=conversation.timezone,
            source=TicketSource.CHAT,
            transcript=_transcript(conversation),
            idempotency_key=f"chat:{conversation.id}",
            now=now,
        )
        conversation.ticket = created.ticket
        conversation.status = ConversationStatus.ESCALATED
        conversation.handoff_reason = conversation.handoff_reason or Reason.ASKED_FOR_PERSON.value
        conversation.ended_at = now
        conversation.save(update_fields=["ticket", "status", "handoff_reason", "ended_at"])
        ticket = created.ticket
        with translation.override(conversation.language):
            if created.open_now:
                text = phrases.ESCALATED_NOW % {
                    "region": ticket.region.name,
                    "email": ticket.requester_email,
                    "reference": ticket.reference,
                }
            else:
                when = ticket_opening_phrase(ticket, created.opens_at, now=now)
                text = phrases.ESCALATED_LATER % {
                    "region": ticket.region.name,
                    "time": when["time"],
                    "weekday": when["weekday"],
                    "delay": when["in"] or "0",
                    "email": ticket.requester_email,
                    "reference": ticket.reference,
                }
        Message.objects.create(
            conversation=conversation,
            role=Role.BOT,
            text=text,
            decision=ReplyKind.ESCALATED,
            language=conversation.language,
        )
    return Escalation(created=created, text=text)


def contact_form_suggestions(*, text: str, language: str, limit: int = 3) -> list[dict]:
    """Up to `limit` articles in `language` for what a customer is typing on the contact form, as
    chat cards (title, address, snippet, calibrated confidence), with the chat's engine and policy."""
    engine = answer_engine(language)
    answer, suggest = engine.thresholds
    ranked = engine.rank(text, limit=8)
    chosen = form_suggestions(
        ranked, Thresholds(answer=answer, suggest=suggest, max_suggestions=limit), limit=limit
    )
    return _article_cards(chosen, language)
