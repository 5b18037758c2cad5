"""Concurrency where it matters, on PostgreSQL (`.ci/run` runs the suite there too): parallel
escalations, parallel hand-off runs, and two editors saving one article."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from django.db import connection, connections
from django.test import Client

from chatbot import services as chat
from chatbot.models import Conversation, Message
from kb.models import Article
from support.models import EventKind, Handoff, Ticket, TicketEvent
from support.services import handoff_run, ticket_create
from tests.factories import make_article, make_staff
from tests.support.factories import make_region

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="thread-level concurrency is proven on PostgreSQL (.ci/run's second pass)",
)
pytestmark = pytest.mark.django_db(transaction=True)

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _in_threads(count: int, function, workers: int | None = None) -> list:
    """Run function(i) for i in range(count) as truly parallel as threads get, each with its own
    database connection, released afterwards."""
    barrier = threading.Barrier(min(count, workers or count))

    def run(i):
        try:
            if workers is None:
                barrier.wait(timeout=30)
            return function(i)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=workers or count) as pool:
        return list(pool.map(run, range(count)))


@pytest.fixture
def regions():
    make_region("EAST", hours="Mon-Fri 08:00-17:00", order=1)
    make_region("WEST", hours="Mon-Fri 16:00-24:00", order=2)


@postgres_only
def test_fifty_parallel_escalations_of_one_conversation_make_one_ticket(regions):
    conversation, _greeting = chat.conversation_start(language="en", timezone_name="UTC", owner="x")

    def escalate(i):
        fresh = Conversation.objects.get(pk=conversation.pk)
        return chat.conversation_escalate(
            conversation=fresh, email=f"c{i}@example.com", now=TUESDAY
        ).created.ticket.pk

    ids = _in_threads(50, escalate)
    assert len(set(ids)) == 1
    assert Ticket.objects.count() == 1
    assert Conversation.objects.get(pk=conversation.pk).ticket_id == ids[0]
    # ... and one confirmation in the conversation, however many requests raced.
    assert Message.objects.filter(conversation=conversation, decision="escalated").count() == 1


@postgres_only
def test_two_hundred_parallel_escalations_make_two_hundred_tickets_with_unique_references(regions):
    conversations = [
        chat.conversation_start(language="en", timezone_name="UTC", owner=f"o{i}")[0] for i in range(200)
    ]

    def escalate(i):
        return chat.conversation_escalate(
            conversation=conversations[i], email=f"c{i}@example.com", now=TUESDAY
        ).created.ticket.reference

    references = _in_threads(200, escalate, workers=20)
    assert len(set(references)) == 200
    assert Ticket.objects.count() == 200
    assert Ticket.objects.values("reference").distinct().count() == 200


@postgres_only
def test_two_handoff_runs_at_once_hand_each_shift_off_once(regions):
    for i in range(10):
        ticket_create(
            requester_email=f"c{i}@example.com",
            subject="Down",
            message="...",
            language="en",
            source="web",
            now=TUESDAY,
        )
    after = datetime(2026, 11, 24, 17, 5, tzinfo=UTC)
    results = _in_threads(2, lambda i: sum(r.moved for r in handoff_run(now=after)))
    assert sorted(results) == [0, 10]
    assert Handoff.objects.count() == 1
    assert TicketEvent.objects.filter(kind=EventKind.HANDED_OFF).count() == 10
    assert set(Ticket.objects.values_list("region__code", flat=True)) == {"WEST"}


def _admin_form(client, article) -> dict:
    page = client.get(f"/admin/kb/article/{article.pk}/change/").content.decode()
    loaded = page.split('name="loaded_at" value="', 1)[1].split('"', 1)[0]
    data = {
        "category": article.category_id,
        "status": article.status,
        "order": article.order,
        "loaded_at": loaded,
        "_save": "Save",
    }
    for field in ("title", "slug", "summary", "body", "questions"):
        for code in ("en", "fr", "zh_hans", "es", "de", "ja"):
            data[f"{field}_{code}"] = getattr(article, f"{field}_{code}") or ""
    return data


def test_two_editors_saving_one_article_lose_no_update():
    article = make_article(slug="dns", translations={"en": {"title": "DNS", "body": "Original."}})
    first, second = Client(), Client()
    for username, client in (("ann", first), ("bob", second)):
        client.force_login(
            make_staff(username=username, permissions=("kb.change_article", "kb.view_article"))
        )
    form_a, form_b = _admin_form(first, article), _admin_form(second, article)
    form_a["body_en"], form_b["body_en"] = "Ann's version.", "Bob's version."
    assert first.post(f"/admin/kb/article/{article.pk}/change/", form_a).status_code == 302
    conflict = second.post(f"/admin/kb/article/{article.pk}/change/", form_b)
    assert conflict.status_code == 200
    assert "Someone else saved this since you opened it" in conflict.content.decode()
    assert Article.objects.get(pk=article.pk).body_en == "Ann's version."


@postgres_only
def test_two_editors_saving_at_the_same_instant_one_wins_one_is_told():
    article = make_article(slug="dns", translations={"en": {"title": "DNS", "body": "Original."}})
    clients = [Client(), Client()]
    forms = []
    for i, client in enumerate(clients):
        client.force_login(
            make_staff(username=f"editor{i}", permissions=("kb.change_article", "kb.view_article"))
        )
        form = _admin_form(client, article)
        form["body_en"] = f"Version {i}."
        forms.append(form)
    statuses = _in_threads(
        2, lambda i: clients[i].post(f"/admin/kb/article/{article.pk}/change/", forms[i]).status_code
    )
    assert sorted(statuses) == [200, 302]
    winner = statuses.index(302)
    assert Article.objects.get(pk=article.pk).body_en == f"Version {winner}."


def test_chat_start_and_messages_in_parallel_lose_nothing(client):
    """Even on SQLite: sequential requests from many conversations keep every message."""
    make_region("EAST", hours="Mon-Sun 00:00-24:00", order=1)
    make_article(slug="dns", translations={"en": {"title": "DNS records", "questions": ["add an a record"]}})
    ids = []
    for _ in range(10):
        response = client.post(
            "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
        )
        ids.append(response.json()["id"])
    for conversation in ids:
        for _ in range(3):
            client.post(
                f"/api/chat/conversations/{conversation}/messages",
                json.dumps({"text": "add an a record"}),
                content_type="application/json",
            )
    assert sum(Conversation.objects.get(pk=c).messages.filter(role="customer").count() for c in ids) == 30
