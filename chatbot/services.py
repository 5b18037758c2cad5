"""Conversations: every customer message is stored before the bot answers, and escalation goes
through support's ticket_create with the whole transcript."""

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core.languages import is_site_language, site_languages, source_language
from kb.indexes import answer_engine, engines_warm
from kb.indexes import article_links as article_cards_links
from kb.languages import name_in_sentence, names_list
from kb.models import Article
from kb.selectors import article_by_slug
from kb.services import article_questions_add, article_shown_record
from support.models import MessageKind, TicketMessage, TicketSource
from support.notifications import outlook_sentence
from support.selectors import language_outlook, support_overview, ticket_opening_phrase
from support.services import NoRegionError, TicketCreated, ticket_create  # noqa: F401 - re-exported for views

from . import live_phrases, phrases
from .answering import Context, ReplyKind, Turn, after_no, person_requested, respond
from .conf import act_detector, chat_bot, person_detector
from .language import detect
from .live import live_availability
from .models import (
    Conversation,
    ConversationStatus,
    Message,
    PhrasingProposal,
    ProposalSource,
    ProposalStatus,
    Role,
)
from .policy import Reason, Thresholds, form_suggestions
from .proposals import article_links, phrasing_text


@dataclass(frozen=True)
class Reply:
    kind: str
    text: str
    articles: list[dict] = field(default_factory=list)
    message: Message | None = None
    language: str = ""
    follow_up: str = ""  # said below the articles


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
        shown.update(item["id"] for item in articles if item.get("id") is not None)
    return shown


# Kinds of bot reply after which the customer's message is still waiting for a confident answer.
UNANSWERED = (ReplyKind.CANNOT_HELP, ReplyKind.SUGGESTIONS)


def _context(conversation: Conversation) -> Context:
    """What the turns so far tell about the next message (one query; conversations are short)."""
    rows = list(
        conversation.messages.order_by("created_at", "id").values_list(
            "role", "text", "decision", "articles", "searched"
        )
    )
    unanswered = question = ""
    shown: set = set()
    asked = ""
    for role, text, decision, articles, searched in rows:
        if role == Role.CUSTOMER:
            asked = text
            continue
        ids = [item["id"] for item in articles if item.get("id") is not None]
        shown.update(ids)
        if ids:
            question = searched or asked
        unanswered = (searched or asked) if decision in UNANSWERED and asked else ""
        asked = ""
    return Context(unanswered=unanswered, question=question, shown=frozenset(shown))


def _article_cards(ranked, language: str) -> list[dict]:
    # Only what a card shows: the title and address in the language, else in the source language
    # (the fallback the pages use), held beside the engine (kb.indexes.article_links).
    links = article_cards_links(language, [item.id for item in ranked])
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
        follow_up=str(plan.follow_up),
        decision=plan.kind,
        articles=plan.articles,
        language=conversation.language,
        provisional=plan.provisional,
        searched=plan.searched,
    )


def _shown_record(answer: Message) -> None:
    """Tell kb which articles this answer showed, for the translators' priorities."""
    ids = [item["id"] for item in answer.articles if item.get("id") is not None]
    if ids:
        article_shown_record(article_ids=ids, language=answer.language)


