import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail

from support.models import EventKind, MessageKind, Ticket, TicketStatus
from support.notifications import status_token
from support.services import ticket_create
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

CONTACT = {
    "name": "Marie",
    "email": "marie@example.com",
    "subject": "Facture",
    "message": "Débitée deux fois",
    "timezone": "Europe/Paris",
    "submission": "0b4f6a52-61b2-4d1e-9d7a-7f0c8a4c2b11",
}


@pytest.fixture
def regions():
    return make_demo_regions()


@pytest.fixture
def ticket(regions):
    return ticket_create(
        requester_email="c@example.com",
        subject="Billing <b>question</b>",
        message="<script>alert(1)</script>",
        language="fr",
        source="web",
        now=datetime(2026, 11, 28, 23, 0, tzinfo=UTC),
    ).ticket


@pytest.fixture
def agent(regions):
    user = get_user_model().objects.create_user("agent", password="pw-for-tests-123", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    regions[1].agents.add(user)
    return user


def test_contact_form_creates_a_ticket_and_says_who_answers_when(
    client, regions, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/fr/contact/", CONTACT)
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert (ticket.source, ticket.language, ticket.customer_timezone) == ("web", "fr", "Europe/Paris")
    assert ticket.reference in response.content.decode()
    assert len(mail.outbox) == 1


def test_contact_form_double_submit_creates_one_ticket(client, regions):
    client.post("/fr/contact/", CONTACT)
    client.post("/fr/contact/", CONTACT)
    assert Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("email", "not-an-email", "Enter a valid email address."),
        ("name", "Eve\r\nBcc: victim@example.com", "This field cannot contain line breaks."),
        ("subject", "Hi\nBcc: x@example.com", "This field cannot contain line breaks."),
        ("message", "", "This field is required."),
    ],
)
def test_contact_form_bad_input_is_a_400_with_the_reason_and_no_ticket(client, regions, field, value, error):
    response = client.post("/en/contact/", {**CONTACT, field: value})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Ticket.objects.exists()


def test_contact_form_unknown_time_zone_becomes_utc(client, regions):
    client.post("/en/contact/", {**CONTACT, "timezone": "Mars/Olympus"})
    assert Ticket.objects.get().customer_timezone == "UTC"


def test_contact_form_is_rate_limited(client, regions, settings):
    settings.HELPCENTER_CONTACT_RATE = "5/d"  # the default's minute window could roll over mid-test
    statuses = [
        client.post(
            "/en/contact/", {**CONTACT, "submission": f"0b4f6a52-61b2-4d1e-9d7a-7f0c8a4c2b{n:02d}"}
        ).status_code
        for n in range(6)
    ]
    assert statuses == [200] * 5 + [429]


def test_status_page_shows_public_conversation_escaped_without_internal_notes(client, ticket, agent):
    from support.services import ticket_reply

    ticket_reply(ticket=ticket, author=agent, body="Secret internal note", public=False)
    ticket_reply(ticket=ticket, author=agent, body="Public answer", public=True)
    content = client.get(f"/fr/requests/{status_token(ticket)}/").content.decode()
    assert "Public answer" in content
    assert "Secret internal note" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content and "<script>alert(1)" not in content
    assert "Billing &lt;b&gt;question&lt;/b&gt;" in content


def test_status_page_customer_can_reply(client, ticket):
    url = f"/fr/requests/{status_token(ticket)}/"
    response = client.post(url, {"message": "Any news?"})
    assert response.status_code == 302
    assert ticket.messages.filter(kind=MessageKind.CUSTOMER, body="Any news?").exists()
    assert ticket.events.filter(kind=EventKind.CUSTOMER_REPLIED).exists()


def test_status_link_tampering_gives_404(client, ticket, regions):
    token = status_token(ticket)
    other = ticket_create(
        requester_email="o@example.com", subject="x", message="y", language="en", source="web"
    ).ticket
    assert client.get(f"/fr/requests/{token[:-2]}xx/").status_code == 404
    assert client.get(f"/fr/requests/{ticket.reference}/").status_code == 404
    # Signed with another secret: rejected.
    from django.core import signing

    from support.notifications import STATUS_LINK_SALT

    foreign = signing.dumps(
        {"t": other.pk, "k": other.access_key}, salt=STATUS_LINK_SALT, key="not-our-secret-key-0123456789"
    )
    assert client.get(f"/fr/requests/{foreign}/").status_code == 404
    # Even correctly signed, naming another ticket needs that ticket's secret key too.
    mixed = signing.dumps({"t": other.pk, "k": ticket.access_key}, salt=STATUS_LINK_SALT, compress=True)
    assert client.get(f"/fr/requests/{mixed}/").status_code == 404
    assert client.get(f"/fr/requests/{status_token(other)}/").status_code == 200
    ticket.access_key = "rotated"
    ticket.save()
    assert client.get(f"/fr/requests/{token}/").status_code == 404


@pytest.mark.parametrize("url", ["/en/agents/", "/en/agents/regions/EMEA/", "/en/agents/report/", "TICKET"])
def test_staff_pages_need_login_and_permission(client, ticket, agent, url):
    url = f"/en/agents/tickets/{ticket.reference}/" if url == "TICKET" else url
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/admin/login/")
    client.force_login(get_user_model().objects.create_user("editor", is_staff=True))
    assert client.get(url).status_code == 403
    client.force_login(agent)
    assert client.get(url).status_code == 200


def test_staff_ticket_post_needs_change_permission(client, ticket, regions):
    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_ticket"))
    client.force_login(viewer)
    response = client.post(
        f"/en/agents/tickets/{ticket.reference}/", {"action": "status", "status": "solved"}
    )
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW


