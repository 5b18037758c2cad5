"""The IMAP door: fetch a mailbox's new messages with imap-tools, hand each one's bytes to the
intake, and only after it is stored flag it as read (or move it to the "done" folder).

- One poller per mailbox across machines: a lease on the Mailbox row, taken with one conditional
  UPDATE (`lock_until` in the past, or our own), renewed after every message.
- Killed between fetch and mark, the message is still unread on the server: the next run fetches it
  again, the intake finds its bytes already stored (`email_store` dedupes by hash and Message-ID),
  and it is then marked. Nothing is lost, nothing is stored twice.
- An unreadable message is stored raw and flagged for an agent (status "failed"); it is marked like
  any other, so it never blocks the next one."""

from __future__ import annotations

import logging
import os
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils import timezone
from imap_tools import AND, MailBox, MailBoxStartTls, MailBoxUnencrypted, MailMessage, MailMessageFlags

from .models import Door, ImapSecurity, InboundStatus, Mailbox
from .services import email_process, email_store

logger = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)


class MailboxBusy(Exception):
    """Another poller holds this mailbox's lease."""


class _RawMessage(MailMessage):
    """A fetched message that keeps its exact bytes and does not parse them (the intake does)."""

    def __init__(self, fetch_data: list) -> None:
        raw, uid_data, flag_data = self._get_message_data_parts(fetch_data)
        self._raw_uid_data, self._raw_flag_data = uid_data, flag_data
        self.raw: bytes = raw
        self.obj = None


def _client(mailbox: Mailbox, timeout: float):
    if mailbox.imap_security == ImapSecurity.SSL:
        client = MailBox(
            mailbox.imap_host, mailbox.imap_port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    elif mailbox.imap_security == ImapSecurity.STARTTLS:
        client = MailBoxStartTls(
            mailbox.imap_host, mailbox.imap_port, timeout=timeout, ssl_context=ssl.create_default_context()
        )
    else:
        client = MailBoxUnencrypted(mailbox.imap_host, mailbox.imap_port, timeout=timeout)
    client.email_message_class = _RawMessage
    return client


def lock_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def lease_take(mailbox: Mailbox, owner: str) -> bool:
    """Take or renew the mailbox's lease; False when another poller holds it."""
    now = timezone.now()
    taken = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(Q(lock_until__isnull=True) | Q(lock_until__lt=now) | Q(lock_owner=owner))
        .update(lock_owner=owner, lock_until=now + LEASE)
    )
    return taken == 1


def lease_release(mailbox: Mailbox, owner: str) -> None:
    Mailbox.objects.filter(pk=mailbox.pk, lock_owner=owner).update(lock_owner="", lock_until=None)


@dataclass
class PollResult:
    fetched: int = 0
    stored: int = 0  # new messages (the others were already stored: a redelivery or a rerun)
    failed: int = 0  # stored but unreadable, flagged for an agent
    idle: bool = False  # the server offers IDLE


def mailbox_poll(
    *, mailbox: Mailbox, owner: str | None = None, limit: int | None = None, timeout: float = 30
) -> PollResult:
    """Fetch and store every new message of `mailbox` once; raises MailboxBusy when another poller
    has it, and the IMAP library's errors when the server cannot be reached (nothing is marked)."""
    owner = owner or lock_owner()
    if not lease_take(mailbox, owner):
        raise MailboxBusy(mailbox.address)
    result = PollResult()
    try:
        with _client(mailbox, timeout).login(
            mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder
        ) as client:
            result.idle = "IDLE" in client.client.capabilities
            _fetch_all(client, mailbox, owner, limit, result)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_polled_at=timezone.now(), last_error="")
    except MailboxBusy:
        raise
    except Exception as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(last_error=f"{type(exc).__name__}: {exc}"[:300])
        raise
    finally:
        lease_release(mailbox, owner)
    return result


def _fetch_all(client, mailbox: Mailbox, owner: str, limit: int | None, result: PollResult) -> None:
    # With a "done" folder everything left in the folder is to do; without one, what is unread.
    criteria = "ALL" if mailbox.imap_done_folder else AND(seen=False)
    uids = client.uids(criteria)
    for uid in uids[:limit] if limit else uids:
        for message in client.fetch(AND(uid=uid), mark_seen=False):
            result.fetched += 1
            stored = _store(message.raw, mailbox)
            result.stored += stored[0]
            result.failed += stored[1]
            # Stored (committed): now, and only now, the server may forget it.
            if mailbox.imap_done_folder:
                client.move(uid, mailbox.imap_done_folder)
            else:
                client.flag(uid, MailMessageFlags.SEEN, True)
        if not lease_take(mailbox, owner):
            raise MailboxBusy(mailbox.address)


def _store(raw: bytes, mailbox: Mailbox) -> tuple[bool, bool]:
    """(new?, unreadable?) for one fetched message, after the intake stored and processed it."""
    email, created = email_store(raw=raw, door=Door.IMAP, mailbox=mailbox)
    if created or email.status == InboundStatus.RECEIVED:
        email_process(email=email)
    return created, email.status == InboundStatus.FAILED


def mailbox_watch(
    *, mailbox: Mailbox, idle_seconds: int = 25 * 60, poll_seconds: int = 60, rounds=None
) -> None:
    """Poll, then wait for new mail (IDLE where the server offers it, else sleep), forever or for
    `rounds` rounds; a server error is logged and retried after `poll_seconds`."""
    import time

    done = 0
    while rounds is None or done < rounds:
        done += 1
        try:
            result = mailbox_poll(mailbox=mailbox)
        except MailboxBusy:
            time.sleep(poll_seconds)
            continue
        except Exception as exc:  # noqa: BLE001 - a server that is down is retried
            logger.warning("IMAP %s: %s", mailbox.address, exc)
            time.sleep(poll_seconds)
            continue
        if result.idle:
            with _client(mailbox, idle_seconds + 30).login(
                mailbox.imap_user, mailbox.imap_password, initial_folder=mailbox.imap_folder
            ) as client:
                client.idle.wait(timeout=idle_seconds)
        else:
            time.sleep(poll_seconds)
