from datetime import UTC, datetime

import pytest
from django.core import mail

from support.models import EventKind, MessageKind, Ticket
from support.services import NoRegionError, ticket_create
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

SATURDAY_NIGHT = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)


def _create(**overrides):
    kwargs = {
        "requester_email": "marie@example.com",
        "requester_name": "Marie",
        "subject": "Facture en double",
        "message": "J'ai été débitée deux fois.",
        "language": "fr",
        "customer_timezone": "Europe/Paris",
        "source": "web",
        "now": SATURDAY_NIGHT,
    }
    kwargs.update(overrides)
    return ticket_create(**kwargs)


def test_ticket_create_routes_to_next_region_speaking_the_language(django_capture_on_commit_callbacks):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        result = _create()
    ticket = result.ticket
    assert result.created and ticket.reference == f"HC-{10000 + ticket.pk}"
    assert (ticket.region.code, ticket.covers_language, result.open_now) == ("EMEA", True, False)
    assert result.opens_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    # 8 business hours from Monday 08:00 Dublin.
    assert ticket.first_response_due == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    assert list(ticket.events.values_list("kind", flat=True)) == [EventKind.CREATED, EventKind.ROUTED]
    assert list(ticket.messages.values_list("kind", "body")) == [
        (MessageKind.CUSTOMER, "J'ai été débitée deux fois.")
    ]
    assert len(mail.outbox) == 1


def test_ticket_create_with_same_idempotency_key_makes_one_ticket(django_capture_on_commit_callbacks):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        first = _create(idempotency_key="web:abc")
        second = _create(idempotency_key="web:abc")
    assert first.created and not second.created
    assert second.ticket.pk == first.ticket.pk
    assert Ticket.objects.count() == 1
    assert len(mail.outbox) == 1


def test_ticket_create_language_nobody_speaks_goes_to_soonest_region_flagged():
    make_demo_regions()
    ticket = _create(language="pt-br").ticket
    assert (ticket.region.code, ticket.covers_language) == ("APAC", False)


def test_ticket_create_without_regions_raises_and_saves_nothing():
    with pytest.raises(NoRegionError):
        _create()
    assert not Ticket.objects.exists()


def test_ticket_create_keeps_the_chat_transcript():
    make_demo_regions()
    transcript = [
        {"role": "customer", "text": "my invoice is wrong"},
        {"role": "bot", "text": "I couldn't find an article about that."},
    ]
    ticket = _create(source="chat", transcript=transcript).ticket
    assert Ticket.objects.get(pk=ticket.pk).transcript == transcript


def test_customer_email_in_french_gives_the_opening_time_in_their_time_zone(
    django_capture_on_commit_callbacks,
):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        ticket = _create().ticket
    message = mail.outbox[0]
    assert message.to == ["marie@example.com"]
    assert message.subject == f"[{ticket.reference}] Nous avons bien reçu votre demande : Facture en double"
    # EMEA opens Monday 08:00 UTC = 09:00 in Paris.
    assert (
        "Notre équipe Europe, Moyen-Orient et Afrique commence à 09:00 à votre heure "
        "(lundi 30 novembre 2026, Europe/Paris), dans environ 1\xa0jour." in message.body
    )
    assert "Bonjour Marie," in message.body
    assert "/fr/requests/" in message.body


def test_customer_email_in_chinese_gives_the_opening_time_in_their_time_zone(
    django_capture_on_commit_callbacks,
):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        _create(language="zh-hans", customer_timezone="Asia/Shanghai", requester_name="", subject="发票问题")
    body = mail.outbox[0].body
    # APAC opens Monday 01:00 UTC = 09:00 in Shanghai.
    assert (
        "我们的亚太地区团队将于您当地时间 09:00（星期一 2026年11月30日，Asia/Shanghai）开始工作，大约 "
        "1\xa0日后。" in body
    )
    assert "您好，" in body
    assert "/zh-hans/requests/" in body


def test_customer_email_when_a_region_is_on_shift_says_shortly(django_capture_on_commit_callbacks):
    make_demo_regions()
    with django_capture_on_commit_callbacks(execute=True):
        _create(language="en", now=datetime(2026, 11, 24, 16, 30, tzinfo=UTC))
    assert "an agent will reply shortly" in mail.outbox[0].body


def test_mail_server_down_loses_no_ticket(django_capture_on_commit_callbacks, settings, caplog):
    make_demo_regions()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1},
        }
    }
    with django_capture_on_commit_callbacks(execute=True):
        result = _create()
    assert Ticket.objects.filter(pk=result.ticket.pk).exists()
    assert f"could not e-mail ticket {result.ticket.pk}" in caplog.text
    assert len(mail.outbox) == 0
    from support.models import EmailStatus, OutgoingEmail

    email = OutgoingEmail.objects.get(ticket=result.ticket)
    assert (email.status, email.to) == (EmailStatus.PENDING, "marie@example.com")  # kept for a retry
