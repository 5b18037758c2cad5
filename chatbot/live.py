"""Live chat with a person: the writes (services) and reads of a conversation handed to an agent.

The bot answers first. A customer who asks for a person while someone is available for their
language (support.selectors.available_agents) waits in the line of that agent's region, told their
place and the usual wait; an agent of that region takes the chat ("Camille joins the chat"), both
write, and the agent closes it (a solved ticket with the transcript, and the satisfaction survey).
If the agent leaves, their connection stays closed or the shift ends, the conversation becomes a
ticket for the next region through the bot's own hand-off (chatbot.services.conversation_escalate),
and the customer is told so in their language.

Every message is a row with an increasing id: the sockets and the polling endpoint send "what comes
after id N", so a reconnect loses nothing and repeats nothing. What the other side hears is sent
after the transaction commits, through the channel layer (chatbot/realtime.py)."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from statistics import median

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone, translation

from support import notifications
from support.conf import support_settings
from support.models import Region, TicketStatus
from support.realtime import region_group
from support.realtime import send as staff_send
from support.selectors import agent_public_name, agent_regions, available_agents
from support.services import ticket_assign, ticket_create, ticket_set_status

from . import live_phrases, realtime
from .models import Conversation, ConversationStatus, LiveStatus, Message, Role

LIVE = (LiveStatus.WAITING, LiveStatus.ACTIVE)


class LiveChatError(Exception):
    """A live-chat action that cannot be done now (taken by someone else, already over)."""


# --- reads -----------------------------------------------------------------------------------


def chats_held() -> dict[int, int]:
    """Live chats each agent holds now, by agent id."""
    rows = (
        Conversation.objects.filter(live_status=LiveStatus.ACTIVE, agent__isnull=False)
        .values("agent_id")
        .annotate(n=Count("id"))
    )
    return {row["agent_id"]: row["n"] for row in rows}


def live_availability(*, language: str, now: datetime) -> list[tuple]:
    """Agents who can take a chat in `language` at `now`, least busy first, with their region."""
    return available_agents(language=language, now=now, chats_held=chats_held())


def queue_position(conversation: Conversation) -> int:
    """1 for the next chat to be taken in its region's line."""
    return Conversation.objects.filter(
        live_status=LiveStatus.WAITING,
        live_region_id=conversation.live_region_id,
        requested_at__lte=conversation.requested_at,
    ).count()


# Below this many chats taken in the last week, the wait is estimated from the setting.
MIN_WAIT_SAMPLE = 5


def wait_minutes(region_id: int, position: int, *, now: datetime) -> int:
    """The estimated wait for the `position`-th in the region's line: the median time to be taken
    over the last week's chats (per place), else the configured time per place."""
    waits = [
        accepted - requested
        for requested, accepted in Conversation.objects.filter(
            live_region_id=region_id, accepted_at__gte=now - timedelta(days=7), requested_at__isnull=False
        )
        .order_by("-accepted_at")
        .values_list("requested_at", "accepted_at")[:200]
    ]
    if len(waits) >= MIN_WAIT_SAMPLE:
        per_place = max(median(waits), timedelta(seconds=30))
    else:
        per_place = timedelta(seconds=settings.HELPCENTER_LIVECHAT_WAIT_PER_PLACE_SECONDS)
    return max(1, round(per_place.total_seconds() * position / 60))


def message_json(message: Message, *, for_staff: bool = False) -> dict:
    data = {
        "id": message.pk,
        "role": message.role,
        "text": message.text,
        "follow_up": message.follow_up,
        "kind": message.decision,
        "link": message.link,
        "articles": [
            {key: a.get(key, "") for key in ("title", "url", "snippet")}
            for a in message.articles
            if isinstance(a, dict)
        ],
        "at": message.created_at.isoformat(timespec="seconds") if message.created_at else "",
        # The agent's public name only: never their login.
        "name": agent_public_name(message.author) if message.role == Role.AGENT else "",
    }
    if for_staff:
        data["internal"] = message.internal
    return data


