"""What customers and receiving regions are told: e-mails in the customer's language, with times in
the customer's own time zone, and hand-off posts to a region's webhook or mailbox."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, send_mail
from django.core.mail.message import make_msgid
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext, ngettext

from core.languages import is_site_language
from core.privacy import is_erased_address
from kb.languages import name_in_sentence

from . import webhooks
from .conf import support_settings
from .models import (
    BouncingAddress,
    DeliveryStatus,
    EmailStatus,
    EventKind,
    HandoffDelivery,
    MessageKind,
    OutgoingEmail,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)
STATUS_LINK_SALT = "support.ticket-status"


def status_token(ticket: Ticket) -> str:
    """A signed, expiring token naming the ticket and its secret access key."""
    return signing.dumps({"t": ticket.pk, "k": ticket.access_key}, salt=STATUS_LINK_SALT, compress=True)


def ticket_from_token(token: str) -> Ticket | None:
    """The ticket a status token names, or None if forged, expired or revoked."""
    try:
        data = signing.loads(token, salt=STATUS_LINK_SALT, max_age=support_settings().status_link_max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    ticket = Ticket.objects.select_related("region").filter(pk=data.get("t")).first()
    if ticket is None or not signing.constant_time_compare(ticket.access_key, str(data.get("k", ""))):
        return None
    return ticket


def status_url(ticket: Ticket) -> str:
    with translation.override(ticket.language if is_site_language(ticket.language) else None):
        path = reverse("support:ticket_status", kwargs={"token": status_token(ticket)})
    return support_settings().site_url.rstrip("/") + path


SURVEY_SALT = "support.satisfaction"


def survey_token(ticket: Ticket) -> str:
    """A signed token for the ticket's "How did we do?" page; it expires with the survey."""
    return signing.dumps({"t": ticket.pk, "k": ticket.access_key}, salt=SURVEY_SALT, compress=True)


def survey_from_token(token: str, *, now: datetime):
    """The open survey a token names, or None if forged, expired, revoked or closed."""
    from .models import Satisfaction

    max_age = support_settings().satisfaction_max_age
    try:
        data = signing.loads(token, salt=SURVEY_SALT, max_age=max_age)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    if not isinstance(data, dict):
        return None
    survey = Satisfaction.objects.select_related("ticket__region").filter(ticket_id=data.get("t")).first()
    if survey is None or not signing.constant_time_compare(survey.ticket.access_key, str(data.get("k", ""))):
        return None
    if now > survey.asked_at + timedelta(seconds=max_age):
        return None
    return survey


def survey_url(ticket: Ticket) -> str:
    with translation.override(_language(ticket)):
        path = reverse("support:survey", kwargs={"token": survey_token(ticket)})
    return support_settings().site_url.rstrip("/") + path


def customer_zone(ticket: Ticket) -> ZoneInfo:
    try:
        return ZoneInfo(ticket.customer_timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_time_phrase(instant: datetime, zone: ZoneInfo, *, now: datetime) -> dict[str, str]:
    """The parts of "at 09:00 your time (Monday 30 November), in about 4 hours" in the active language."""
    local = timezone.localtime(instant, zone)
    return {
        "time": formats.time_format(local, "TIME_FORMAT"),
        "date": formats.date_format(local, "DATE_FORMAT"),
        "weekday": formats.date_format(local, "l"),
        "in": timeuntil(instant, now, depth=1) if instant - now > timedelta(minutes=1) else "",
        "timezone": zone_label(zone, instant),
    }


def zone_label(zone: ZoneInfo, instant: datetime) -> str:
    """A zone's name for a customer: "Europe/Paris", but "UTC+08:00" for the POSIX-style fixed
    offsets guessed from an e-mail's Date header ("Etc/GMT-8" means UTC+8, which nobody reads right)."""
    if not zone.key.startswith("Etc/"):
        return zone.key
    offset = instant.astimezone(zone).utcoffset() or timedelta()
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _language(ticket: Ticket) -> str:
    return ticket.language if is_site_language(ticket.language) else settings.LANGUAGE_CODE


SOLVED_SALT = "support.solved-by-article"


def solved_token(ticket: Ticket, article_id: int) -> str:
    """A signed token for "this solved my problem" with article `article_id` on `ticket`."""
    return signing.dumps(
        {"t": ticket.pk, "k": ticket.access_key, "a": article_id}, salt=SOLVED_SALT, compress=True
    )


def solved_from_token(token: str) -> tuple[Ticket, int] | None:
    """(ticket, article id) a "this solved my problem" token names, or None if forged or expired."""
    try:
        data = signing.loads(token, salt=SOLVED_SALT, max_age=support_settings().status_link_max_age)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int):
        return None
    ticket = Ticket.objects.select_related("region").filter(pk=data.get("t")).first()
    if ticket is None or not signing.constant_time_compare(ticket.access_key, str(data.get("k", ""))):
        return None
    return ticket, data["a"]


