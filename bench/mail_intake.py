"""Inbound e-mail: messages ingested per second from a real IMAP mailbox, and the peak memory of
one 30 MB mail.

Run (needs Debian's dovecot-imapd; a throwaway server is started on a loopback port and stopped):

    .venv/bin/python bench/mail_intake.py            # 2,000 mixed messages
    .venv/bin/python bench/mail_intake.py --count 500

It migrates a fresh SQLite database in a temporary folder, loads the demo regions, appends N mixed
messages (English, French Windows-1252, Japanese ISO-2022-JP without a charset, Chinese GB2312
holding GBK, HTML with an attachment: tests/mail/corpus.py) to the server's INBOX and times
`mail.imap.mailbox_poll`, which fetches, stores, parses, threads and opens a ticket (with its
acknowledgement, sent to an in-memory mail backend) for each. Then it measures one 30 MB mail
(a 22 MB attachment, base64) through `mail.services.email_receive` with tracemalloc: the peak of
Python allocations while it is stored and processed."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
WORK = Path(tempfile.mkdtemp(prefix="mail-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")
os.environ["DATABASE_URL"] = f"sqlite:///{WORK / 'bench.sqlite3'}"
os.environ["MEDIA_ROOT"] = str(WORK / "media")
os.environ.setdefault("HELPCENTER_ENCODER", "none")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from imap_tools import MailBoxUnencrypted  # noqa: E402

from mail.imap import mailbox_poll  # noqa: E402
from mail.models import Door, ImapSecurity, InboundEmail, Mailbox  # noqa: E402
from mail.services import email_receive  # noqa: E402
from support.demo import regions_load_demo  # noqa: E402
from support.models import Ticket  # noqa: E402
from tests.mail import corpus, imapserver  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=2000)
    args = parser.parse_args()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("migrate", verbosity=0)
    regions_load_demo()
    server = imapserver.start({"support": "bench-secret"})
    try:
        messages = corpus.mixed_corpus(args.count)
        with MailBoxUnencrypted(server.host, server.port).login("support", "bench-secret") as box:
            for raw in messages:
                box.append(raw, "INBOX", flag_set=())
        mailbox = Mailbox.objects.create(
            name="Support",
            address="support@nimbus.example",
            imap_host=server.host,
            imap_port=server.port,
            imap_security=ImapSecurity.NONE,
            imap_user="support",
            imap_password="bench-secret",
        )
        started = time.perf_counter()
        result = mailbox_poll(mailbox=mailbox, timeout=120)
        elapsed = time.perf_counter() - started
    finally:
        server.stop()
    size = sum(len(m) for m in messages)
    print(f"IMAP intake: {result.fetched} messages ({size / 1e6:.1f} MB) in {elapsed:.1f} s")
    print(f"  {result.fetched / elapsed:.1f} messages/s; {result.stored} stored, {result.failed} unreadable")
    print(f"  {Ticket.objects.count()} tickets, {InboundEmail.objects.count()} e-mails stored")

    big = corpus.multipart(
        [
            corpus.part("text/plain; charset=utf-8", b"The log is attached."),
            corpus.part(
                "application/zip", os.urandom(22 * 1024 * 1024), disposition='attachment; filename="log.zip"'
            ),
        ]
    )
    settings.HELPCENTER_MAIL_MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
    from mail.conf import mail_settings

    mail_settings.cache_clear()
    tracemalloc.start()
    started = time.perf_counter()
    email = email_receive(raw=big, door=Door.PIPE)
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"One {len(big) / 1e6:.1f} MB mail: {email.status} in {elapsed:.2f} s, "
        f"peak Python memory {peak / 1e6:.0f} MB ({peak / len(big):.1f}× the message)"
    )


if __name__ == "__main__":
    main()