def messages_after(conversation: Conversation, after: int, *, for_staff: bool = False) -> list[dict]:
    """Every message after id `after`, in order; internal notes only for staff."""
    rows = conversation.messages.filter(pk__gt=after).select_related("author__agent_profile")
    if not for_staff:
        rows = rows.filter(internal=False)
    return [message_json(m, for_staff=for_staff) for m in rows.order_by("id")]


def status_json(conversation: Conversation, *, now: datetime | None = None) -> dict:
    data = {"type": "status", "live_status": conversation.live_status, "status": conversation.status}
    if conversation.live_status == LiveStatus.WAITING:
        position = queue_position(conversation)
        data["position"] = position
        data["wait_minutes"] = wait_minutes(conversation.live_region_id, position, now=now or timezone.now())
    if conversation.live_status == LiveStatus.ACTIVE:
        data["agent"] = agent_public_name(conversation.agent)
    return data


def may_see(user, conversation: Conversation) -> bool:
    """An agent sees a live chat of a region they belong to (support.selectors.agent_regions)."""
    if not user.is_authenticated or not user.has_perm("support.view_ticket"):
        return False
    if conversation.live_region_id is None:
        return False
    return agent_regions(user).filter(pk=conversation.live_region_id).exists()


def waiting_chats(user) -> list[Conversation]:
    return list(
        Conversation.objects.filter(live_status=LiveStatus.WAITING, live_region__in=agent_regions(user))
        .select_related("live_region")
        .order_by("requested_at")
    )


def my_chats(user) -> list[Conversation]:
    return list(
        Conversation.objects.filter(live_status=LiveStatus.ACTIVE, agent=user)
        .select_related("live_region")
        .order_by("accepted_at")
    )


def earlier_of(conversation: Conversation) -> dict:
    """The customer's earlier tickets and chats (by the address they left), for the agent."""
    from support.models import Ticket

    email = conversation.live_email
    if not email:
        return {"tickets": [], "chats": []}
    return {
        "tickets": list(Ticket.objects.filter(requester_email__iexact=email).order_by("-created_at")[:10]),
        "chats": list(
            Conversation.objects.filter(live_email__iexact=email)
            .exclude(pk=conversation.pk)
            .order_by("-started_at")[:10]
        ),
    }


# --- writes ----------------------------------------------------------------------------------


def _notice(conversation: Conversation, text: str, *, link: str = "") -> Message:
    return Message.objects.create(
        conversation=conversation, role=Role.NOTICE, text=text, language=conversation.language, link=link
    )


def _after_commit(conversation: Conversation, *messages: Message, status: bool = True) -> None:
    """Tell both sides of the conversation, once the writes are committed."""

    def tell():
        # From the rows just written (no read back: a chat message is one INSERT and two sends).
        for message in sorted(messages, key=lambda m: m.pk):
            realtime.message_sent(conversation, message_json(message), message_json(message, for_staff=True))
        if status:
            fresh = Conversation.objects.select_related("agent__agent_profile").get(pk=conversation.pk)
            realtime.status_changed(fresh, status_json(fresh))

    transaction.on_commit(tell)


@dataclass(frozen=True)
class LiveRequest:
    conversation: Conversation
    position: int
    wait_minutes: int
    text: str


def live_request(*, conversation: Conversation, email: str, name: str, now: datetime) -> LiveRequest | None:
    """The customer asked for a person and left an address: if someone can take a chat in their
    language now, put the conversation in that region's line and say where they stand; else None
    (the caller makes a ticket, as before). Tells the region's agents' pages after commit."""
    found = live_availability(language=conversation.language, now=now)
    if not found:
        return None
    _candidate, region = found[0]
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.live_status not in LIVE:
            conversation.live_status = LiveStatus.WAITING
            conversation.live_region = region
            conversation.live_email, conversation.live_name = email, name
            conversation.requested_at = now
            conversation.save(
                update_fields=["live_status", "live_region", "live_email", "live_name", "requested_at"]
            )
        position = queue_position(conversation)
        minutes = wait_minutes(conversation.live_region_id, position, now=now)
        with translation.override(conversation.language):
            text = " ".join(
                [
                    str(live_phrases.IN_LINE % {"position": position}),
                    str(live_phrases.WAIT % {"minutes": minutes}),
                ]
            )
        notice = _notice(conversation, text)
        _after_commit(conversation, notice)
        transaction.on_commit(partial(_tell_region, conversation, "chat.waiting"))
    return LiveRequest(conversation, position, minutes, text)