def send_ticket_created(
    ticket: Ticket,
    *,
    opens_at: datetime,
    open_now: bool,
    now: datetime,
    suggested_articles: list | None = None,
) -> None:
    """E-mail the customer: reference, who answers and when (their time), status link; with the
    articles the engine was confident about, each with a signed "this solved my problem" link."""
    with translation.override(_language(ticket)):
        suggestions = []
        for article in suggested_articles or ():
            path = reverse("support:ticket_solved", kwargs={"token": solved_token(ticket, article.pk)})
            suggestions.append(
                {
                    "title": article.title,
                    "url": support_settings().site_url.rstrip("/") + article.get_absolute_url(),
                    "solved_url": support_settings().site_url.rstrip("/") + path,
                }
            )
        context = {
            "ticket": ticket,
            "open_now": open_now,
            "when": local_time_phrase(opens_at, customer_zone(ticket), now=now),
            "status_url": status_url(ticket),
            "suggestions": suggestions,
        }
        subject = render_to_string("support/email/ticket_created_subject.txt", context).strip()
        body = render_to_string("support/email/ticket_created.txt", context)
    _send(ticket, subject, body, ticket.requester_email, automatic=True, now=now)


def send_agent_reply(ticket: Ticket, *, body_text: str, author=None) -> OutgoingEmail | None:
    """E-mail an agent's public reply, signed with the agent's public name (never their login)."""
    from .selectors import agent_public_name  # selectors import this module

    with translation.override(_language(ticket)):
        context = {
            "ticket": ticket,
            "reply": body_text,
            "status_url": status_url(ticket),
            "agent_name": agent_public_name(author),
        }
        subject = render_to_string("support/email/ticket_reply_subject.txt", context).strip()
        body = render_to_string("support/email/ticket_reply.txt", context)
    return _send(ticket, subject, body, ticket.requester_email)


def send_satisfaction_request(ticket: Ticket) -> None:
    """ "How did we do?" in the customer's language, with one link per answer and the deadline in
    their time zone."""
    survey = ticket.satisfaction
    with translation.override(_language(ticket)):
        url = survey_url(ticket)
        closes = timezone.localtime(
            survey.asked_at + timedelta(seconds=support_settings().satisfaction_max_age),
            customer_zone(ticket),
        )
        context = {
            "ticket": ticket,
            "good_url": f"{url}?rating=good",
            "bad_url": f"{url}?rating=bad",
            "closes": formats.date_format(closes, "DATE_FORMAT"),
        }
        subject = render_to_string("support/email/satisfaction_subject.txt", context).strip()
        body = render_to_string("support/email/satisfaction.txt", context)
    _send(ticket, subject, body, ticket.requester_email, automatic=True)


def reply_address(ticket: Ticket) -> str:
    """The ticket's own reply address (support+<token>@…): mail to it joins this ticket."""
    return support_settings().reply_address.replace("{token}", ticket.reply_token)


