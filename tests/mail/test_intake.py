"""The one intake: raw bytes stored first, then parsed, threaded and routed into tickets."""

import base64
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

from mail.models import Door, InboundEmail, InboundStatus, ThreadedBy
from mail.services import door_receive, email_receive, held_accept, held_reject
from support.models import BouncingAddress, EventKind, MessageKind, Ticket, TicketSource, TicketStatus
from support.services import address_bounce_record, ticket_create, ticket_reply, ticket_set_status
from tests.factories import make_staff
from tests.mail.corpus import PNG, msgid, multipart, part, raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
# A Tuesday morning in Europe: EMEA is on shift.
TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def regions():
    return make_demo_regions()


def receive(raw: bytes, **kwargs) -> InboundEmail:
    return email_receive(raw=raw, door=Door.PIPE, now=TUESDAY, **kwargs)


def web_ticket(email="marie@example.com", language="fr", subject="Facture en double"):
    return ticket_create(
        requester_email=email,
        subject=subject,
        message="J'ai été débitée deux fois.",
        language=language,
        source=TicketSource.WEB,
        now=TUESDAY,
    ).ticket


def test_chinese_gb2312_new_mail_with_gbk_opens_apac_ticket_acknowledged_in_chinese(
    regions, django_capture_on_commit_callbacks
):
    text = "您好，我是王堃。我的账户被锁定了，无法登录，请帮忙。"
    raw = raw_mail(
        sender="=?gb2312?B?" + base64.b64encode("王堃".encode("gbk")).decode() + "?= <wang@example.cn>",
        subject=b"=?gb2312?B?" + base64.b64encode("账户被锁定".encode("gbk")) + b"?=",
        body=text.encode("gbk"),
        content_type="text/plain; charset=gb2312",
        transfer="base64",
        date="Tue, 08 Dec 2026 17:00:00 +0800",
    )
    with django_capture_on_commit_callbacks(execute=True):
        # Saturday: the APAC team is off until Monday morning.
        inbound = email_receive(raw=raw, door=Door.PIPE, now=datetime(2026, 12, 12, 10, 0, tzinfo=UTC))
    ticket = inbound.ticket
    assert (inbound.status, inbound.threaded_by) == (InboundStatus.PARSED, ThreadedBy.NEW)
    assert (ticket.source, ticket.language, ticket.region.code) == ("email", "zh-hans", "APAC")
    assert (ticket.requester_name, ticket.subject, ticket.customer_timezone) == (
        "王堃",
        "账户被锁定",
        "Etc/GMT-8",
    )
    assert ticket.messages.get().body == text
    (ack,) = mail.outbox
    with translation.override("zh-hans"):
        received = gettext("We received your request. Your reference is %(reference)s.") % {
            "reference": ticket.reference
        }
    assert received in ack.body and received != "We received your request."
    assert ack.extra_headers["Reply-To"] == f"support+{ticket.reply_token}@nimbus.example"
    assert ack.extra_headers["In-Reply-To"] == inbound.message_id
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    # Who answers and when, in the customer's zone guessed from the Date header (+0800).
    assert "UTC+08:00" in ack.body and "Etc/GMT" not in ack.body
    assert "亚太地区团队将于您当地时间 09:00（星期一 2026年12月14日，UTC+08:00）" in ack.body


def test_japanese_iso_2022_jp_reply_without_charset_lands_readable_in_its_ticket(regions):
    ticket = web_ticket(email="taro@example.jp", language="ja", subject="請求書")
    body = (
        "ありがとうございます。まだログインできません。\n\n"
        "2026年12月8日(火) 9:00 Support <support@nimbus.example>:\n> こんにちは"
    )
    raw = raw_mail(
        sender="Taro <taro@example.jp>",
        to=f"support+{ticket.reply_token}@nimbus.example",
        subject=b"=?ISO-2022-JP?B?" + base64.b64encode("Re: 請求書".encode("iso2022_jp")) + b"?=",
        body=body.encode("iso2022_jp"),
        content_type="text/plain",
        transfer="7bit",
    )
    inbound = receive(raw)
    assert (inbound.ticket, inbound.threaded_by) == (ticket, ThreadedBy.TOKEN)
    assert ticket.messages.last().body == "ありがとうございます。まだログインできません。"
    assert inbound.text == body