def test_overview_shows_regions_and_refreshes_its_figures_in_place(client, ticket, agent):
    client.force_login(agent)
    content = client.get("/en/agents/").content.decode()
    # No <meta refresh> (it reset focus and scroll): the figures are fetched again in place
    # (support/overview.js, tested in the browser), with a pause button; no customer chat widget.
    assert "http-equiv" not in content
    assert 'id="overview-live" data-refresh-seconds="60"' in content
    assert 'data-refresh-pause aria-pressed="false"' in content
    assert "chat-widget" not in content and "/en/contact/" not in content
    assert '<a href="/en/agents/" aria-current="page">' in content
    for code in ("AMER", "EMEA", "APAC"):
        assert f'href="/en/agents/regions/{code}/"' in content


def test_queue_filters_by_language_and_overdue(client, ticket, agent):
    client.force_login(agent)
    assert ticket.reference in client.get("/en/agents/regions/EMEA/?language=fr").content.decode()
    assert ticket.reference not in client.get("/en/agents/regions/EMEA/?language=de").content.decode()
    # Due Monday 30 November 2026; it is overdue by the time these tests run later, or not yet.
    overdue = client.get("/en/agents/regions/EMEA/?overdue=on").content.decode()
    assert (ticket.reference in overdue) == (ticket.first_response_due < datetime.now(UTC))


def test_agent_reply_emails_the_customer_and_records_first_response(
    client, ticket, agent, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/en/agents/tickets/{ticket.reference}/",
            {"action": "reply", "body": "Voici la réponse", "public": "1"},
        )
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.first_responded_at is not None and ticket.status == TicketStatus.OPEN
    assert mail.outbox[-1].to == ["c@example.com"] and "Voici la réponse" in mail.outbox[-1].body


def test_agent_note_status_assign_and_move_are_logged(client, ticket, agent, regions):
    client.force_login(agent)
    url = f"/en/agents/tickets/{ticket.reference}/"
    client.post(url, {"action": "reply", "body": "internal", "public": "0"})
    client.post(url, {"action": "status", "status": "waiting"})
    client.post(url, {"action": "assign", "agent": agent.pk})
    client.post(url, {"action": "move", "region": regions[2].pk})
    ticket.refresh_from_db()
    assert (ticket.status, ticket.region.code, ticket.assigned_to) == ("waiting", "APAC", None)
    assert list(ticket.events.values_list("kind", flat=True))[2:] == [
        EventKind.NOTE,
        EventKind.STATUS,
        EventKind.ASSIGNED,
        EventKind.MOVED,
    ]
    assert not mail.outbox or all("internal" not in m.body for m in mail.outbox)


def test_agent_invalid_action_input_is_a_400(client, ticket, agent):
    client.force_login(agent)
    url = f"/en/agents/tickets/{ticket.reference}/"
    assert client.post(url, {"action": "status", "status": "bogus"}).status_code == 400
    assert client.post(url, {"action": "explode"}).status_code == 400


def test_report_counts_tickets_by_hour_region_and_language(client, ticket, agent):
    client.force_login(agent)
    response = client.get("/en/agents/report/?days=3650")
    report = response.context["report"]
    assert report.total == 1
    assert report.by_region_language == [("EMEA", "fr", 1)]
    assert sum(report.by_hour_utc) == sum(report.by_hour_local) == 1


def test_regions_command_prints_shifts_and_next_region_per_language(regions, capsys):
    from django.core.management import call_command

    call_command("regions", at="2026-11-24T16:30Z")
    out = capsys.readouterr().out
    assert "EMEA   OPEN   local Tue 16:30" in out
    assert re.search(r"fr\s+EMEA\s+now", out)
    assert re.search(r"zh-hans\s+APAC\s+Wed 2026-11-25 09:00 \+08 \(Wed 01:00 UTC\)", out)


def test_regions_command_bad_instant_is_a_one_line_error(regions):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="is not an ISO-8601 date and time"):
        call_command("regions", at="next tuesday")


def test_agent_sees_the_chat_transcript_with_readable_speakers_and_times(client, ticket, agent):
    ticket.transcript = [
        {"role": "customer", "text": "My server is down", "at": "2026-11-24T09:05:00+00:00"},
        {"role": "bot", "text": "I couldn't find an article about that.", "at": "2026-11-24T09:05:01+00:00"},
        {"role": "customer", "text": "no time"},
    ]
    ticket.save()
    client.force_login(agent)
    page = client.get(f"/en/agents/tickets/{ticket.reference}/").content.decode()
    # In the agent's zone (their region's, Dublin: UTC+0 in November), named.
    assert (
        "Customer · Tue 24 Nov 09:05 Europe/Dublin" in page
        and "Assistant · Tue 24 Nov 09:05 Europe/Dublin" in page
    )
    assert "2026-11-24T09:05" not in page and "no time" in page


def test_agent_sees_the_assistants_confidence_in_each_article_as_a_probability(client, ticket, agent):
    ticket.transcript = [
        {"role": "customer", "text": "forgot my password", "at": "2026-11-24T09:05:00+00:00"},
        {
            "role": "bot",
            "text": "Here is what I found:",
            "at": "2026-11-24T09:05:01+00:00",
            "articles": [{"slug": "reset-password", "title": "Reset your password", "confidence": 0.724}],
        },
    ]
    ticket.save()
    client.force_login(agent)
    page = client.get(f"/en/agents/tickets/{ticket.reference}/").content.decode()
    assert "Reset your password: 72 % likely right" in page