def thread_ids(ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's e-mail thread, oldest first: those the customer's e-mails
    came with and those we sent."""
    found = [
        (m.created_at, m.message_id)
        for m in ticket.messages.exclude(message_id="").only("created_at", "message_id")
    ]
    found += [
        (e.created_at, e.message_id)
        for e in ticket.emails.exclude(message_id="").only("created_at", "message_id")
    ]
    return [message_id for _at, message_id in sorted(found)]


def automatic_mail_refusal(ticket: Ticket, to: str, *, now: datetime) -> str:
    """Why no automatic e-mail may go to `to` about `ticket` now ("" when one may): the ticket came
    from a robot, the address bounces, or a cap on automatic mail is reached (no robot loops)."""
    conf = support_settings()
    if not ticket.automatic_mail:
        return "the ticket came from an automatic sender"
    if BouncingAddress.objects.filter(address__iexact=to, paused=True).exists():
        return "the address bounces"
    since = now - conf.auto_window
    recent = OutgoingEmail.objects.filter(automatic=True, created_at__gte=since)
    if recent.filter(to__iexact=to).count() >= conf.auto_per_address:
        return f"{conf.auto_per_address} automatic e-mails to this address within {conf.auto_window}"
    if recent.filter(ticket=ticket).count() >= conf.auto_per_ticket:
        return f"{conf.auto_per_ticket} automatic e-mails on this ticket within {conf.auto_window}"
    return ""


def _send(
    ticket: Ticket, subject: str, body: str, to: str, *, automatic: bool = False, now: datetime | None = None
) -> OutgoingEmail | None:
    """Keep the e-mail, then try to send it at once; a failure leaves it for email_retry (backoff).
    Nothing is kept or sent for a customer whose data was erased (core.privacy); an automatic e-mail
    that automatic_mail_refusal refuses is recorded as an event on the ticket instead. Each e-mail
    gets its own Message-ID and answers the thread (In-Reply-To: the customer's last e-mail, else our
    last one; References: the whole thread)."""
    if is_erased_address(to):
        return None
    now = now or timezone.now()
    if automatic:
        refusal = automatic_mail_refusal(ticket, to, now=timezone.now())
        if refusal:
            logger.info("no automatic e-mail on ticket %s: %s", ticket.pk, refusal)
            TicketEvent.objects.create(
                ticket=ticket, kind=EventKind.MAIL_SUPPRESSED, detail=f"{subject[:150]}: {refusal}"[:300]
            )
            return None
    thread = thread_ids(ticket)
    last_customer = (
        ticket.messages.filter(kind=MessageKind.CUSTOMER)
        .exclude(message_id="")
        .order_by("-created_at", "-id")
        .first()
    )
    email = OutgoingEmail.objects.create(
        ticket=ticket,
        to=to,
        subject=subject[:255],
        body=body,
        automatic=automatic,
        message_id=make_msgid(domain=support_settings().mail_domain),
        in_reply_to=last_customer.message_id if last_customer else (thread[-1] if thread else ""),
        # The first and the latest ones when the thread is long (RFC 5322 §3.6.4 allows trimming).
        references=" ".join(thread if len(thread) <= 10 else [thread[0], *thread[-9:]]),
    )
    email_attempt(email, now=timezone.now())
    return email


def _headers(email: OutgoingEmail) -> dict[str, str]:
    ticket = email.ticket
    headers = {"Message-ID": email.message_id, "Reply-To": reply_address(ticket)}
    if email.in_reply_to:
        headers["In-Reply-To"] = email.in_reply_to
    if email.references:
        headers["References"] = email.references
    if email.automatic:
        # RFC 3834: robots must not answer this; Exchange's own flag says the same to Outlook.
        headers["Auto-Submitted"] = "auto-replied" if ticket.source == "email" else "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    return headers


def email_attempt(email: OutgoingEmail, *, now: datetime) -> bool:
    """One try; on failure the next one is due after 2, 4, 8… minutes, and after the last it is failed."""
    email.attempts += 1
    try:
        EmailMessage(email.subject, email.body, None, [email.to], headers=_headers(email)).send()
    except Exception as exc:  # noqa: BLE001 - every transport error is retried
        logger.warning("could not e-mail ticket %s (attempt %s): %s", email.ticket_id, email.attempts, exc)
        email.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if email.attempts >= support_settings().delivery_max_attempts:
            email.status, email.next_attempt_at = EmailStatus.FAILED, None
        else:
            email.next_attempt_at = now + timedelta(minutes=2**email.attempts)
    else:
        email.status, email.sent_at, email.next_attempt_at, email.last_error = EmailStatus.SENT, now, None, ""
    email.save(update_fields=["attempts", "status", "next_attempt_at", "last_error", "sent_at"])
    return email.status == EmailStatus.SENT


def emails_retry(*, now: datetime | None = None) -> int:
    """Try the e-mails whose next attempt is due; how many went out."""
    now = now or timezone.now()
    sent = 0
    due = (
        OutgoingEmail.objects.select_related("ticket")
        .filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
    )
    for email in due[:200]:
        sent += email_attempt(email, now=now)
    return sent


def post_webhook(url: str, text: str, *, timeout: float = 5.0) -> None:
    """POST a Slack-compatible message to a checked public https URL; raises on any failure."""
    webhooks.post(url, text, timeout=timeout)


def deliver(delivery: HandoffDelivery, *, now: datetime) -> None:
    """Try to post one hand-off summary; on failure schedule the next try with exponential backoff."""
    region = delivery.to_region
    delivery.attempts += 1
    try:
        if region.webhook_url:
            post_webhook(region.webhook_url, delivery.text)
        if region.handoff_email:
            send_mail(
                f"[{delivery.handoff.from_region.code} → {region.code}] hand-off",
                delivery.text,
                None,
                [region.handoff_email],
            )
    except Exception as exc:  # noqa: BLE001 - network and mail errors are all retried
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if delivery.attempts >= support_settings().delivery_max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + timedelta(minutes=2**delivery.attempts)
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.next_attempt_at = None
        delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])


# --- the one line customers read before they write: who answers, in which language, when, the wait ---
def _duration(delta: timedelta, now: datetime) -> str:
    if delta < timedelta(minutes=1):
        return gettext("less than a minute")
    return timesince(now - delta, now, depth=1)


# Languages that write the names of languages in lower case inside a sentence ("en français").
def language_name(code: str) -> str:
    """The name of language `code` in the active language, as written inside a sentence."""
    return name_in_sentence(code, translation.get_language() or code)


def outlook_parts(outlook, zone: ZoneInfo, *, now: datetime, zone_known: bool = True) -> dict[str, str]:
    """The sentences about `outlook` (selectors.Outlook) in the active language, times in `zone`
    ("your time" when `zone_known`, else named): `who` (who answers and when) and `wait` (the usual
    wait and today's queue, or honestly that there is too little data)."""
    language = language_name(outlook.language)
    region = outlook.region.name
    if outlook.open_now:
        who = gettext("Our %(region)s team is on shift now and answers in %(language)s.") % {
            "region": region,
            "language": language,
        }
    else:
        when = local_time_phrase(outlook.opens_at, zone, now=now)
        sentence = (
            gettext(
                "Our %(region)s team answers in %(language)s next, from %(time)s your time (%(weekday)s), "
                "in about %(delay)s."
            )
            if zone_known
            else gettext(
                "Our %(region)s team answers in %(language)s next, from %(time)s %(timezone)s "
                "(%(weekday)s), in about %(delay)s."
            )
        )
        who = sentence % {
            "region": region,
            "language": language,
            "time": when["time"],
            "weekday": when["weekday"],
            "timezone": zone.key,
            "delay": when["in"] or _duration(timedelta(), now),
        }
    if not outlook.covers_language:
        who = gettext(
            "No team speaks %(language)s yet: our %(region)s team answers next, probably in English."
        ) % {"language": language, "region": region}
    wait = outlook.wait
    if wait.median is None:
        parts = [gettext("Too few recent requests to say how long a first reply usually takes.")]
    else:
        parts = [
            gettext("A first reply usually takes about %(duration)s.")
            % {"duration": _duration(wait.median, now)}
        ]
    if wait.queue:
        parts.append(
            ngettext(
                "%(count)s request is waiting for a first reply.",
                "%(count)s requests are waiting for a first reply.",
                wait.queue,
            )
            % {"count": wait.queue}
        )
    return {"who": who, "wait": _join(parts)}


def _join(sentences: list[str]) -> str:
    """Sentences joined the way the active language writes them: no space after a CJK full stop."""
    language = (translation.get_language() or "").split("-")[0]
    return ("" if language in {"zh", "ja"} else " ").join(sentences)


def outlook_sentence(outlook, zone: ZoneInfo, *, now: datetime, zone_known: bool = True) -> str:
    parts = outlook_parts(outlook, zone, now=now, zone_known=zone_known)
    return _join([parts["who"], parts["wait"]])