def waiting_json(conversation: Conversation) -> dict:
    """A chat as the agents' pages list it (`chat.waiting`, the polled list of waiting chats)."""
    first = conversation.messages.filter(role=Role.CUSTOMER).first()
    return {
        "id": str(conversation.pk),
        "language": conversation.language,
        "region": conversation.live_region.code,
        "subject": (first.text if first else "")[:120],
        "live_status": conversation.live_status,
    }


def _tell_region(conversation: Conversation, event: str) -> None:
    fresh = Conversation.objects.select_related("live_region").get(pk=conversation.pk)
    if fresh.live_region is None:
        return
    staff_send(
        region_group(fresh.live_region.code),
        {"type": "staff.event", "event": event, "chat": waiting_json(fresh)},
    )
    # Everyone still in that line moves up.
    for waiting in Conversation.objects.filter(live_status=LiveStatus.WAITING, live_region=fresh.live_region):
        realtime.status_changed(waiting, status_json(waiting))


def live_accept(*, conversation: Conversation, agent, now: datetime) -> Conversation:
    """`agent` takes a waiting chat: the customer reads "<display name> joins the chat"."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.live_status != LiveStatus.WAITING:
            raise LiveChatError("not waiting")
        conversation.live_status = LiveStatus.ACTIVE
        conversation.agent = agent
        conversation.accepted_at = now
        conversation.save(update_fields=["live_status", "agent", "accepted_at"])
        name = agent_public_name(agent)
        with translation.override(conversation.language):
            text = str(live_phrases.JOINS % {"name": name} if name else live_phrases.JOINS_UNNAMED)
        notice = _notice(conversation, text)
        _after_commit(conversation, notice)
        transaction.on_commit(partial(_tell_region, conversation, "chat.taken"))
    return conversation


def live_transfer(
    *, conversation: Conversation, actor, to_agent=None, to_region: Region | None = None
) -> None:
    """Pass an active chat to another agent (who then holds it) or back to a region's line (for
    its language: the caller offers only regions that answer it). The customer is told who joins or
    where they stand; the agents' side keeps an internal note of who passed it on."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.live_status not in LIVE:
            raise LiveChatError("over")
        if to_agent is not None:
            conversation.agent = to_agent
            conversation.live_status = LiveStatus.ACTIVE
        else:
            conversation.agent = None
            conversation.live_region = to_region
            conversation.live_status = LiveStatus.WAITING
            conversation.requested_at = timezone.now()
        conversation.agent_connections = 0
        conversation.save(
            update_fields=["agent", "live_region", "live_status", "requested_at", "agent_connections"]
        )
        with translation.override(conversation.language):
            if to_agent is not None:
                name = agent_public_name(to_agent)
                text = str(live_phrases.JOINS % {"name": name} if name else live_phrases.JOINS_UNNAMED)
            else:
                position = queue_position(conversation)
                minutes = wait_minutes(conversation.live_region_id, position, now=conversation.requested_at)
                text = " ".join(
                    [
                        str(live_phrases.IN_LINE % {"position": position}),
                        str(live_phrases.WAIT % {"minutes": minutes}),
                    ]
                )
        passed = Message.objects.create(
            conversation=conversation,
            role=Role.NOTICE,
            internal=True,
            author=actor,
            text=str(
                live_phrases.PASSED_ON
                % {
                    "name": agent_public_name(actor) or actor.get_username(),
                    "to": (agent_public_name(to_agent) or to_agent.get_username())
                    if to_agent
                    else to_region.code,
                }
            ),
        )
        notice = _notice(conversation, text)
        _after_commit(conversation, passed, notice)
        if to_region is not None:
            transaction.on_commit(partial(_tell_region, conversation, "chat.waiting"))


