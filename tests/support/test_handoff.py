from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from support.models import DeliveryStatus, EventKind, Handoff, HandoffDelivery, Ticket
from support.services import deliveries_send, handoff_run, ticket_create, ticket_reply
from tests.support.factories import make_region

pytestmark = pytest.mark.django_db

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
AFTER_EAST_SHIFT = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)


@pytest.fixture
def regions():
    east = make_region("EAST", hours="Mon-Fri 08:00-17:00", order=1, handoff_email="east@nimbus.example")
    west = make_region(
        "WEST",
        hours="Mon-Fri 16:00-24:00",
        order=2,
        webhook_url="http://127.0.0.1:9/hook",
        handoff_email="west@nimbus.example",
    )
    return east, west


def _ticket(subject="Help", **kw):
    return ticket_create(
        requester_email="c@example.com",
        subject=subject,
        message="...",
        language="en",
        source="web",
        now=TUESDAY,
        **kw,
    ).ticket


def test_handoff_moves_waiting_tickets_to_the_next_region_on_shift(regions):
    east, west = regions
    waiting = _ticket("waiting")
    held = _ticket("held by an agent")
    held.assigned_to = get_user_model().objects.create_user("agent")
    held.save()
    answered = _ticket("answered")
    ticket_reply(ticket=answered, author=held.assigned_to, body="On it", public=True, now=TUESDAY)

    results = handoff_run(now=AFTER_EAST_SHIFT)

    assert [(r.handoff.from_region.code, r.handoff.shift_end, r.moved) for r in results] == [
        ("EAST", datetime(2026, 11, 24, 17, 0, tzinfo=UTC), 1)
    ]
    assert {t.subject: t.region.code for t in Ticket.objects.select_related("region")} == {
        "waiting": "WEST",
        "held by an agent": "EAST",
        "answered": "EAST",
    }
    assert waiting.events.filter(kind=EventKind.HANDED_OFF, detail="EAST → WEST").count() == 1
    handoff = results[0].handoff
    assert list(handoff.tickets.all()) == [Ticket.objects.get(subject="waiting")]
    assert "Hand-off EAST → WEST: 1 ticket(s)" in handoff.summary and waiting.reference in handoff.summary


def test_handoff_run_twice_moves_nothing_twice(regions):
    _ticket()
    assert len(handoff_run(now=AFTER_EAST_SHIFT)) == 1
    assert handoff_run(now=AFTER_EAST_SHIFT) == []
    assert handoff_run(now=datetime(2026, 11, 24, 17, 30, tzinfo=UTC)) == []
    assert Handoff.objects.count() == 1
    assert Ticket.objects.get().events.filter(kind=EventKind.HANDED_OFF).count() == 1


def test_handoff_command_is_safe_to_run_every_minute(regions, capsys):
    _ticket()
    call_command("handoff", at="2026-11-24T17:05Z")
    call_command("handoff", at="2026-11-24T17:06Z")
    out = capsys.readouterr().out
    assert out.count("EAST shift ended 2026-11-24 17:00 UTC: 1 ticket(s) handed off") == 1
    assert "No shift ended that still needed a hand-off." in out


def test_failed_webhook_post_is_retried_with_backoff_and_never_blocks_the_move(regions, settings):
    settings.HELPCENTER_WEBHOOK_ALLOW_PRIVATE = True  # nothing listens on 127.0.0.1:9: a real network failure
    _ticket()
    handoff_run(now=AFTER_EAST_SHIFT)
    assert Ticket.objects.get().region.code == "WEST"
    deliveries_send(now=AFTER_EAST_SHIFT)
    delivery = HandoffDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)
    assert delivery.next_attempt_at == datetime(2026, 11, 24, 17, 7, tzinfo=UTC)
    assert "URLError" in delivery.last_error
    # Not due yet: nothing is tried.
    deliveries_send(now=datetime(2026, 11, 24, 17, 6, tzinfo=UTC))
    assert HandoffDelivery.objects.get().attempts == 1
    # Backoff doubles: 2, 4, 8, 16, 32 minutes; the sixth failure gives up and shows as failed.
    for hour, minute in ((17, 7), (17, 11), (17, 19), (17, 35), (18, 7)):
        deliveries_send(now=datetime(2026, 11, 24, hour, minute, tzinfo=UTC))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 6)


def test_handoff_to_a_region_with_only_email_is_sent(regions, mailoutbox):
    east, west = regions
    west.webhook_url = ""
    west.save()
    _ticket()
    handoff_run(now=AFTER_EAST_SHIFT)
    assert deliveries_send(now=AFTER_EAST_SHIFT) == 1
    assert mailoutbox[-1].to == ["west@nimbus.example"]
    assert "Hand-off EAST → WEST" in mailoutbox[-1].body


def test_handoff_keeps_a_ticket_when_no_other_region_speaks_its_language(regions):
    east, _west = regions
    east.languages = ["en", "de"]
    east.save()
    ticket_create(
        requester_email="c@example.com",
        subject="Rechnung",
        message="...",
        language="de",
        source="web",
        now=TUESDAY,
    )
    assert handoff_run(now=AFTER_EAST_SHIFT)[0].moved == 0
    assert Ticket.objects.get().region.code == "EAST"
