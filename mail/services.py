"""Writes: the one intake every door (IMAP poller, provider webhook, standard input) ends in.

`email_receive` = `email_store` (the raw bytes, committed before anything reads them, stored once
however often they arrive) + `email_process` (parse, drop our own mail and record bounces, thread
into a ticket or open one through `support.services.ticket_create`, hold what a stranger adds to
someone else's ticket). Processing is one transaction: it is all done or, after a crash, all
redone from the stored bytes."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import PurePosixPath

import nh3
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from chatbot.language import detect
from chatbot.services import contact_form_suggestions
from core.languages import is_site_language
from core.privacy import is_erased_address
from support.models import TicketSource
from support.services import (
    NoRegionError,
    address_bounce_record,
    ticket_create,
    ticket_customer_reply,
)

from . import parsing, quotes, selectors
from .conf import mail_settings
from .models import Door, InboundAttachment, InboundEmail, InboundStatus, Mailbox, ThreadedBy

logger = logging.getLogger(__name__)

# Offsets that are no whole hour, and the zone most people with that offset live in.
_HALF_HOUR_ZONES = {
    -210: "America/St_Johns",
    210: "Asia/Tehran",
    270: "Asia/Kabul",
    330: "Asia/Kolkata",
    345: "Asia/Kathmandu",
    390: "Asia/Yangon",
    570: "Australia/Darwin",
    630: "Australia/Lord_Howe",
    765: "Pacific/Chatham",
}


def zone_from_offset(offset: timedelta | None) -> str:
    """An IANA zone for a Date header's UTC offset, when nothing better is known ("UTC" if none)."""
    if offset is None:
        return "UTC"
    minutes = int(offset.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    if minutes % 60 == 0 and -12 <= minutes // 60 <= 14:
        hours = minutes // 60
        # POSIX style: Etc/GMT-8 is eight hours *ahead* of UTC.
        return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    return _HALF_HOUR_ZONES.get(minutes, "UTC")


# Everything processing writes: never the raw bytes again (a 30 MB blob rewritten for nothing).
PROCESSED_FIELDS = [
    "message_id",
    "from_address",
    "from_name",
    "to",
    "subject",
    "sent_at",
    "text",
    "new_text",
    "html",
    "automatic",
    "defects",
    "language",
    "status",
    "reason",
    "threaded_by",
    "ticket",
    "ticket_message",
    "processed_at",
]


def email_store(*, raw: bytes, door: str, mailbox: Mailbox | None = None) -> tuple[InboundEmail, bool]:
    """Keep the raw bytes (committed at once) and say whether they are new. The same bytes, or a
    message with a Message-ID already stored, give the stored one back: delivered twice, kept once."""
    sha = parsing.digest(raw)
    existing = InboundEmail.objects.filter(sha256=sha).first()
    if existing is not None:
        return existing, False
    message_id, sender = parsing.header_identity(raw)
    if message_id:
        # The same message through a second mailbox or a provider's retry: other trace headers, same
        # Message-ID and sender. (Another sender reusing an id is someone else's mail: kept.)
        existing = (
            InboundEmail.objects.filter(message_id=message_id, from_address__in=[sender, ""])
            .order_by("pk")
            .first()
        )
        if existing is not None and (existing.from_address == sender or _sender_of(existing) == sender):
            return existing, False
    try:
        with transaction.atomic():
            stored = InboundEmail.objects.create(
                raw=raw, size=len(raw), sha256=sha, message_id=message_id, door=door, mailbox=mailbox
            )
    except IntegrityError:  # the same bytes raced in through another door or poller
        return InboundEmail.objects.get(sha256=sha), False
    return stored, True


def _sender_of(email: InboundEmail) -> str:
    """The sender of a stored e-mail not processed yet (its from_address is filled when processed)."""
    return parsing.header_identity(bytes(email.raw))[1]


def email_receive(
    *, raw: bytes, door: str, mailbox: Mailbox | None = None, now: datetime | None = None
) -> InboundEmail:
    """Store, then process, one inbound e-mail; a second delivery of it changes nothing."""
    stored, created = email_store(raw=raw, door=door, mailbox=mailbox)
    if created or stored.status == InboundStatus.RECEIVED:
        email_process(email=stored, now=now)
    return stored


def email_process(*, email: InboundEmail, now: datetime | None = None) -> InboundEmail:
    """Read a stored e-mail and put it where it belongs (see the module docstring). A message that
    cannot be read is marked failed with the reason, for an agent; it never raises for bad mail."""
    now = now or timezone.now()
    raw = bytes(email.raw)
    if len(raw) > mail_settings().max_message_bytes:
        return _finish(
            email, InboundStatus.FAILED, f"larger than {mail_settings().max_message_bytes} bytes", now
        )
    try:
        parsed = parsing.parse(raw)
    except parsing.Unreadable as exc:
        return _finish(email, InboundStatus.FAILED, f"unreadable: {exc}"[:300], now)
    except Exception as exc:  # noqa: BLE001 - a parser bug must not stop the next message
        logger.exception("could not parse inbound e-mail %s", email.pk)
        return _finish(email, InboundStatus.FAILED, f"{type(exc).__name__}: {exc}"[:300], now)
    try:
        with transaction.atomic():
            _fill(email, parsed)
            _route(email, parsed, now)
            email.processed_at = now
            email.save(update_fields=PROCESSED_FIELDS)
    except NoRegionError as exc:
        # Nothing could be routed; the mail stays received so the next run retries it.
        logger.error("inbound e-mail %s not routed: %s", email.pk, exc)
        email.refresh_from_db(fields=["status", "reason"])
        email.reason = str(exc)[:300]
        email.save(update_fields=["reason"])
    except DatabaseError:
        raise  # the database is down: the door must not mark the message, it is retried
    except Exception as exc:  # noqa: BLE001 - one bad message must not stop the next one
        logger.exception("could not process inbound e-mail %s", email.pk)
        email.refresh_from_db(fields=["status", "reason"])
        return _finish(email, InboundStatus.FAILED, f"{type(exc).__name__}: {exc}", now)
    return email


def _finish(email: InboundEmail, status: str, reason: str, now: datetime) -> InboundEmail:
    email.status, email.reason, email.processed_at = status, reason[:300], now
    email.save(update_fields=["status", "reason", "processed_at"])
    return email


def _fill(email: InboundEmail, parsed: parsing.Parsed) -> None:
    email.message_id = email.message_id or parsed.message_id
    email.from_address = parsed.from_address[:255]
    email.from_name = parsed.from_name[:255]
    email.to = ", ".join(parsed.to)
    email.subject = parsed.subject[:255]
    email.sent_at = parsed.date
    email.text = parsed.text
    email.new_text = quotes.fold(parsed.text)[0]
    email.html = sanitise_html(parsed.html) if parsed.html else ""
    email.automatic = parsed.automatic[:120]
    email.defects = ", ".join(parsed.defects)
    text_for_language = email.new_text or email.subject
    email.language = detect(text_for_language) or ""
    _attachments_store(email, parsed.attachments)


def sanitise_html(markup: str) -> str:
    """The project's HTML sanitiser (nh3, Ammonia) with cid: images allowed, for the agents' page."""
    return nh3.clean(
        markup,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
    )


def _type_allowed(content_type: str) -> bool:
    for allowed in mail_settings().attachment_types:
        if allowed == content_type or (allowed.endswith("*") and content_type.startswith(allowed[:-1])):
            return True
    return False


def _attachments_store(email: InboundEmail, attachments: list[parsing.Attachment]) -> None:
    conf = mail_settings()
    kept = 0
    for attachment in attachments:
        size = len(attachment.payload)
        refused = ""
        if kept >= conf.max_attachments:
            refused = f"more than {conf.max_attachments} attachments"
        elif size > conf.max_attachment_bytes:
            refused = f"larger than {conf.max_attachment_bytes} bytes"
        elif not _type_allowed(attachment.content_type):
            refused = f"type {attachment.content_type} not accepted"
        row = InboundAttachment(
            email=email,
            filename=attachment.filename[:255],
            content_type=attachment.content_type[:120],
            size=size,
            content_id=attachment.content_id,
            inline=attachment.inline,
            refused=refused,
        )
        if not refused:
            suffix = PurePosixPath(attachment.filename).suffix[:10]
            suffix = suffix if re.fullmatch(r"\.[A-Za-z0-9]{1,9}", suffix) else ".bin"
            # The stored name is ours (the customer's name is in `filename`): no path tricks reach storage.
            row.file.save(
                f"{email.sha256[:16]}-{kept + 1}{suffix}", ContentFile(attachment.payload), save=False
            )
            kept += 1
        row.save()


def _own_mail(parsed: parsing.Parsed) -> bool:
    """One of our own notifications came back (a forward rule, a mailbox that copies to itself)."""
    own = {parsing.parse_address(settings.DEFAULT_FROM_EMAIL)[1]}
    if parsed.from_address in own or selectors.reply_token_of(parsed.from_address):
        return True
    return bool(parsed.message_id) and selectors.is_our_message_id(parsed.message_id)


_REFERENCE = re.compile(r"\bHC-(\d{5,})\b", re.IGNORECASE)


def _route(email: InboundEmail, parsed: parsing.Parsed, now: datetime) -> None:
    if _own_mail(parsed):
        email.status, email.reason = InboundStatus.DROPPED, "our own e-mail came back"
        return
    if parsed.is_bounce:
        for address in parsed.bounce_recipients:
            address_bounce_record(address=address, reason=parsed.bounce_reason or "delivery failed", now=now)
        email.ticket = selectors.ticket_by_message_ids(parsed.in_reply_to + parsed.references)
        email.status = InboundStatus.DROPPED
        email.reason = f"bounce recorded for {', '.join(parsed.bounce_recipients)}"[:300]
        return
    if is_erased_address(parsed.from_address):
        email.status, email.reason = InboundStatus.DROPPED, "sender address erased"
        return
    sender = parsed.from_address
    ticket, threaded_by = None, ""
    for address in parsed.to:
        token = selectors.reply_token_of(address)
        if token:
            ticket = selectors.ticket_by_reply_token(token)
            if ticket is not None:
                threaded_by = ThreadedBy.TOKEN
                break
    if ticket is None:
        ticket = selectors.ticket_by_message_ids(parsed.in_reply_to + parsed.references)
        threaded_by = ThreadedBy.HEADERS if ticket else ""
    if ticket is None:
        for match in _REFERENCE.finditer(parsed.subject):
            candidate = selectors.ticket_by_reference(f"HC-{match.group(1)}")
            # A reference quoted by someone else (zammad#5064) never joins their ticket.
            if candidate is not None and candidate.requester_email.lower() == sender:
                ticket, threaded_by = candidate, ThreadedBy.SUBJECT
                break
    email.threaded_by = threaded_by or ThreadedBy.NEW
    if ticket is not None:
        email.ticket = ticket
        if threaded_by != ThreadedBy.TOKEN and ticket.requester_email.lower() != sender:
            email.status = InboundStatus.HELD
            email.reason = "sender is not the ticket's customer"
            return
        _add_to_ticket(email)
        return
    _open_ticket(email, parsed, now)


def _add_to_ticket(email: InboundEmail) -> None:
    email.ticket_message = ticket_customer_reply(
        ticket=email.ticket, body=_body(email), message_id=email.message_id
    )
    email.status = InboundStatus.PARSED


def _body(email: InboundEmail) -> str:
    body = email.new_text or email.text or email.subject or "(empty e-mail)"
    refused = [a for a in email.attachments.all() if a.refused]
    if refused:
        body += "\n\n" + "\n".join(f"[attachment refused: {a.filename} ({a.refused})]" for a in refused)
    return body


def _language(email: InboundEmail) -> str:
    mailbox_default = email.mailbox.language if email.mailbox and email.mailbox.language else ""
    return email.language or mailbox_default or settings.LANGUAGE_CODE


def _suggestions(text: str, language: str) -> list[int]:
    limit = mail_settings().suggestions
    if not limit or not is_site_language(language) or not text.strip():
        return []
    try:
        cards = contact_form_suggestions(text=text[:2000], language=language, limit=limit)
    except Exception:  # noqa: BLE001 - an engine that cannot build must not lose the e-mail
        logger.exception("no article suggestions for an inbound e-mail")
        return []
    return [card["id"] for card in cards[:limit]]


def _open_ticket(email: InboundEmail, parsed: parsing.Parsed, now: datetime) -> None:
    language = _language(email)
    robot = bool(parsed.automatic)
    created = ticket_create(
        requester_email=parsed.from_address,
        requester_name=parsed.from_name[:120],
        subject=parsed.subject or email.new_text[:80] or "(no subject)",
        message=_body(email),
        language=language,
        source=TicketSource.EMAIL,
        customer_timezone=zone_from_offset(parsed.utc_offset),
        idempotency_key=f"mail:{email.sha256[:60]}",
        category=email.mailbox.category if email.mailbox else None,
        region=email.mailbox.region if email.mailbox else None,
        message_id=email.message_id,
        acknowledge=not robot,
        suggested_article_ids=[] if robot else _suggestions(f"{email.subject}\n{email.new_text}", language),
        now=now,
    )
    email.ticket = created.ticket
    email.ticket_message = created.ticket.messages.order_by("pk").first()
    email.status = InboundStatus.PARSED
    if robot:
        email.reason = f"no acknowledgement: {parsed.automatic}"[:300]


@transaction.atomic
def held_accept(*, email: InboundEmail, actor: AbstractBaseUser) -> InboundEmail:
    """An agent adds a held e-mail (a stranger writing into someone's thread) to its ticket."""
    email = InboundEmail.objects.select_for_update().defer("raw").get(pk=email.pk)
    if email.status != InboundStatus.HELD or email.ticket is None:
        return email
    _add_to_ticket(email)
    email.decided_by, email.reason = actor, f"accepted by {actor.get_username()}"[:300]
    email.save(update_fields=[*PROCESSED_FIELDS, "decided_by"])
    return email


@transaction.atomic
def held_reject(*, email: InboundEmail, actor: AbstractBaseUser) -> InboundEmail:
    """An agent refuses a held e-mail: it stays stored (raw) but never joins the thread."""
    email = InboundEmail.objects.select_for_update().defer("raw").get(pk=email.pk)
    if email.status != InboundStatus.HELD:
        return email
    email.status, email.decided_by = InboundStatus.REJECTED, actor
    email.reason = f"rejected by {actor.get_username()}"[:300]
    email.save(update_fields=["status", "decided_by", "reason"])
    return email


@dataclass(frozen=True)
class Retried:
    processed: int
    failed: int


def emails_reprocess(*, limit: int = 500) -> Retried:
    """Process again the stored e-mails left "received" (a crash, no region configured yet)."""
    processed = failed = 0
    for email in InboundEmail.objects.filter(status=InboundStatus.RECEIVED).order_by("pk")[:limit]:
        email_process(email=email)
        processed += 1
        failed += email.status == InboundStatus.FAILED
    return Retried(processed=processed, failed=failed)


def mailbox_for(addresses: list[str]) -> Mailbox | None:
    """The mailbox an e-mail was sent to (plus-addresses folded), for the webhook and pipe doors."""
    plain = []
    for address in addresses:
        local, _at, domain = address.partition("@")
        plain += [address, f"{local.split('+', 1)[0]}@{domain}"]
    return Mailbox.objects.filter(address__in=plain).first()


def door_receive(*, raw: bytes, door: str, mailbox: Mailbox | None = None) -> InboundEmail:
    """The webhook and pipe doors: the mailbox is found from the recipients when not given."""
    if mailbox is None and door != Door.IMAP:
        try:
            mailbox = mailbox_for(parsing.parse_recipients(raw))
        except Exception:  # noqa: BLE001 - unreadable headers: stored without a mailbox
            mailbox = None
    return email_receive(raw=raw, door=door, mailbox=mailbox)