def live_customer_message(*, conversation: Conversation, text: str) -> Message:
    """What the customer wrote during a live chat (waiting or with an agent): stored, then sent.
    LiveChatError when the chat is no longer with a person (read in the same transaction)."""
    with transaction.atomic():
        if not Conversation.objects.filter(pk=conversation.pk, live_status__in=LIVE).exists():
            raise LiveChatError("not live")
        message = Message.objects.create(
            conversation=conversation, role=Role.CUSTOMER, text=text, language=conversation.language
        )
        _after_commit(conversation, message, status=False)
    return message


def live_agent_message(*, conversation: Conversation, agent, text: str, internal: bool = False) -> Message:
    """The agent's reply (to the customer) or internal note (to agents only) in a live chat."""
    with transaction.atomic():
        current = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if current.live_status != LiveStatus.ACTIVE or (current.agent_id != agent.pk and not internal):
            raise LiveChatError("not yours")
        message = Message.objects.create(
            conversation=current,
            role=Role.AGENT,
            text=text,
            author=agent,
            internal=internal,
            language=current.language,
        )
        _after_commit(current, message, status=False)
    return message


def _subject(conversation: Conversation) -> str:
    first = conversation.messages.filter(role=Role.CUSTOMER).first()
    return (first.text if first else "Live chat")[:120]


def live_close(*, conversation: Conversation, agent, now: datetime) -> Conversation:
    """The agent ends the chat: kept as a solved ticket with the transcript (assigned to them), and
    the customer gets the satisfaction survey, in the chat and by e-mail."""
    from .services import _transcript

    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if conversation.live_status != LiveStatus.ACTIVE:
            raise LiveChatError("not active")
        created = ticket_create(
            requester_email=conversation.live_email,
            requester_name=conversation.live_name,
            subject=_subject(conversation),
            message="\n".join(m.text for m in conversation.messages.filter(role=Role.CUSTOMER)) or "-",
            language=conversation.language,
            customer_timezone=conversation.timezone,
            source="chat",
            transcript=_transcript(conversation),
            idempotency_key=f"chat:{conversation.id}",
            actor=agent,
            now=now,
            notify=False,
        )
        ticket = created.ticket
        ticket_assign(ticket=ticket, agent=agent, actor=agent)
        ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent, now=now)
        conversation.ticket = ticket
        conversation.live_status = LiveStatus.ENDED
        conversation.status = ConversationStatus.CLOSED
        conversation.ended_at = now
        conversation.save(update_fields=["ticket", "live_status", "status", "ended_at"])
        name = agent_public_name(agent)
        with translation.override(conversation.language):
            closed = _notice(conversation, str(live_phrases.CLOSED % {"name": name or "—"}))
            survey = _notice(
                conversation,
                str(live_phrases.SURVEY),
                link=reverse("support:survey", kwargs={"token": notifications.survey_token(ticket)}),
            )
        _after_commit(conversation, closed, survey)
    return conversation


REASONS = {
    "left": live_phrases.LEFT,
    "dropped": live_phrases.DROPPED,
    "shift_ended": live_phrases.SHIFT_ENDED,
    "no_agent": live_phrases.NO_AGENT,
}


def live_to_ticket(*, conversation: Conversation, reason: str, now: datetime) -> Conversation:
    """The chat cannot go on (`reason`: left, dropped, shift_ended, no_agent): a ticket for the
    next region with the whole transcript, through the bot's hand-off, and the customer told why and
    who answers when, in their language."""
    from .services import conversation_escalate

    with transaction.atomic():
        conversation = (
            Conversation.objects.select_for_update(of=("self",))
            .select_related("agent")
            .get(pk=conversation.pk)
        )
        if conversation.live_status not in LIVE:
            raise LiveChatError("over")
        name = agent_public_name(conversation.agent)
        with translation.override(conversation.language):
            phrase = REASONS[reason]
            if reason in ("left", "dropped") and not name:
                phrase = live_phrases.NO_AGENT
            notice = _notice(conversation, f"{phrase % {'name': name}} {live_phrases.TICKET_INSTEAD}".strip())
        conversation.live_status = LiveStatus.ENDED
        conversation.save(update_fields=["live_status"])
        before = conversation.messages.order_by("-id").values_list("pk", flat=True).first()
        conversation_escalate(
            conversation=conversation, email=conversation.live_email, name=conversation.live_name, now=now
        )
        said = list(conversation.messages.filter(pk__gt=before).order_by("id"))
        _after_commit(conversation, notice, *said)
    return conversation