def test_french_outlook_reply_with_a_changed_in_reply_to_threads_by_its_reply_address(
    regions, django_capture_on_commit_callbacks
):
    ticket = web_ticket()
    agent = make_staff(username="camille")
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=agent, body="Nous avons remboursé le doublon.", public=True)
    reply_mail = mail.outbox[-1]
    assert reply_mail.extra_headers["Reply-To"] == f"support+{ticket.reply_token}@nimbus.example"
    outlook = raw_mail(
        sender="Marie <marie@example.com>",
        to=reply_mail.extra_headers["Reply-To"],
        subject="RE: " + reply_mail.subject,
        # Outlook answered with its own ids, not ours (the thread is broken by headers alone).
        in_reply_to="<AM0PR01MB1234@eurprd01.prod.outlook.com>",
        body=(
            "Merci beaucoup, c'est bien reçu.\n\n________________________________\n"
            "De : Support <support@nimbus.example>\nEnvoyé : mardi 8 décembre 2026 10:00\n"
            "À : Marie\nObjet : " + reply_mail.subject + "\n\nNous avons remboursé le doublon."
        ),
    )
    inbound = receive(outlook)
    assert (inbound.ticket, inbound.threaded_by, inbound.status) == (ticket, ThreadedBy.TOKEN, "parsed")
    assert ticket.messages.last().body == "Merci beaucoup, c'est bien reçu."


