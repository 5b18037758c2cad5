"""Staff manage mailboxes and inbound e-mail in the admin; nothing there shows the raw bytes."""

import pytest

from mail.models import Door, InboundStatus, Mailbox
from mail.services import email_receive
from tests.mail.corpus import raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


def test_admin_pages_for_mailboxes_and_emails_render(admin_client):
    make_demo_regions()
    inbound = email_receive(raw=raw_mail(body="Hello, please help."), door=Door.PIPE)
    mailbox = Mailbox.objects.create(name="Support", address="support@nimbus.example", imap_password="s3cret")
    for url in (
        "/admin/mail/mailbox/",
        "/admin/mail/mailbox/add/",
        f"/admin/mail/mailbox/{mailbox.pk}/change/",
        "/admin/mail/inboundemail/",
        f"/admin/mail/inboundemail/{inbound.pk}/change/",
        "/admin/support/bouncingaddress/",
    ):
        assert admin_client.get(url).status_code == 200, url


def test_admin_action_rejects_held_emails(admin_client, django_capture_on_commit_callbacks):
    from django.core import mail

    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        email_receive(raw=raw_mail(body="Hello, my export fails."), door=Door.PIPE)
    ours = mail.outbox[-1].extra_headers["Message-ID"]
    held = email_receive(raw=raw_mail(sender="eve@example.org", in_reply_to=ours, body="+1"), door=Door.PIPE)
    assert held.status == InboundStatus.HELD
    response = admin_client.post(
        "/admin/mail/inboundemail/", {"action": "reject", "_selected_action": [held.pk]}
    )
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == InboundStatus.REJECTED
