"""The IMAP door against a real server (Debian's dovecot, started by the imap_server fixture)."""

import base64

import pytest
from django.core import mail
from imap_tools import AND, MailBoxUnencrypted

from mail.imap import MailboxBusy, lease_take, mailbox_poll, mailbox_watch
from mail.models import Door, ImapSecurity, InboundEmail, InboundStatus, Mailbox, ThreadedBy
from mail.services import email_store
from support.models import Ticket, TicketSource
from support.services import ticket_create
from tests.mail.corpus import PNG, multipart, part, raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def server_box(imap_server):
    """The "support" account's INBOX, emptied before the test."""
    with MailBoxUnencrypted(imap_server.host, imap_server.port).login("support", "support-secret") as box:
        box.delete(box.uids("ALL"))
        existing = [f.name for f in box.folder.list()]
        if "Processed" in existing:
            box.folder.set("Processed")
            box.delete(box.uids("ALL"))
            box.folder.set("INBOX")
        else:
            box.folder.create("Processed")
        yield box


@pytest.fixture
def mailbox(imap_server, server_box):
    make_demo_regions()
    return Mailbox.objects.create(
        name="Support",
        address="support@nimbus.example",
        imap_host=imap_server.host,
        imap_port=imap_server.port,
        imap_security=ImapSecurity.NONE,
        imap_user="support",
        imap_password="support-secret",
    )


def deliver(box, *messages: bytes) -> None:
    for raw in messages:
        box.append(raw, "INBOX", flag_set=())


def unseen(box) -> list[str]:
    box.client.noop()  # see what the poller's own connection changed
    return box.uids(AND(seen=False))


def test_japanese_reply_without_charset_and_chinese_new_mail_through_imap(
    mailbox, server_box, django_capture_on_commit_callbacks
):
    ticket = ticket_create(
        requester_email="taro@example.jp",
        subject="請求書",
        message="…",
        language="ja",
        source=TicketSource.WEB,
    ).ticket
    japanese = raw_mail(
        sender="Taro <taro@example.jp>",
        to=f"support+{ticket.reply_token}@nimbus.example",
        subject=b"=?ISO-2022-JP?B?" + base64.b64encode("Re: 請求書".encode("iso2022_jp")) + b"?=",
        body="まだログインできません。".encode("iso2022_jp"),
        content_type="text/plain",
        transfer="7bit",
    )
    chinese = raw_mail(
        sender="wang@example.cn",
        body="您好，王堃的账户被锁定了，无法登录。".encode("gbk"),
        content_type="text/plain; charset=gb2312",
        transfer="base64",
    )
    deliver(server_box, japanese, chinese)
    with django_capture_on_commit_callbacks(execute=True):
        result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored, result.failed, result.idle) == (2, 2, 0, True)
    assert ticket.messages.last().body == "まだログインできません。"
    new = Ticket.objects.get(requester_email="wang@example.cn")
    assert (new.language, new.region.code, new.messages.get().body) == (
        "zh-hans",
        "APAC",
        "您好，王堃的账户被锁定了，无法登录。",
    )
    assert [m.to for m in mail.outbox] == [["wang@example.cn"]]
    assert f"我们已收到您的请求。您的编号是 {new.reference}。" in mail.outbox[0].body
    assert unseen(server_box) == []


def test_same_message_fetched_twice_is_one_message(mailbox, server_box):
    raw = raw_mail(body="Hello, my invoice is wrong.")
    deliver(server_box, raw, raw)
    first = mailbox_poll(mailbox=mailbox)
    deliver(server_box, raw)
    second = mailbox_poll(mailbox=mailbox)
    assert (first.fetched, first.stored, second.fetched, second.stored) == (2, 1, 1, 0)
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1
    assert unseen(server_box) == []