def test_reply_with_our_message_id_in_references_threads_by_headers(
    regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = web_ticket()
    ack = mail.outbox[-1]
    raw = raw_mail(references=f"<x@elsewhere> {ack.extra_headers['Message-ID']}", subject="Re: facture")
    inbound = receive(raw)
    assert (inbound.ticket, inbound.threaded_by) == (ticket, ThreadedBy.HEADERS)


def test_mail_quoting_another_customers_ticket_reference_opens_a_new_ticket(regions):
    theirs = web_ticket(email="marie@example.com")
    raw = raw_mail(
        sender="Paul <paul@example.org>",
        subject=f"Same problem as {theirs.reference}",
        body="Hello, I have the same problem as the ticket in the subject.",
    )
    inbound = receive(raw)
    assert inbound.threaded_by == ThreadedBy.NEW
    assert inbound.ticket != theirs and inbound.ticket.requester_email == "paul@example.org"
    assert theirs.messages.count() == 1


def test_subject_reference_from_the_tickets_own_customer_joins_it(regions):
    ticket = web_ticket()
    inbound = receive(raw_mail(subject=f"Re: [{ticket.reference}] Facture", body="Toujours rien."))
    assert (inbound.ticket, inbound.threaded_by) == (ticket, ThreadedBy.SUBJECT)


def test_stranger_in_a_thread_is_held_until_an_agent_accepts_it(regions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = web_ticket()
    ack = mail.outbox[-1]
    stranger = raw_mail(
        sender="Eve <eve@example.org>", in_reply_to=ack.extra_headers["Message-ID"], body="Me too!"
    )
    held = receive(stranger)
    assert (held.status, held.ticket) == (InboundStatus.HELD, ticket)
    assert ticket.messages.count() == 1
    agent = make_staff(username="camille")
    held_accept(email=held, actor=agent)
    held.refresh_from_db()
    assert held.status == InboundStatus.PARSED and ticket.messages.last().body == "Me too!"
    other = receive(
        raw_mail(sender="eve@example.org", in_reply_to=ack.extra_headers["Message-ID"], body="Spam")
    )
    held_reject(email=other, actor=agent)
    other.refresh_from_db()
    assert other.status == InboundStatus.REJECTED and ticket.messages.count() == 2


def test_auto_reply_gets_no_answer_and_no_survey_later(regions, django_capture_on_commit_callbacks):
    raw = raw_mail(
        sender="bot@example.com", subject="Out of office", extra={"Auto-Submitted": "auto-replied"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        inbound = receive(raw)
    assert inbound.status == InboundStatus.PARSED and "Auto-Submitted" in inbound.reason
    assert inbound.ticket.automatic_mail is False
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        ticket_set_status(ticket=inbound.ticket, status=TicketStatus.SOLVED, actor=make_staff(username="sam"))
    assert mail.outbox == []
    assert inbound.ticket.events.filter(kind=EventKind.MAIL_SUPPRESSED).count() == 1


def test_two_robots_cannot_loop(regions, settings, django_capture_on_commit_callbacks):
    """A robot that answers everything and says nothing about it (no Auto-Submitted): our
    acknowledgements say Auto-Submitted, its answers thread into the ticket (no new ticket, so no
    new acknowledgement), and a robot that opens a new ticket each time hits the per-address cap."""
    settings.HELPCENTER_MAIL_AUTO_PER_ADDRESS = 3
    robot = "helpdesk@other-company.example"
    with django_capture_on_commit_callbacks(execute=True):
        receive(
            raw_mail(sender=robot, subject="Your order", body="We have received your message and will reply.")
        )
    for _round in range(10):
        ours = mail.outbox[-1]
        assert ours.extra_headers["Auto-Submitted"] == "auto-replied"
        answer = raw_mail(
            sender=robot,
            to=ours.extra_headers["Reply-To"],
            subject=f"Re: {ours.subject} [{_round}]",
            body="We have received your message and will reply.",
        )
        with django_capture_on_commit_callbacks(execute=True):
            receive(answer)
    assert len(mail.outbox) == 1
    for number in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            receive(raw_mail(sender=robot, subject=f"Ticket {number} received", body="We have received it."))
    assert len(mail.outbox) == 3
    assert Ticket.objects.filter(events__kind=EventKind.MAIL_SUPPRESSED).count() == 8


def test_our_own_notification_coming_back_is_dropped(regions, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        web_ticket()
    inbound = receive(mail.outbox[-1].message().as_bytes())
    assert (inbound.status, inbound.reason) == (InboundStatus.DROPPED, "our own e-mail came back")
    assert Ticket.objects.count() == 1


def test_bounces_are_recorded_and_pause_automatic_mail(regions, django_capture_on_commit_callbacks):
    report = (
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; marie@example.com\r\nAction: failed\r\nStatus: 5.2.2\r\n"
    )

    def bounce():
        return multipart(
            [part("text/plain", b"Mailbox full"), b"Content-Type: message/delivery-status\r\n\r\n" + report],
            subtype='report; report-type="delivery-status"',
            sender="MAILER-DAEMON@mx.example.net",
        )

    for _ in range(2):
        inbound = receive(bounce())
    assert (inbound.status, inbound.reason) == (
        InboundStatus.DROPPED,
        "bounce recorded for marie@example.com",
    )
    record = BouncingAddress.objects.get()
    assert (record.address, record.bounces, record.paused, record.last_reason) == (
        "marie@example.com",
        2,
        True,
        "5.2.2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(raw_mail(body="Bonjour, ma boîte était pleine.")).ticket
    assert mail.outbox == []
    assert ticket.events.filter(kind=EventKind.MAIL_SUPPRESSED, detail__contains="bounces").exists()
    # An agent's reply is a person's decision: it still goes out.
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=make_staff(username="camille"), body="Bonjour", public=True)
    assert len(mail.outbox) == 1


def test_bounce_record_service_counts_per_address():
    assert address_bounce_record(address="A@Example.com", reason="5.1.1").bounces == 1
    assert address_bounce_record(address="a@example.com", reason="5.1.1").paused is True


def test_same_message_delivered_twice_is_stored_once(regions):
    raw = raw_mail(body="Hello, my invoice is wrong.")
    first = receive(raw)
    assert receive(raw) == first
    # The same message through a second mailbox: other Delivered-To, same Message-ID.
    copy = b"Delivered-To: facturation@nimbus.example\r\n" + raw
    assert receive(copy) == first
    assert InboundEmail.objects.count() == 1 and Ticket.objects.count() == 1
    # Someone else reusing that Message-ID does not make their mail disappear.
    reused = raw_mail(sender="eve@example.org", message_id=first.message_id, body="Hello, a different mail.")
    assert receive(reused) != first and InboundEmail.objects.count() == 2


def test_unreadable_message_is_stored_raw_and_flagged():
    raw = b"this is not an e-mail \xff\xfe"
    inbound = receive(raw)
    assert (inbound.status, bytes(inbound.raw)) == (InboundStatus.FAILED, raw)
    assert inbound.reason == "unreadable: no sender address"


def test_html_only_mail_is_sanitised_with_a_text_version(regions):
    html = (
        b'<p>Bonjour,</p><p>ma <b>facture</b> <a href="javascript:alert(1)">ici</a></p>'
        b"<script>alert(1)</script>"
    )
    inbound = receive(raw_mail(body=html, content_type="text/html; charset=utf-8"))
    assert (
        "<script" not in inbound.html
        and "javascript:" not in inbound.html
        and "<b>facture</b>" in inbound.html
    )
    assert inbound.ticket.messages.get().body == "Bonjour,\n\nma facture ici"


def test_attachments_are_stored_and_an_over_limit_one_is_listed_as_refused(regions, settings):
    settings.HELPCENTER_MAIL_MAX_ATTACHMENT_BYTES = 1000
    raw = multipart(
        [
            part("text/plain; charset=utf-8", b"See the screenshot and the log."),
            part("image/png", PNG, disposition='attachment; filename="shot.png"'),
            part("application/pdf", b"%PDF" + b"x" * 2000, disposition='attachment; filename="big.pdf"'),
            part("application/x-msdownload", b"MZ", disposition='attachment; filename="run.exe"'),
        ]
    )
    inbound = receive(raw)
    rows = [(a.filename, a.size, a.refused, bool(a.file)) for a in inbound.attachments.all()]
    assert rows == [
        ("shot.png", len(PNG), "", True),
        ("big.pdf", 2004, "larger than 1000 bytes", False),
        ("run.exe", 2, "type application/x-msdownload not accepted", False),
    ]
    assert inbound.attachments.first().file.read() == PNG
    body = inbound.ticket.messages.get().body
    assert "[attachment refused: big.pdf (larger than 1000 bytes)]" in body


def test_new_mail_without_a_known_language_uses_the_mailbox_default(regions):
    from mail.models import Mailbox

    Mailbox.objects.create(name="Facturation", address="facturation@nimbus.example", language="fr")
    raw = raw_mail(to="facturation+eu@nimbus.example", body="OK 1234")
    inbound = door_receive(raw=raw, door=Door.WEBHOOK)
    assert (inbound.mailbox.address, inbound.ticket.language) == ("facturation@nimbus.example", "fr")


def test_a_mailbox_with_its_own_team_routes_its_tickets_there(regions):
    from mail.models import Mailbox

    emea = next(region for region in regions if region.code == "EMEA")
    Mailbox.objects.create(name="Facturation", address="facturation@nimbus.example", region=emea)
    raw = raw_mail(to="facturation@nimbus.example", body="您好，我的发票有问题，请帮忙。")
    ticket = door_receive(raw=raw, door=Door.WEBHOOK).ticket
    assert (ticket.language, ticket.region.code, ticket.covers_language) == ("zh-hans", "EMEA", False)


def test_agent_reply_threads_in_the_customers_mail(regions, django_capture_on_commit_callbacks):
    first = msgid()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(raw_mail(message_id=first, body="Hello, my export fails every time.")).ticket
        ticket_reply(ticket=ticket, author=make_staff(username="camille"), body="Try again now.", public=True)
    ack, reply = mail.outbox
    assert reply.extra_headers["In-Reply-To"] == first
    assert reply.extra_headers["References"] == f"{first} {ack.extra_headers['Message-ID']}"
    assert "Auto-Submitted" not in reply.extra_headers
    assert ticket.messages.filter(kind=MessageKind.NOTE).count() == 0


def test_automatic_mail_on_one_ticket_is_capped(regions, django_capture_on_commit_callbacks):
    """Acknowledgement and surveys are automatic: solved and reopened again and again, a ticket sends
    at most HELPCENTER_MAIL_AUTO_PER_TICKET of them in the window (3); agents' replies still go."""
    agent = make_staff(username="sam")
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(raw_mail(body="Hello, my export fails every night.")).ticket
    for _round in range(4):
        with django_capture_on_commit_callbacks(execute=True):
            ticket_set_status(ticket=ticket, status=TicketStatus.SOLVED, actor=agent)
            ticket_set_status(ticket=ticket, status=TicketStatus.OPEN, actor=agent)
    assert len(mail.outbox) == 3
    assert (
        ticket.events.filter(kind=EventKind.MAIL_SUPPRESSED, detail__contains="on this ticket").count() == 2
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket_reply(ticket=ticket, author=agent, body="Fixed now.", public=True)
    assert len(mail.outbox) == 4