def _reply(conversation: Conversation, message: Message) -> Reply:
    return Reply(
        kind=message.decision,
        text=message.text,
        articles=message.articles,
        message=message,
        language=conversation.language,
        follow_up=message.follow_up,
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
    follow_up: str = ""  # said below the articles
    provisional: bool = False  # ranked by the words-only engine while the full one was built
    searched: str = ""  # what was ranked, when not the message alone (chatbot.answering.Turn)


def _update(conversation: Conversation, updates: dict) -> None:
    """Write the fields that change (a second "cannot help" repeats the reason already stored)."""
    changed = [name for name, value in updates.items() if getattr(conversation, name) != value]
    for name in changed:
        setattr(conversation, name, updates[name])
    if changed:
        conversation.save(update_fields=changed)


def _plan(conversation: Conversation, text: str, now: datetime | None = None) -> _Plan:
    if conversation.status == ConversationStatus.ESCALATED and conversation.ticket_id:
        with translation.override(conversation.language):
            return _Plan(
                ReplyKind.ESCALATED,
                phrases.ALREADY_ESCALATED % {"reference": conversation.ticket.reference},
                detected=detect(text) or "",
            )
    turn = respond(chat_bot(), text, language=conversation.language, context=_context(conversation))
    plan = _plan_turn(turn, conversation, now=now)
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
    return (outlook_sentence(outlook, zone, now=now, zone_known=bool(conversation.timezone)),)


def _support_plan(
    conversation: Conversation, language: str, prefix: str, now: datetime | None
) -> tuple[str, list[dict], str]:
    """A question about support itself, answered from support's live schedule in the customer's
    language and time zone: who answers next and the usual wait, when someone speaks the language
    (weekends included), the languages answered, and the support page as a card."""
    now = now or timezone.now()
    try:
        zone = ZoneInfo(conversation.timezone)
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    overview = support_overview(language=language, zone=zone, now=now)
    name = name_in_sentence(language, language)
    if overview["hours"]:
        # Translators: what separates the days of a list of opening hours
        # ("Monday 08:00–12:00, 14:00–18:00; Tuesday …").
        separator = pgettext("list of days", "; ")
        hours = separator.join(
            f"{row['day']} {names_list_of(list(row['hours']))}" for row in overview["hours"]
        )
        week = [phrases.SUPPORT_HOURS % {"language": name, "hours": hours}]
        if overview["closed"]:
            days = names_list_of([str(day) for day in overview["closed"]], last=True)
            week.append(phrases.SUPPORT_CLOSED_DAYS % {"language": name, "days": days})
    else:
        week = [phrases.SUPPORT_NO_HOURS % {"language": name}]
    languages = overview["languages"]
    spoken = (phrases.SUPPORT_LANGUAGES % {"languages": languages},) if languages else ()
    text = _join(language, prefix, overview["who"], *week, *spoken)
    card = {
        "id": None,
        "slug": "",
        "title": str(phrases.SUPPORT_PAGE_TITLE),
        "url": overview["url"],
        "language": language,
        "snippet": "",
        "score": 1.0,
        "confidence": 1.0,
    }
    return text, [card], str(phrases.SUPPORT_PAGE)


def names_list_of(items: list[str], *, last: bool = False) -> str:
    """Items joined as the active language writes a list ("A, B and C" with `last`, else "A, B, C")."""
    comma = pgettext("list", ", ")
    if not last or len(items) < 2:
        return comma.join(items)
    return comma.join(items[:-1]) + pgettext("list, before the last item", " and ") + items[-1]


def _plan_turn(turn: Turn, conversation: Conversation, *, now: datetime | None = None) -> _Plan:
    """The words, cards and conversation changes for a turn of the bot (chatbot.answering)."""
    plan = _plan_words(turn, conversation, now)
    plan.provisional = turn.provisional
    plan.searched = turn.searched
    return plan


def _plan_words(turn: Turn, conversation: Conversation, now: datetime | None) -> _Plan:
    language, updates, prefix = turn.language, {}, ""
    if turn.switched:
        updates["language"] = language
        with translation.override(language):
            prefix = phrases.LANGUAGE_SWITCHED % {"language": name_in_sentence(language, language)}
    if turn.reason is not None:
        updates["handoff_reason"] = turn.reason.value
    with translation.override(language):
        if turn.kind == ReplyKind.UNSUPPORTED_LANGUAGE:
            names = names_list(site_languages(), language)
            return _Plan(turn.kind, phrases.UNSUPPORTED_LANGUAGE % {"languages": names})
        if turn.kind == ReplyKind.SMALL_TALK:
            return _Plan(turn.kind, _join(language, prefix, phrases.SMALL_TALK), updates=updates)
        if turn.kind == ReplyKind.SUPPORT:
            text, cards, follow_up = _support_plan(conversation, language, prefix, now)
            return _Plan(turn.kind, text, cards, updates, follow_up=follow_up)
        cards = _article_cards(turn.articles, language)
        offer = (phrases.OFFER_PERSON_TOO,) if turn.offer_person else ()
        count = {"count": len(cards)}
        if turn.kind == ReplyKind.ANSWER:
            return _Plan(
                turn.kind,
                _join(language, prefix, phrases.ANSWER),
                cards,
                updates,
                follow_up=_join(language, phrases.DID_IT_HELP, *offer),
            )
        if turn.kind == ReplyKind.SUGGESTIONS:
            introduction = phrases.NEXT_SUGGESTIONS if turn.retried else phrases.SUGGESTIONS
            return _Plan(
                turn.kind,
                _join(language, prefix, introduction % count),
                cards,
                updates,
                follow_up=_join(language, phrases.DID_THEY_HELP % count, *offer),
            )
        if turn.kind == ReplyKind.OFFER_PERSON:
            if turn.reason == Reason.NEGATIVE_FEEDBACK:
                return _Plan(
                    turn.kind,
                    _join(
                        language, phrases.CANNOT_HELP, phrases.OFFER_PERSON, *_outlook(conversation, language)
                    ),
                    updates=updates,
                )
            meanwhile = (phrases.MEANWHILE % count,) if cards else ()
            # Someone can chat now (chatbot/live.py): the same e-mail form, then the line.
            asked = (
                (live_phrases.PERSON_AVAILABLE,)
                if live_availability(language=language, now=timezone.now())
                else (phrases.ASKED_PERSON, *_outlook(conversation, language))
            )
            return _Plan(
                turn.kind,
                _join(language, prefix, *asked, *meanwhile),
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


def conversation_message(*, conversation: Conversation, text: str, now: datetime | None = None) -> Reply:
    """Store what the customer wrote and the answer, together: switch language if the message is
    clearly in another site language, offer a person on request, else search and apply the policy.
    The answer is worked out first; the customer's message and the answer are saved in one
    transaction, so a failure saves neither and the customer can simply send again. `now`: the
    instant the schedule is read at (the clock unless given)."""
    plan = _plan(conversation, text, now)
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
        context = _context(conversation)
        turn = after_no(chat_bot(), context.question, language=conversation.language, shown=context.shown)
        plan = _plan_turn(turn, conversation)
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
            "text": _join(m.language, m.text, m.follow_up, *_provisional_note(m)),
            "at": m.created_at.isoformat(timespec="seconds"),
            "decision": m.decision,
            "articles": [
                {"slug": a["slug"], "title": a["title"], "confidence": a["confidence"]} for a in m.articles
            ],
            "helpful": m.helpful,
        }
        for m in conversation.messages.all()
    ]


