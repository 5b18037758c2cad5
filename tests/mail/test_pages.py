"""What agents and customers see of e-mail: the acknowledgement's article suggestions and their
"this solved my problem" link, each e-mail on the agents' pages, attachments, held mail, erasure."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail

from mail.models import Door, InboundEmail, InboundStatus
from mail.services import email_receive
from support.models import Deflection, TicketStatus
from support.services import customer_data_erase, customer_data_export
from tests.factories import make_article, make_category, make_staff
from tests.mail.corpus import PNG, multipart, part, raw_mail
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
TUESDAY = datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


@pytest.fixture
def regions():
    return make_demo_regions()


@pytest.fixture
def agent(regions):
    return make_staff(username="camille", permissions=("support.view_ticket", "support.change_ticket"))


def receive(raw):
    return email_receive(raw=raw, door=Door.PIPE, now=TUESDAY)


@pytest.fixture
def password_article():
    account = make_category(slug="account", names={"en": "Account", "fr": "Compte"})
    make_article(
        slug="update-card",
        category=make_category(slug="billing", names={"en": "Billing", "fr": "Facturation"}),
        translations={
            "en": {
                "title": "Update your payment card",
                "body": "Go to Billing.",
                "questions": ["change my credit card", "my card expired"],
            },
            "fr": {
                "title": "Changer de carte bancaire",
                "body": "Allez dans Facturation.",
                "questions": ["changer ma carte bancaire", "ma carte a expiré"],
            },
        },
    )
    return make_article(
        slug="reset-password",
        category=account,
        translations={
            "en": {
                "title": "Reset your password",
                "body": "Click **Forgot password** on the sign-in page.",
                "questions": ["I forgot my password", "can't log in", "reset my password"],
            },
            "fr": {
                "title": "Réinitialiser votre mot de passe",
                "body": "Cliquez sur **Mot de passe oublié**.",
                "questions": ["j'ai oublié mon mot de passe", "je n'arrive pas à me connecter"],
            },
        },
    )


def test_acknowledgement_offers_confident_articles_with_a_solved_link_that_closes_the_ticket(
    client, regions, password_article, django_capture_on_commit_callbacks
):
    raw = raw_mail(
        subject="J'ai oublié mon mot de passe",
        body="Bonjour, j'ai oublié mon mot de passe et je n'arrive pas à me connecter.",
    )
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(raw).ticket
    assert ticket.language == "fr"
    (ack,) = mail.outbox
    assert "Réinitialiser votre mot de passe" in ack.body
    link = re.search(r"http://127\.0\.0\.1:8000(/fr/requests/solved/[^/\s]+/)", ack.body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and ticket.reference in page.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW  # opening the link (a mail scanner) changes nothing
    done = client.post(link)
    assert done.status_code == 200
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.SOLVED
    assert list(Deflection.objects.values_list("article", "language")) == [(password_article.pk, "fr")]
    client.post(link)
    assert Deflection.objects.count() == 1
    # "If you still need us, reply to our e-mail and it opens again."
    receive(raw_mail(to=f"support+{ticket.reply_token}@nimbus.example", body="En fait, toujours bloquée."))
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN


def test_solved_link_forged_is_404(client):
    assert client.get("/fr/requests/solved/forged/").status_code == 404


def test_no_suggestions_when_the_engine_is_not_confident(
    regions, password_article, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        receive(
            raw_mail(subject="Partnership", body="We would like to discuss a reseller agreement with you.")
        )
    assert "/requests/solved/" not in mail.outbox[0].body


def _rich_mail():
    return multipart(
        [
            multipart_related(),
            part("application/pdf", b"%PDF-1.4 report", disposition='attachment; filename="report.pdf"'),
            part(
                "image/svg+xml",
                b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                disposition='attachment; filename="evil.svg"',
            ),
            part("application/x-msdownload", b"MZ", disposition='attachment; filename="setup.exe"'),
        ]
    )


def multipart_related() -> bytes:
    inner = multipart(
        [
            part(
                "text/html; charset=utf-8",
                b'<p>Bonjour, voici la capture.</p><img src="cid:shot@client"><script>alert(1)</script>'
                b"<blockquote>Le lundi, Support a \xc3\xa9crit : ancien message</blockquote>",
            ),
            part("image/png", PNG, disposition="inline", content_id="<shot@client>"),
        ],
        subtype="related",
    )
    # A nested multipart is a part: its own headers, then its body.
    head, _sep, body = inner.partition(b"\r\n\r\n")
    content_type = next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Type"))
    return content_type + b"\r\n\r\n" + body


def test_agents_see_each_email_with_new_part_full_text_and_attachments(client, agent):
    inbound = receive(_rich_mail())
    client.force_login(agent)
    ticket_page = client.get(f"/en/agents/tickets/{inbound.ticket.reference}/")
    link = f"/en/agents/emails/message/{inbound.ticket_message.pk}/"
    assert link in ticket_page.content.decode()
    assert client.get(link)["Location"] == f"/en/agents/emails/{inbound.pk}/"
    page = client.get(f"/en/agents/emails/{inbound.pk}/").content.decode()
    assert "Bonjour, voici la capture." in page
    assert "ancien message" in page  # the full text, one click away (a <details>)
    assert "<script>alert(1)</script>" not in page
    image = inbound.attachments.get(inline=True)
    assert f'src="/en/agents/emails/attachments/{image.pk}/"' in page
    assert "report.pdf" in page and "evil.svg" in page
    assert "type application/x-msdownload not accepted" in page
    assert inbound.ticket_message.body == (
        "Bonjour, voici la capture.\n\n"
        "[attachment refused: setup.exe (type application/x-msdownload not accepted)]"
    )


def test_attachments_download_with_a_safe_content_type(client, agent):
    inbound = receive(_rich_mail())
    client.force_login(agent)
    by_name = {a.filename: a for a in inbound.attachments.all()}
    png = client.get(f"/en/agents/emails/attachments/{by_name['attachment-1.png'].pk}/")
    assert (png["Content-Type"], png["X-Content-Type-Options"]) == ("image/png", "nosniff")
    assert b"".join(png.streaming_content) == PNG
    svg = client.get(f"/en/agents/emails/attachments/{by_name['evil.svg'].pk}/")
    assert svg["Content-Type"] == "application/octet-stream"
    assert svg["Content-Disposition"].startswith("attachment;")
    refused = client.get(f"/en/agents/emails/attachments/{by_name['setup.exe'].pk}/")
    assert refused.status_code == 404


def test_email_pages_are_for_staff_only(client, regions):
    inbound = receive(raw_mail())
    assert client.get(f"/en/agents/emails/{inbound.pk}/").status_code == 302
    client.force_login(make_staff(username="nobody"))
    assert client.get(f"/en/agents/emails/{inbound.pk}/").status_code == 403
    assert client.get("/en/agents/emails/held/").status_code == 403


def test_held_email_is_accepted_from_the_held_page(client, agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ticket = receive(raw_mail(body="Hello, I cannot log in.")).ticket
    ours = mail.outbox[-1].extra_headers["Message-ID"]
    held = receive(raw_mail(sender="boss@example.com", in_reply_to=ours, body="Please hurry."))
    client.force_login(agent)
    listing = client.get("/en/agents/emails/held/").content.decode()
    assert f"/en/agents/emails/{held.pk}/" in listing
    assert client.post(f"/en/agents/emails/{held.pk}/decide/", {"decision": "maybe"}).status_code == 400
    response = client.post(f"/en/agents/emails/{held.pk}/decide/", {"decision": "accept"})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.status == InboundStatus.PARSED and ticket.messages.last().body == "Please hurry."


def test_viewer_without_change_permission_cannot_decide(client, regions):
    inbound = receive(raw_mail())
    client.force_login(make_staff(username="viewer", permissions=("support.view_ticket",)))
    assert client.post(f"/en/agents/emails/{inbound.pk}/decide/", {"decision": "reject"}).status_code == 403


def test_export_and_erase_cover_raw_mail_and_attachments(regions):
    inbound = receive(_rich_mail())
    files = [a.file.path for a in inbound.attachments.all() if a.file]
    assert len(files) == 3
    export = customer_data_export(email="marie@example.com")["records"]["mail"]
    assert [(r["type"], r["subject"], len(r["attachments"])) for r in export] == [
        ("inbound_email", "Hello", 4)
    ]
    assert "Bonjour" in export[0]["raw"] or "Content-Type" in export[0]["raw"]
    erasure = customer_data_erase(email="marie@example.com", actor=None, via="test")
    assert erasure.counts["mail"] == 1
    inbound = InboundEmail.objects.get()
    assert (bytes(inbound.raw), inbound.text, inbound.attachments.count()) == (b"", "", 0)
    assert inbound.from_address.endswith("@erased.invalid")
    import os

    assert [path for path in files if os.path.exists(path)] == []
    assert customer_data_erase(email="marie@example.com", actor=None, via="test").counts["mail"] == 0