def live_agent_connected(*, conversation: Conversation, delta: int) -> int:
    """One more (+1) or one fewer (-1) open chat socket of the agent; returns how many are open."""
    Conversation.objects.filter(pk=conversation.pk).update(agent_connections=F("agent_connections") + delta)
    return Conversation.objects.values_list("agent_connections", flat=True).get(pk=conversation.pk)


def live_drop_check(*, conversation_id, agent_id: int, now: datetime) -> bool:
    """After the agent's last socket closed and the grace time passed: if it stayed closed, the
    connection dropped for good and the chat becomes a ticket. True when it did."""
    conversation = Conversation.objects.filter(
        pk=conversation_id, live_status=LiveStatus.ACTIVE, agent_id=agent_id, agent_connections__lte=0
    ).first()
    if conversation is None:
        return False
    try:
        live_to_ticket(conversation=conversation, reason="dropped", now=now)
    except LiveChatError:
        return False
    return True


def _agent_gone(now: datetime) -> set:
    """Active chats whose agent has had no agents' page open (no heartbeat at all) for longer than
    being offline and the drop's grace time: their connection dropped for good, whether or not a
    socket's disconnect said so (a server that died, a page closed before its socket opened). An
    agent never heard at all (no profile yet) is counted from when they took the chat."""
    seen_before = (
        now
        - support_settings().agent_offline_after
        - timedelta(seconds=settings.HELPCENTER_LIVECHAT_DROP_SECONDS)
    )
    return set(
        Conversation.objects.filter(live_status=LiveStatus.ACTIVE)
        .filter(
            Q(agent__agent_profile__last_seen_at__isnull=True)
            | Q(agent__agent_profile__last_seen_at__lt=seen_before)
        )
        .exclude(accepted_at__gte=seen_before)
        .values_list("pk", flat=True)
    )


def live_chats_sweep(*, now: datetime) -> int:
    """Chats whose region's shift ended, active chats whose agent is long gone, and waiting chats
    nobody can take any more, become tickets for the next region. Returns how many. Run by
    `manage.py livechat_sweep` and agents' heartbeats."""
    moved = 0
    gone = _agent_gone(now)
    live = Conversation.objects.filter(live_status__in=LIVE).select_related("live_region")
    for conversation in live:
        region = conversation.live_region
        reason = None
        if region is None or not region.to_schedule().is_open(now):
            reason = "shift_ended"
        elif conversation.pk in gone:
            reason = "dropped"
        elif conversation.live_status == LiveStatus.WAITING and not any(
            # Online in that region at all: busy agents (at their limit) still take the line later.
            r.pk == region.pk
            for _c, r in available_agents(language=conversation.language, now=now, chats_held={})
        ):
            reason = "no_agent"
        if reason is not None:
            try:
                live_to_ticket(conversation=conversation, reason=reason, now=now)
                moved += 1
            except LiveChatError:
                pass
    return moved


def saved_replies_for_chat(conversation: Conversation, agent) -> list:
    """The saved replies the agent may use in this chat, in its language with the placeholders
    filled (the chat has no ticket reference yet: that placeholder is left empty)."""
    from support.models import Ticket
    from support.selectors import saved_replies_filled

    stand_in = Ticket(
        language=conversation.language,
        region_id=conversation.live_region_id,
        requester_name=conversation.live_name,
        reference="",
    )
    return saved_replies_filled(ticket=stand_in, agent=agent)