def test_killing_the_poller_between_fetch_and_mark_loses_and_duplicates_nothing(mailbox, server_box):
    """A poller killed after the intake committed the bytes and before the server marked the
    message leaves exactly this: the bytes stored, the message still unread on the server. (Killed
    before the store, nothing is stored and the message is unread: the plain case below.)"""
    stored_then_killed = raw_mail(subject="First", body="Hello, the export fails.")
    killed_before_store = raw_mail(subject="Second", body="Hello, the import fails too.")
    deliver(server_box, stored_then_killed, killed_before_store)
    (fetched, _other) = list(server_box.fetch(AND(seen=False), mark_seen=False))
    email_store(raw=_raw_of(server_box, fetched.uid), door=Door.IMAP, mailbox=mailbox)
    assert len(unseen(server_box)) == 2  # the kill: no mark was sent
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored) == (2, 1)
    assert sorted(InboundEmail.objects.values_list("subject", "status")) == [
        ("First", InboundStatus.PARSED),
        ("Second", InboundStatus.PARSED),
    ]
    assert Ticket.objects.count() == 2 and unseen(server_box) == []


def _raw_of(box, uid: str) -> bytes:
    """The exact bytes the poller fetches (BODY.PEEK[]), without marking the message."""
    typ, data = box.client.uid("FETCH", uid, "(BODY.PEEK[])")
    return data[0][1]


def test_an_unreadable_message_is_flagged_and_the_next_one_still_fetched(mailbox, server_box):
    deliver(
        server_box, b"garbage without headers \xff\xfe\r\n", raw_mail(subject="After", body="Hello there.")
    )
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored, result.failed) == (2, 2, 1)
    assert sorted(InboundEmail.objects.values_list("status", flat=True)) == ["failed", "parsed"]
    assert unseen(server_box) == []


def test_a_second_poller_is_refused_while_the_first_holds_the_mailbox(mailbox, server_box):
    deliver(server_box, raw_mail())
    assert lease_take(mailbox, "other-machine:123")
    with pytest.raises(MailboxBusy):
        mailbox_poll(mailbox=mailbox, owner="this-machine:456")
    assert InboundEmail.objects.count() == 0 and len(unseen(server_box)) == 1


def test_stored_mail_is_moved_to_the_done_folder(mailbox, server_box):
    mailbox.imap_done_folder = "Processed"
    mailbox.save()
    deliver(server_box, raw_mail(body="Hello, please help with my account."))
    mailbox_poll(mailbox=mailbox)
    server_box.client.noop()
    assert server_box.uids("ALL") == []
    server_box.folder.set("Processed")
    assert len(server_box.uids("ALL")) == 1
    server_box.folder.set("INBOX")


def test_watch_fetches_then_waits_with_idle(mailbox, server_box):
    deliver(server_box, raw_mail(body="Hello, a question about my plan."))
    mailbox_watch(mailbox=mailbox, idle_seconds=1, rounds=1)
    assert InboundEmail.objects.get().threaded_by == ThreadedBy.NEW


def test_poll_command_reports_each_mailbox(mailbox, server_box):
    from io import StringIO

    from django.core.management import call_command

    deliver(server_box, raw_mail(body="Hello, a question about my plan."))
    out = StringIO()
    call_command("mail_poll", "--once", stdout=out)
    assert out.getvalue() == "support@nimbus.example: 1 fetched, 1 new, 0 unreadable\n"


def test_poll_command_reports_a_mailbox_it_cannot_fetch(mailbox, server_box):
    from io import StringIO

    from django.core.management import CommandError, call_command

    mailbox.imap_password = "wrong"
    mailbox.save()
    deliver(server_box, raw_mail())
    err = StringIO()
    with pytest.raises(CommandError, match="1 mailbox"):
        call_command("mail_poll", "--once", stderr=err)
    assert err.getvalue().startswith("support@nimbus.example: MailboxLoginError")
    mailbox.refresh_from_db()
    assert mailbox.last_error.startswith("MailboxLoginError") and mailbox.lock_until is None
    assert len(unseen(server_box)) == 1


