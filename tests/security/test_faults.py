"""Faults with nothing lost: a mail server that is down, a webhook that fails or hangs, a task worker
that is stopped, a database that is briefly locked or gone."""

import http.server
import json
import socket
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import OperationalError
from django.test import Client

from chatbot.models import Conversation, Message
from support import notifications, webhooks
from support.models import DeliveryStatus, EmailStatus, HandoffDelivery, OutgoingEmail, Region, Ticket
from support.services import deliveries_send, handoff_run, ticket_create
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions, make_region

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _contact(client, **changes):
    data = {
        "name": "Ann",
        "email": "ann@example.com",
        "subject": "Help",
        "message": "My server is down.",
        "timezone": "Europe/Paris",
        "submission": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        **changes,
    }
    return client.post("/fr/contact/", data)


# --- E-mail ------------------------------------------------------------------------------------------


@pytest.fixture
def mail_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("[Errno 111] Connection refused")

    # Every message Django sends goes through EmailMessage.send (ticket e-mails with their threading
    # headers, and send_mail for hand-off mail): the mail server refuses them all.
    monkeypatch.setattr(EmailMessage, "send", refuse)
    return monkeypatch


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_mail_server_down_keeps_the_ticket_and_the_email_for_a_retry(client, mail_down):
    make_demo_regions()
    assert _contact(client).status_code == 200
    ticket = Ticket.objects.get()
    email = OutgoingEmail.objects.get(ticket=ticket)
    assert (email.status, email.attempts) == (EmailStatus.PENDING, 1)
    assert "Connection refused" in email.last_error and email.next_attempt_at is not None
    assert ticket.reference in email.subject or ticket.reference in email.body


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_failed_emails_are_retried_with_backoff_then_sent(client, mail_down):
    make_demo_regions()
    _contact(client)
    email = OutgoingEmail.objects.get()
    first_due = email.next_attempt_at
    assert notifications.emails_retry(now=first_due - timedelta(seconds=1)) == 0  # not due yet
    notifications.emails_retry(now=first_due)
    email.refresh_from_db()
    assert email.attempts == 2 and email.next_attempt_at - first_due == timedelta(minutes=4)
    mail_down.undo()  # the mail server is back
    assert notifications.emails_retry(now=email.next_attempt_at) == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and mail.outbox[-1].to == ["ann@example.com"]


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_emails_that_keep_failing_are_shown_to_staff(client, mail_down):
    make_demo_regions()
    _contact(client)
    email = OutgoingEmail.objects.get()
    while email.status == EmailStatus.PENDING:
        notifications.emails_retry(now=email.next_attempt_at)
        email.refresh_from_db()
    assert email.status == EmailStatus.FAILED and email.attempts == 6
    agent = Client()
    agent.force_login(
        make_staff(username="agent", permissions=("support.view_ticket", "support.change_ticket"))
    )
    overview = agent.get("/en/agents/").content.decode()
    assert "Customer e-mails not delivered" in overview and email.ticket.reference in overview
    page = agent.get(f"/en/agents/tickets/{email.ticket.reference}/").content.decode()
    assert "failed" in page and "Connection refused" in page


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_agent_reply_is_saved_when_the_mail_server_is_down(mail_down):
    make_demo_regions()
    ticket = ticket_create(
        requester_email="c@example.com", subject="Help", message="Down", language="en", source="web"
    ).ticket
    agent = Client()
    agent.force_login(
        make_staff(username="agent", permissions=("support.view_ticket", "support.change_ticket"))
    )
    response = agent.post(
        f"/en/agents/tickets/{ticket.reference}/", {"action": "reply", "body": "We are on it.", "public": "1"}
    )
    assert response.status_code == 302
    assert ticket.messages.filter(body="We are on it.").exists()
    assert OutgoingEmail.objects.filter(ticket=ticket, status=EmailStatus.PENDING).count() == 2


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_the_handoff_command_retries_due_emails(client, mail_down, capsys):
    from django.core.management import call_command

    make_demo_regions()
    _contact(client)
    mail_down.undo()
    due = OutgoingEmail.objects.get().next_attempt_at
    call_command("handoff", at=due.isoformat())
    assert "1 customer e-mail(s) sent on a retry." in capsys.readouterr().out


# --- Task worker stopped -----------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_with_the_task_worker_stopped_tickets_are_saved_and_emails_wait_in_the_queue(settings):
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_demo_regions()
    assert _contact(Client()).status_code == 200
    assert Ticket.objects.count() == 1
    assert not OutgoingEmail.objects.exists() and not mail.outbox
    assert DBTaskResult.objects.count() == 1
    # The worker starts again: the e-mail goes out.
    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)
    assert OutgoingEmail.objects.get().status == EmailStatus.SENT
    assert mail.outbox[0].to == ["ann@example.com"]


# --- Webhooks ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/x",
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.0.0.5/hook",
        "https://192.168.1.1/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://metadata.internal/hook",
        "ftp://hooks.example.com/x",
        "file:///etc/passwd",
    ],
)
def test_webhook_urls_must_be_https_on_public_hosts(url):
    region = Region(
        code="X", name="X", timezone="UTC", hours="Mon-Fri 08:00-17:00", languages=["en"], webhook_url=url
    )
    with pytest.raises(ValidationError) as error:
        region.full_clean()
    assert "webhook_url" in error.value.message_dict


