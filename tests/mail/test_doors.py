"""The provider webhook door (django-anymail) and the standard-input door (Postfix pipe)."""

import base64
import hashlib
import hmac
import io
import sys

import pytest
from django.core.management import CommandError, call_command

from mail.models import Door, InboundEmail, InboundStatus, Mailbox
from tests.mail.corpus import raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
SECRET = "mailgun:webhook-password"
KEY = "key-test-signing"


@pytest.fixture
def anymail(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": KEY}
    make_demo_regions()


def _mailgun_post(client, raw: bytes, *, key: str = KEY, auth: str = SECRET):
    timestamp, token = "1765184400", "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return client.post(
        "/mail/inbound/mailgun/",
        {"body-mime": raw.decode("utf-8"), "timestamp": timestamp, "token": token, "signature": signature},
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(auth.encode()).decode(),
    )


def test_webhook_with_a_good_signature_is_stored_and_threaded(client, anymail):
    Mailbox.objects.create(name="Billing", address="facturation@nimbus.example", language="fr")
    response = _mailgun_post(
        client, raw_mail(to="facturation@nimbus.example", body="Bonjour, ma facture est fausse.")
    )
    assert response.status_code == 200
    inbound = InboundEmail.objects.get()
    assert (inbound.door, inbound.status, inbound.mailbox.address) == (
        Door.WEBHOOK,
        InboundStatus.PARSED,
        "facturation@nimbus.example",
    )
    assert inbound.ticket.language == "fr"


def test_webhook_with_a_wrong_signature_is_refused(client, anymail):
    response = _mailgun_post(client, raw_mail(), key="not-the-key")
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_webhook_without_the_shared_secret_is_refused(client, anymail):
    response = _mailgun_post(client, raw_mail(), auth="mailgun:guess")
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_webhook_of_a_provider_not_configured_answers_404(client, settings):
    settings.ANYMAIL = {}
    assert client.post("/mail/inbound/mailgun/", {"body-mime": "x"}).status_code == 404
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}  # the secret, but no Mailgun signing key
    assert _mailgun_post(client, raw_mail()).status_code == 404
    assert client.post("/mail/inbound/unknown/", {}).status_code == 404


def _stdin(monkeypatch, raw: bytes):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw)))


def test_pipe_command_stores_and_processes_a_message(monkeypatch):
    make_demo_regions()
    _stdin(monkeypatch, raw_mail(body="Hello, my invoice is wrong."))
    out = io.StringIO()
    call_command("mail_receive", stdout=out)
    inbound = InboundEmail.objects.get()
    assert out.getvalue() == f"{inbound.pk} parsed\n"
    assert inbound.door == Door.PIPE and inbound.ticket is not None


def test_pipe_command_stores_an_unreadable_message_and_says_why(monkeypatch):
    _stdin(monkeypatch, b"not mail \xff")
    out = io.StringIO()
    call_command("mail_receive", stdout=out)
    assert out.getvalue().endswith(" failed: unreadable: no sender address\n")


def test_pipe_command_refuses_empty_input_and_unknown_mailbox(monkeypatch):
    _stdin(monkeypatch, b"")
    with pytest.raises(CommandError, match="no message on standard input"):
        call_command("mail_receive")
    with pytest.raises(CommandError, match="no mailbox nobody@nimbus.example"):
        call_command("mail_receive", "--mailbox", "nobody@nimbus.example")