def _provisional_note(message: Message) -> tuple:
    if not message.provisional:
        return ()
    with translation.override(message.language or None):
        return (str(phrases.PROVISIONAL),)


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
            customer_timezone=conversation.timezone or "UTC",
            source=TicketSource.CHAT,
            transcript=_transcript(conversation),
            idempotency_key=f"chat:{conversation.id}",
            now=now,
        )
        # Read afresh, not from `conversation`: a second request may have loaded it before the
        # first one committed (its write transaction orders the two).
        if (
            not created.created
            and Conversation.objects.select_for_update()
            .filter(pk=conversation.pk, ticket=created.ticket)
            .exists()
        ):
            # The same hand-off sent again (a double click, a retried request): one ticket, and one
            # confirmation in the conversation; the customer gets the one already given.
            given = conversation.messages.filter(role=Role.BOT, decision=ReplyKind.ESCALATED).last()
            if given is not None:
                return Escalation(created=created, text=given.text)
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
                # "your time" only when the widget told us the customer's zone; otherwise the
                # times are UTC and the sentence must say so.
                sentence = (
                    phrases.ESCALATED_LATER if conversation.timezone else phrases.ESCALATED_LATER_NAMED_ZONE
                )
                text = sentence % {
                    "region": ticket.region.name,
                    "time": when["time"],
                    "weekday": when["weekday"],
                    "timezone": when["timezone"],
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


def chatbot_prepare() -> list[str]:
    """Everything the bot needs before its first answer, done now (`load_demo`, a deployment): the
    person and act detectors trained (their examples' embeddings stored) and every site language's
    engine built (the article texts' embeddings stored). Returns the languages prepared."""
    person_detector()
    act_detector()
    languages = site_languages()
    engines_warm(languages)
    return languages


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


# --- Customers also ask: the bot learns from its customers, with an editor's say ------------------


def phrasing_proposals_collect(*, since: datetime, limit: int = 2000) -> int:
    """Offer editors the questions customers asked in their own words since `since`: those the bot
    answered and the customer confirmed ("yes, that helped"), and those an agent answered with a
    public reply linking an article. Idempotent (one proposal per article and origin); returns how
    many are new."""
    candidates = _confirmed_chat_questions(since, limit) + _questions_answered_with_a_link(since, limit)
    if not candidates:
        return 0
    before = PhrasingProposal.objects.count()
    PhrasingProposal.objects.bulk_create(candidates, ignore_conflicts=True)
    return PhrasingProposal.objects.count() - before


def _confirmed_chat_questions(since: datetime, limit: int) -> list[PhrasingProposal]:
    answers = list(
        Message.objects.filter(
            role=Role.BOT, decision=ReplyKind.ANSWER, helpful=True, created_at__gte=since
        ).order_by("-created_at")[:limit]
    )
    # The question an answer answered is the customer's message just before it: one query for all.
    conversations = {answer.conversation_id for answer in answers}
    last_question: dict = {}
    asked: dict[int, Message] = {}
    for message in Message.objects.filter(conversation_id__in=conversations).order_by(
        "conversation_id", "created_at", "id"
    ):
        if message.role == Role.CUSTOMER:
            last_question[message.conversation_id] = message
        else:
            asked[message.pk] = last_question.get(message.conversation_id)
    found = []
    for answer in answers:
        question = asked.get(answer.pk)
        text = phrasing_text(question.text) if question else None
        if not text or not answer.articles:
            continue
        found.append(
            PhrasingProposal(
                article_id=answer.articles[0]["id"],
                language=answer.language,
                text=text,
                source=ProposalSource.CHAT,
                origin=f"chat:{question.pk}",
                message=question,
                asked_at=question.created_at,
            )
        )
    existing = set(Article.objects.filter(pk__in={p.article_id for p in found}).values_list("pk", flat=True))
    return [proposal for proposal in found if proposal.article_id in existing]


def _questions_answered_with_a_link(since: datetime, limit: int) -> list[PhrasingProposal]:
    replies = list(
        TicketMessage.objects.filter(
            kind=MessageKind.REPLY, created_at__gte=since, body__contains="/articles/"
        )
        .exclude(ticket__source=TicketSource.STAFF)  # the subject and first message are staff's words
        .select_related("ticket")
        .order_by("-created_at")[:limit]
    )
    customer_messages: dict[int, list[TicketMessage]] = {}
    for message in TicketMessage.objects.filter(
        ticket_id__in={reply.ticket_id for reply in replies}, kind=MessageKind.CUSTOMER
    ).order_by("created_at", "id"):
        customer_messages.setdefault(message.ticket_id, []).append(message)
    found = []
    for reply in replies:
        ticket = reply.ticket
        earlier = [m for m in customer_messages.get(ticket.pk, []) if m.created_at <= reply.created_at]
        # The customer's last message before the reply if it reads as a question, else the subject.
        text = (phrasing_text(earlier[-1].body) if earlier else None) or phrasing_text(ticket.subject)
        if not text:
            continue
        for link_language, slug in article_links(reply.body)[:3]:
            article = article_by_slug(
                slug=slug,
                language=link_language if is_site_language(link_language) else source_language(),
                source_language=source_language(),
            )
            if article is None:
                continue
            found.append(
                PhrasingProposal(
                    article=article,
                    language=ticket.language if is_site_language(ticket.language) else source_language(),
                    text=text,
                    source=ProposalSource.TICKET,
                    origin=f"ticket:{reply.pk}",
                    ticket=ticket,
                    asked_at=earlier[-1].created_at if earlier else ticket.created_at,
                )
            )
    return found


class ProposalError(Exception):
    """A decision on proposals that cannot be made; the message is for the editor."""


def _pending(ids: list[int]) -> list[PhrasingProposal]:
    proposals = list(
        PhrasingProposal.objects.select_for_update()
        .filter(pk__in=ids, status=ProposalStatus.PENDING)
        .select_related("article")
    )
    if not proposals:
        raise ProposalError(_("These phrasings were already decided on."))
    if len({(p.article_id, p.language) for p in proposals}) != 1:
        raise ProposalError(_("Decide on the phrasings of one article and language at a time."))
    return proposals


@transaction.atomic
def phrasing_proposals_accept(*, ids: list[int], text: str, user) -> list[str]:
    """Add `text` (one of the proposals' wordings) to the article's sample questions in their
    language through kb's own write (a new source revision only for the source language), and mark
    the proposals accepted. Returns the lines added (none when the article had it already)."""
    proposals = _pending(ids)
    if text not in {p.text for p in proposals}:
        raise ProposalError(_("Choose one of the customers' wordings."))
    first = proposals[0]
    added = article_questions_add(
        article=first.article, language=first.language, questions=[text], author=user
    )
    PhrasingProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        status=ProposalStatus.ACCEPTED, decided_by=user, decided_at=timezone.now()
    )
    return added


@transaction.atomic
def phrasing_proposals_dismiss(*, ids: list[int], user) -> int:
    """Editors do not want these phrasings: they are not offered again. Returns how many."""
    proposals = _pending(ids)
    return PhrasingProposal.objects.filter(pk__in=[p.pk for p in proposals]).update(
        status=ProposalStatus.DISMISSED, decided_by=user, decided_at=timezone.now()
    )