def test_public_https_webhook_is_accepted():
    region = Region(
        code="X",
        name="X",
        timezone="UTC",
        hours="Mon-Fri 08:00-17:00",
        languages=["en"],
        webhook_url="https://hooks.slack.com/services/T000/B000/XXXX",
    )
    region.full_clean()


def test_a_hostname_that_resolves_to_a_private_address_is_refused_at_send_time(monkeypatch):
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", 443))],
    )
    with pytest.raises(webhooks.WebhookRefused):
        webhooks.post("https://innocent.example.com/hook", "hello")


class _Hook(http.server.BaseHTTPRequestHandler):
    delay = 0.0
    status = 500
    calls: list = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", 0))
        type(self).calls.append(json.loads(self.rfile.read(length)))
        time.sleep(type(self).delay)
        try:
            self.send_response(type(self).status)
            self.end_headers()
        except OSError:
            pass

    def log_message(self, *args):
        pass


@pytest.fixture
def hook_server(settings):
    settings.HELPCENTER_WEBHOOK_ALLOW_PRIVATE = True  # the receiver is on this machine, on purpose
    _Hook.calls, _Hook.delay, _Hook.status = [], 0.0, 500
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()


def _handoff_setup(webhook_url):
    east = make_region("EAST", hours="Mon-Fri 08:00-17:00", order=1)
    make_region("WEST", hours="Mon-Fri 16:00-24:00", order=2, webhook_url=webhook_url)
    ticket = ticket_create(
        requester_email="c@example.com",
        subject="Down",
        message="...",
        language="en",
        source="web",
        now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC),
    ).ticket
    return east, ticket


@pytest.mark.parametrize(("status", "delay", "error"), [(500, 0.0, "HTTPError"), (200, 2.0, "timed out")])
def test_failing_or_slow_webhook_is_retried_and_never_blocks_the_handoff(
    hook_server, monkeypatch, status, delay, error
):
    _Hook.status, _Hook.delay = status, delay
    original = webhooks.post
    monkeypatch.setattr(webhooks, "post", lambda url, text, timeout=5.0: original(url, text, timeout=0.5))
    _east, ticket = _handoff_setup(hook_server)
    after = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)
    handoff_run(now=after)
    ticket.refresh_from_db()
    assert ticket.region.code == "WEST"  # the move does not wait for the post
    started = time.perf_counter()
    deliveries_send(now=after)
    assert time.perf_counter() - started < 5
    delivery = HandoffDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert error in delivery.last_error and delivery.next_attempt_at == after + timedelta(minutes=2)
    assert len(_Hook.calls) == 1 and "EAST" in _Hook.calls[0]["text"]


def test_webhook_redirects_are_not_followed(hook_server):
    _Hook.status = 302
    with pytest.raises(Exception) as error:
        webhooks.post(hook_server, "hello", timeout=2)
    assert "302" in str(error.value)


# --- The database briefly unavailable ----------------------------------------------------------------


def test_database_locked_during_a_chat_message_gives_503_and_saves_nothing(client, monkeypatch):
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
            "fr": {"title": "Réinitialiser le mot de passe", "questions": ["j'ai oublié mon mot de passe"]},
        },
    )
    conversation = client.post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    ).json()["id"]
    before = Message.objects.count()
    real = Message.objects.bulk_create

    def locked(*args, **kwargs):
        raise OperationalError("database is locked")

    # A French message switches the conversation's language (one write) before the two messages are
    # stored (the next): the lock hits the second, and the first must be undone with it.
    monkeypatch.setattr(Message.objects, "bulk_create", locked)
    response = client.post(
        f"/api/chat/conversations/{conversation}/messages",
        json.dumps({"text": "j'ai oublié mon mot de passe"}),
        content_type="application/json",
    )
    assert response.status_code == 503 and response["Retry-After"]
    assert "try again" in response.json()["error"]
    assert Message.objects.count() == before  # neither the customer's message nor the answer
    assert Conversation.objects.get(pk=conversation).language == "en"
    monkeypatch.setattr(Message.objects, "bulk_create", real)
    again = client.post(
        f"/api/chat/conversations/{conversation}/messages",
        json.dumps({"text": "j'ai oublié mon mot de passe"}),
        content_type="application/json",
    )
    assert again.status_code == 200 and Message.objects.count() == before + 2
    assert Conversation.objects.get(pk=conversation).language == "fr"


def test_database_down_on_a_page_gives_a_friendly_translated_503(client, monkeypatch):
    from kb import selectors

    def down(*args, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    monkeypatch.setattr(selectors, "categories_with_counts", down)
    response = client.get("/fr/")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    content = response.content.decode()
    assert "réessayer" in content.lower() and "Traceback" not in content


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
def test_database_failure_inside_ticket_creation_leaves_no_half_ticket(client, monkeypatch):
    from support import services

    make_demo_regions()

    def fail(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_event", fail)  # after the ticket and its message were inserted
    response = _contact(client)
    assert response.status_code == 503
    assert not Ticket.objects.exists() and not mail.outbox
