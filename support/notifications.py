"""What customers and receiving regions are told: e-mails in the customer's language, with times in
the customer's own time zone, and hand-off posts to a region's webhook or mailbox."""

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.timesince import timeuntil

from .conf import support_settings
from .models import DeliveryStatus, HandoffDelivery, Ticket

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
    with translation.override(ticket.language if ticket.language in dict(settings.LANGUAGES) else None):
        path = reverse("support:ticket_status", kwargs={"token": status_token(ticket)})
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
        "timezone": zone.key,
    }


def _language(ticket: Ticket) -> str:
    return ticket.language if ticket.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def send_ticket_created(ticket: Ticket, *, opens_at: datetime, open_now: bool, now: datetime) -> None:
    """E-mail the customer: reference, who answers and when (their time), status link."""
    with translation.override(_language(ticket)):
        context = {
            "ticket": ticket,
            "open_now": open_now,
            "when": local_time_phrase(opens_at, customer_zone(ticket), now=now),
            "status_url": status_url(ticket),
        }
        subject = render_to_string("support/email/ticket_created_subject.txt", context).strip()
        body = render_to_string("support/email/ticket_created.txt", context)
    _send(subject, body, ticket.requester_email)


def send_agent_reply(ticket: Ticket, *, body_text: str) -> None:
    with translation.override(_language(ticket)):
        context = {"ticket": ticket, "reply": body_text, "status_url": status_url(ticket)}
        subject = render_to_string("support/email/ticket_reply_subject.txt", context).strip()
        body = render_to_string("support/email/ticket_reply.txt", context)
    _send(subject, body, ticket.requester_email)


def _send(subject: str, body: str, to: str) -> None:
    # A failing mail server must not lose the ticket or the reply, which are already committed.
    try:
        send_mail(subject, body, None, [to])
    except Exception:  # noqa: BLE001 - any transport error is logged and left for a retry by staff
        logger.exception("could not e-mail %s", to)


def post_webhook(url: str, text: str, *, timeout: float = 5.0) -> None:
    """POST a Slack-compatible message; raises on any failure."""
    request = urllib.request.Request(
        url, data=json.dumps({"text": text}).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - staff-configured URL
        if response.status >= 300:
            raise urllib.error.HTTPError(url, response.status, "unexpected status", response.headers, None)


def deliver(delivery: HandoffDelivery, *, now: datetime) -> None:
    """Try to post one hand-off summary; on failure schedule the next try with exponential backoff."""
    region = delivery.to_region
    delivery.attempts += 1
    try:
        if region.webhook_url:
            post_webhook(region.webhook_url, delivery.text)
        if region.handoff_email:
            send_mail(f"[{delivery.handoff.from_region.code} → {region.code}] hand-off", delivery.text, None, [region.handoff_email])
    except Exception as exc:  # noqa: BLE001 - network and mail errors are all retried
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:300]
        if delivery.attempts >= support_settings().delivery_max_attempts:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = now + timedelta(minutes=2 ** delivery.attempts)
    else:
        delivery.status = DeliveryStatus.SENT
        delivery.next_attempt_at = None
        delivery.last_error = ""
    delivery.save(update_fields=["attempts", "status", "next_attempt_at", "last_error"])
