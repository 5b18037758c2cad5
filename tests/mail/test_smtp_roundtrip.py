"""Ticket e-mails through Django's SMTP backend to a real SMTP receiver (aiosmtpd on a loopback
port), and the customer's answer to one of them back through the intake: one thread."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from mail.models import Door, ThreadedBy
from mail.services import email_receive
from support.models import TicketSource
from support.services import ticket_create, ticket_reply
from tests.factories import make_staff
from tests.mail.corpus import raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


class _Keep:
    def __init__(self):
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def smtp(settings):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Keep()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 10},
        }
    }
    yield handler
    controller.stop()


def test_agent_reply_over_smtp_carries_the_thread_and_the_answer_joins_it(
    smtp, django_capture_on_commit_callbacks
):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = ticket_create(
            requester_email="marie@example.com",
            subject="Export",
            message="My export fails.",
            language="en",
            source=TicketSource.WEB,
        ).ticket
        ticket_reply(ticket=ticket, author=make_staff(username="sam"), body="Fixed, try again.", public=True)
    ack, reply = (email.message_from_bytes(raw) for raw in smtp.messages)
    assert reply["Reply-To"] == f"support+{ticket.reply_token}@nimbus.example"
    assert reply["In-Reply-To"] == ack["Message-ID"]
    assert reply["References"] == ack["Message-ID"]
    assert ack["Auto-Submitted"] == "auto-generated" and reply["Auto-Submitted"] is None
    answer = raw_mail(
        to=reply["Reply-To"],
        subject="Re: " + reply["Subject"],
        in_reply_to=reply["Message-ID"],
        references=f"{ack['Message-ID']} {reply['Message-ID']}",
        body="It works now, thank you!\n\nOn Tue, Support wrote:\n> Fixed, try again.",
    )
    inbound = email_receive(raw=answer, door=Door.PIPE)
    assert (inbound.ticket, inbound.threaded_by) == (ticket, ThreadedBy.TOKEN)
    assert ticket.messages.last().body == "It works now, thank you!"
    # Our own reply, bounced back to the mailbox as it was sent, is dropped.
    assert email_receive(raw=smtp.messages[1], door=Door.PIPE).status == "dropped"
