"""The owners' report: per language and week, what the assistant answered and resolved, from fixture
conversations written at known instants."""

from datetime import UTC, date, datetime

import pytest

from chatbot import services
from chatbot.kinds import ReplyKind
from chatbot.models import Conversation, Message, Role
from chatbot.selectors import bot_resolution_report
from tests.factories import make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 9, 12, 0, tzinfo=UTC)  # a Wednesday


def at(day, hour):
    return datetime(2026, 12 if day < 20 else 11, day, hour, 0, tzinfo=UTC)


def conversation(language, started, *, answered=None, helpful=None, handed_at=None, asked=True):
    """A conversation started at `started`: a customer question if `asked`, the bot's answer at
    `answered` (else an honest "cannot help"), and a hand-off to a person at `handed_at`."""
    c = Conversation.objects.create(language=language, timezone="UTC", owner="fixture")
    Conversation.objects.filter(pk=c.pk).update(started_at=started)
    messages = [Message.objects.create(conversation=c, role=Role.BOT, text="hi", decision=ReplyKind.GREETING)]
    if asked:
        messages.append(Message.objects.create(conversation=c, role=Role.CUSTOMER, text="my question"))
        decision = ReplyKind.ANSWER if answered else ReplyKind.CANNOT_HELP
        messages.append(
            Message.objects.create(
                conversation=c, role=Role.BOT, text="answer", decision=decision, helpful=helpful
            )
        )
    reply_at = answered or started
    for message in messages:
        sent = reply_at if message.role == Role.BOT else started
        Message.objects.filter(pk=message.pk).update(created_at=sent)
    if handed_at is not None:
        services.conversation_escalate(conversation=c, email="someone@example.com", now=handed_at)
    return c


@pytest.fixture
def fixture_conversations():
    make_demo_regions()
    # The week of Monday 30 November.
    conversation("en", at(1, 9), answered=at(1, 10), helpful=True)  # resolved
    conversation("en", at(1, 9), answered=at(1, 10), handed_at=at(1, 15))  # handed over within 24 h
    conversation("en", at(2, 9), handed_at=at(2, 9))  # never answered, handed over
    # This week (Monday 7 December).
    conversation(
        "en",
        datetime(2026, 12, 7, 8, tzinfo=UTC),
        answered=datetime(2026, 12, 7, 9, tzinfo=UTC),
        handed_at=datetime(2026, 12, 8, 12, tzinfo=UTC),
    )  # handed over after 27 h: resolved
    conversation("en", datetime(2026, 12, 9, 10, tzinfo=UTC), answered=datetime(2026, 12, 9, 11, tzinfo=UTC))
    conversation("en", datetime(2026, 12, 8, 10, tzinfo=UTC), asked=False)  # opened, nothing asked
    conversation("fr", datetime(2026, 12, 8, 7, tzinfo=UTC), answered=datetime(2026, 12, 8, 8, tzinfo=UTC))


def figures(row):
    return (row.conversations, row.answered, row.helpful, row.handed_over, row.resolved, row.undecided)


def test_report_counts_each_week_per_language_with_the_trend(fixture_conversations):
    rows = bot_resolution_report(weeks=2, now=NOW, languages=["en", "fr"])
    by_key = {(row.language, row.week): row for row in rows}
    this_week, last_week = date(2026, 12, 7), date(2026, 11, 30)
    assert figures(by_key[("en", last_week)]) == (3, 2, 1, 2, 1, 0)
    assert figures(by_key[("en", this_week)]) == (2, 2, 0, 1, 1, 1)
    assert by_key[("en", last_week)].resolution_rate == pytest.approx(100 / 3)
    # The answer of an hour ago is not decided yet: one resolved of one known.
    assert by_key[("en", this_week)].resolution_rate == 100.0
    assert by_key[("en", this_week)].trend == pytest.approx(100 - 100 / 3)
    assert figures(by_key[("fr", this_week)]) == (1, 1, 0, 0, 1, 0)
    assert by_key[("fr", this_week)].trend is None  # nothing the week before to compare with
    assert [(row.language, row.week) for row in rows] == [
        ("en", this_week),
        ("en", last_week),
        ("fr", this_week),
        ("fr", last_week),
    ]


def test_report_page_needs_the_report_permission(client, fixture_conversations):
    client.force_login(make_staff(username="agent"))
    assert client.get("/en/editors/assistant-resolution/").status_code == 403
    client.force_login(make_staff(username="owner", permissions=("chatbot.view_bot_report",)))
    page = client.get("/en/editors/assistant-resolution/", {"weeks": "3"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "within 24 hours of that answer" in text
    assert "Resolved by the assistant" in text


def test_report_rejects_a_bad_number_of_weeks(client, fixture_conversations):
    client.force_login(make_staff(username="owner", permissions=("chatbot.view_bot_report",)))
    assert client.get("/en/editors/assistant-resolution/", {"weeks": "many"}).status_code == 400
    assert client.get("/en/editors/assistant-resolution/", {"weeks": "0"}).status_code == 400


def test_report_exports_csv_with_the_same_figures(client, fixture_conversations):
    client.force_login(make_staff(username="owner", permissions=("chatbot.view_bot_report",)))
    response = client.get("/en/editors/assistant-resolution/", {"weeks": "2", "format": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "language,week,conversations,answered,confirmed_helpful,handed_to_person,resolved_by_bot,"
        "undecided,resolution_rate_percent,trend_points"
    )
    assert "en,2026-11-30,3,2,1,2,1,0,33.3," in lines