def test_ugly_corpus_never_stops_the_poller(mailbox, server_box, settings):
    """Each ugly message is stored raw; the unreadable ones are flagged; the last good one arrives."""
    # 22 MB of zip, base64-encoded: a 30 MB mail.
    big = multipart(
        [
            part("text/plain; charset=utf-8", b"A big log."),
            part("application/zip", b"\0" * (22 * 1024 * 1024)),
        ]
    )
    many = multipart(
        [part("text/plain; charset=utf-8", b"Many screenshots.")]
        + [part("image/png", PNG, disposition=f'attachment; filename="shot-{i}.png"') for i in range(300)]
    )
    nested = multipart(
        [part("text/plain", b"fwd"), b"Content-Type: message/rfc822\r\n\r\n" + raw_mail(subject="inner")]
    )
    ugly = [
        big,
        many,
        nested,
        raw_mail(content_type='multipart/mixed; boundary="x"', transfer="7bit", body=b"--x\r\nbroken"),
        raw_mail(body="caf\xe9".encode("latin-1"), content_type="text/plain; charset=utf-16"),
        raw_mail(sender="=?utf-8?Q?A=0D=0ABcc:_x@y.example?= <a@example.com>"),
        raw_mail(body=b"<script>alert(1)</script><p>hi</p>", content_type="text/html; charset=utf-8"),
        b"\x00\x01\x02",
        raw_mail(subject="The good one", body="Hello, this one is fine."),
    ]
    deliver(server_box, *ugly)
    result = mailbox_poll(mailbox=mailbox)
    assert (result.fetched, result.stored) == (len(ugly), len(ugly))
    assert InboundEmail.objects.filter(status="failed").count() == result.failed == 1
    assert InboundEmail.objects.get(subject="The good one").status == InboundStatus.PARSED
    many_email = InboundEmail.objects.get(from_address="marie@example.com", text__startswith="Many")
    assert many_email.attachments.count() == 300
    assert many_email.attachments.exclude(refused="").count() == 250
    big_email = InboundEmail.objects.get(size__gt=29 * 1024 * 1024)
    assert big_email.status == InboundStatus.PARSED
    assert big_email.attachments.get().refused == "larger than 15728640 bytes"
    assert unseen(server_box) == []


KILL_SETUP = """
from django.core.management import call_command
call_command("migrate", verbosity=0)
from mail.models import ImapSecurity, Mailbox
from support.demo import regions_load_demo
regions_load_demo()
Mailbox.objects.create(name="Support", address="support@nimbus.example", imap_host="{host}",
    imap_port={port}, imap_security=ImapSecurity.NONE, imap_user="billing", imap_password="billing-secret")
"""
# The killed poller's lease is still on the mailbox: a later run would wait it out; here it expires.
KILL_FINISH = """
from django.core.management import call_command
from mail.models import InboundEmail, Mailbox
from support.models import Ticket
Mailbox.objects.update(lock_until=None)
call_command("mail_poll", "--once", verbosity=0)
print(InboundEmail.objects.count(), InboundEmail.objects.values("sha256").distinct().count())
print(Ticket.objects.count())
"""


@pytest.mark.django_db(databases=[])
def test_a_poller_process_killed_mid_run_loses_and_duplicates_nothing(imap_server, tmp_path):
    """A real `manage.py mail_poll` process is killed (SIGKILL) while it works through the mailbox,
    on a database of its own; a second run finishes: every message stored once, each one marked."""
    import os
    import signal
    import sqlite3
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'poller.sqlite3'}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "HELPCENTER_ENCODER": "none",
    }

    def script(code: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    script(KILL_SETUP.format(host=imap_server.host, port=imap_server.port))
    total = 30
    with MailBoxUnencrypted(imap_server.host, imap_server.port).login("billing", "billing-secret") as box:
        box.delete(box.uids("ALL"))
        for number in range(total):
            box.append(
                raw_mail(subject=f"Question {number}", body=f"Hello, question number {number}."), "INBOX"
            )
        poller = subprocess.Popen(
            [sys.executable, "manage.py", "mail_poll", "--once"],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        database = sqlite3.connect(tmp_path / "poller.sqlite3", timeout=30)
        while poller.poll() is None:  # wait until it is part-way through, then kill it
            if database.execute("select count(*) from mail_inboundemail").fetchone()[0] >= 5:
                break
            time.sleep(0.05)
        poller.send_signal(signal.SIGKILL)
        poller.wait()
        stored = database.execute("select count(*) from mail_inboundemail").fetchone()[0]
        database.close()
        box.client.noop()
        assert 0 < stored < total and len(box.uids(AND(seen=False))) >= total - stored
        counts = script(KILL_FINISH).split()[-3:]  # after the command's own line
        box.client.noop()
        assert box.uids(AND(seen=False)) == []
    assert counts == [str(total)] * 3
