"""Customer data export and erasure (core.privacy + every app's handler), through the real HTTP stack."""

import json
from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from chatbot.models import Message, PhrasingProposal, ProposalSource, Role
from kb.models import ArticleFeedback, SearchLog
from support.models import (
    CustomerErasure,
    Handoff,
    HandoffDelivery,
    OutgoingEmail,
    Satisfaction,
    Ticket,
    TicketMessage,
)
from support.notifications import status_token
from support.services import satisfaction_answer, satisfaction_ask, ticket_create, ticket_reply
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

MARIE = "Marie.Curie@Example.com"
MARIE_WORDS = ("Mon virement vers Tokyo est bloqué", "Virement bloqué depuis lundi", "radium-4455")
BOB = "bob@example.org"
MARIE_SURVEY = "Réponse rapide, merci à Camille"


def _json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    """Marie: a chat handed to a person, a web ticket with a reply, an internal note quoting her, a
    hand-off listing her ticket, a feedback comment and a search with her address. Bob: his own ticket
    with a note that mentions Marie's address."""
    regions = make_demo_regions()
    article = make_article(
        slug="transfers",
        translations={"en": {"title": "International transfers", "questions": ["send money abroad"]}},
    )
    agent = get_user_model().objects.create_user("agent-emea", password="pw-for-tests-123", is_staff=True)
    agent.user_permissions.set(
        Permission.objects.filter(content_type__app_label="support").exclude(codename="manage_customer_data")
    )
    regions[1].agents.add(agent)
    chat_client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        cid = _json(
            chat_client, "/api/chat/conversations", {"language": "fr", "timezone": "Europe/Paris"}
        ).json()["id"]
        _json(chat_client, f"/api/chat/conversations/{cid}/messages", {"text": MARIE_WORDS[0]})
        escalated = _json(
            chat_client, f"/api/chat/conversations/{cid}/escalate", {"email": MARIE, "name": "Marie Curie"}
        )
        assert escalated.status_code == 201
        web = ticket_create(
            requester_email=MARIE.lower(),
            requester_name="Marie Curie",
            subject=MARIE_WORDS[1],
            message=f"Ma référence client est {MARIE_WORDS[2]}",
            language="fr",
            source="web",
            now=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
        ).ticket
        ticket_reply(ticket=web, author=agent, body="Bonjour Marie Curie, nous regardons.", public=True)
        ticket_reply(ticket=web, author=agent, body=f"Elle dit: « {MARIE_WORDS[2]} »", public=False)
        bob = ticket_create(
            requester_email=BOB,
            requester_name="Bob Stone",
            subject="Bob's invoice question",
            message="Bob's own words about invoices",
            language="en",
            source="web",
        ).ticket
        ticket_reply(ticket=bob, author=agent, body=f"Same bank as {MARIE}, check both", public=False)
    handoff = Handoff.objects.create(
        from_region=regions[1],
        shift_end=datetime(2026, 11, 30, 17, 0, tzinfo=UTC),
        summary=f"Hand-off EMEA → AMER: 1 ticket(s)\n• {web.reference} [fr] {MARIE_WORDS[1]}",
    )
    handoff.tickets.add(web)
    HandoffDelivery.objects.create(handoff=handoff, to_region=regions[0], text=handoff.summary)
    ArticleFeedback.objects.create(
        article=article, language="fr", helpful=False, comment=f"écrivez-moi à {MARIE}", visitor="v1"
    )
    SearchLog.objects.create(query=MARIE.lower(), language="fr", results=0)
    solved_at = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    survey = satisfaction_ask(ticket=web, actor=agent, now=solved_at)
    satisfaction_answer(survey=survey, rating="good", comment=MARIE_SURVEY, now=solved_at)
    # Her chat question, proposed to editors as a new phrasing ("customers also ask").
    question = Message.objects.get(conversation_id=cid, role=Role.CUSTOMER)
    PhrasingProposal.objects.create(
        article=article,
        language="fr",
        text=MARIE_WORDS[0],
        source=ProposalSource.CHAT,
        origin=f"chat:{question.pk}",
        message=question,
        asked_at=solved_at,
    )
    return {
        "agent": agent,
        "chat": cid,
        "chat_client": chat_client,
        "web": web,
        "chat_ticket": Ticket.objects.get(reference=escalated.json()["ticket"]["reference"]),
        "bob": bob,
        "status_token": status_token(web),
    }


@pytest.fixture
def officer():
    return make_staff(
        username="dpo",
        permissions=(
            "support.manage_customer_data",
            "support.view_customererasure",
            "support.view_ticket",
            "support.change_ticket",
            "support.view_outgoingemail",
            "support.view_handoff",
            "support.view_ticketmessage",
            "chatbot.view_conversation",
            "kb.view_articlefeedback",
            "kb.view_searchlog",
            "kb.change_article",
            "support.view_satisfaction",
        ),
    )


def _export(client, email):
    response = client.post("/en/agents/customer-data/", {"email": email, "action": "export"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].startswith("attachment;")
    return json.loads(response.content)


def test_export_contains_every_record_for_the_address_and_nothing_of_another_customer(client, world, officer):
    client.force_login(officer)
    assert "No ticket matches." not in client.get("/en/agents/search/", {"q": MARIE}).content.decode()
    # Before the erasure her question is an editor's content gap (the next test: not after).
    assert MARIE_WORDS[0] in client.get("/fr/editors/content-gaps/?language=fr").content.decode()
    data = _export(client, MARIE.upper())
    text = json.dumps(data, ensure_ascii=False)
    records = data["records"]
    assert set(records) == {"article_feedback", "support", "chat", "mail"}
    tickets = [r for r in records["support"] if r["type"] == "ticket"]
    assert sorted(t["reference"] for t in tickets) == sorted(
        [world["web"].reference, world["chat_ticket"].reference]
    )
    web = next(t for t in tickets if t["reference"] == world["web"].reference)
    assert [m["kind"] for m in web["messages"]] == ["customer", "reply", "note"]
    assert len(web["emails"]) == 2 and all(e["to"] == MARIE.lower() for e in web["emails"])
    assert web["handoffs"][0]["summary"].endswith(MARIE_WORDS[1])
    mention = next(r for r in records["support"] if r["type"] == "mention")
    assert mention["ticket"] == world["bob"].reference
    [conversation] = [r for r in records["chat"] if r.get("type") == "conversation"]
    assert conversation["id"] == world["chat"]
    [proposal] = [r for r in records["chat"] if r.get("kind") == "phrasing_proposal"]
    assert proposal["text"] == MARIE_WORDS[0]
    assert web["satisfaction"]["comment"] == MARIE_SURVEY
    assert conversation["messages"][1]["text"] == MARIE_WORDS[0]
    assert {r["type"] for r in records["article_feedback"]} == {"article_feedback", "search"}
    for words in MARIE_WORDS:
        assert words in text
    # Nothing of Bob's: his address, his words, his subject.
    for bobs in (BOB, "Bob's own words", "Bob's invoice", "Bob Stone"):
        assert bobs not in text


def test_erase_leaves_no_page_api_email_or_admin_list_showing_the_customer(client, world, officer):
    client.force_login(officer)
    response = client.post(
        "/en/agents/customer-data/", {"email": MARIE, "confirm_email": MARIE.lower(), "action": "erase"}
    )
    assert response.status_code == 302
    erasure = CustomerErasure.objects.get()
    assert erasure.performed_by == officer and erasure.via == "staff page"
    # chat: the proposal made of her words, her message, the hand-off reply that repeated her
    # address, the conversation itself.
    assert (
        erasure.counts["support"] > 0
        and erasure.counts["chat"] == 4
        and erasure.counts["article_feedback"] == 2
    )
    web, chat_ticket, bob = world["web"], world["chat_ticket"], world["bob"]
    forbidden = (MARIE.lower(), "Marie Curie", MARIE_SURVEY, *MARIE_WORDS)
    assert not PhrasingProposal.objects.exists()
    # The rating still counts in the report; her comment is gone.
    assert list(Satisfaction.objects.values_list("rating", "comment")) == [("good", "")]

    def clean(url, client=client):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode().lower()
        for item in forbidden:
            assert item.lower() not in html, (url, item)
        return html

    for url in (
        f"/en/agents/tickets/{web.reference}/",
        f"/en/agents/tickets/{chat_ticket.reference}/",
        f"/en/agents/tickets/{bob.reference}/",
        "/en/agents/regions/EMEA/",
        "/en/agents/regions/AMER/",
        "/en/agents/regions/APAC/",
        "/en/agents/",
        "/admin/support/ticket/",
        f"/admin/support/ticket/{web.pk}/change/",
        f"/admin/support/ticket/{chat_ticket.pk}/change/",
        "/admin/support/outgoingemail/",
        f"/admin/support/handoff/{Handoff.objects.get().pk}/change/",
        "/admin/chatbot/conversation/",
        f"/admin/chatbot/conversation/{world['chat']}/change/",
        "/admin/kb/articlefeedback/",
        "/admin/kb/searchlog/",
        "/admin/support/customererasure/",
        f"/admin/support/customererasure/{erasure.pk}/change/",
        "/fr/editors/content-gaps/?language=fr",
        "/fr/editors/customers-also-ask/",
        "/en/agents/report/",
        "/admin/support/satisfaction/",
    ):
        clean(url)
    # Searching the admin for her address finds nothing (the page echoes the query, nothing else).
    assert "0 results" in client.get(f"/admin/support/ticket/?q={MARIE.lower()}").content.decode()
    # The ticket search forgets her too (the page echoes the query in its box, so check the result).
    for query in (MARIE, "Marie Curie", "virement bloqué", "radium"):
        assert "No ticket matches." in client.get("/en/agents/search/", {"q": query}).content.decode(), query
    # Reports still count every ticket.
    report = client.get("/en/agents/report/")
    assert Ticket.objects.count() == 3 and report.context["report"].total == 3
    # Bob's ticket keeps his words; only Marie's address left his note.
    assert "Bob's own words" in client.get(f"/en/agents/tickets/{bob.reference}/").content.decode().replace(
        "&#x27;", "'"
    )
    # The customer's status link and the chat's owner see nothing any more.
    assert client.get(f"/fr/requests/{world['status_token']}/").status_code == 404
    assert world["chat_client"].get(f"/api/chat/conversations/{world['chat']}").status_code == 404
    # No e-mail goes to the erased address: an agent's later reply is kept but not mailed.
    sent_before = len(mail.outbox)
    client.post(f"/en/agents/tickets/{web.reference}/", {"action": "reply", "body": "Hello?", "public": "1"})
    assert len(mail.outbox) == sent_before
    assert not OutgoingEmail.objects.filter(
        to__icontains="example.com", ticket__in=[web, chat_ticket]
    ).exists()
    assert set(Ticket.objects.filter(pk__in=[web.pk, chat_ticket.pk]).values_list("status", flat=True)) == {
        "closed"
    }
    assert TicketMessage.objects.filter(ticket=web).count() == 4  # counts and times are kept


def test_erase_is_recorded_and_cannot_be_changed_undone_or_repeated(client, world, officer):
    client.force_login(officer)
    call_command("customer_data", "erase", MARIE, "--yes", "--by", "dpo")
    erasure = CustomerErasure.objects.get()
    assert erasure.performed_by_name == "dpo" and erasure.via == "command" and erasure.total > 0
    assert MARIE.lower() not in json.dumps(
        list(CustomerErasure.objects.values("email_digest", "counts", "performed_by_name", "via"))
    )
    superuser = get_user_model().objects.create_superuser("root", password="pw-for-tests-123")
    client.force_login(superuser)
    assert (
        client.post(f"/admin/support/customererasure/{erasure.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.post(f"/admin/support/customererasure/{erasure.pk}/change/", {"total": 0}).status_code in (
        302,
        403,
    )
    assert client.get("/admin/support/customererasure/add/").status_code == 403
    erasure.refresh_from_db()
    assert CustomerErasure.objects.count() == 1 and erasure.total > 0
    # A second run finds nothing left.
    call_command("customer_data", "erase", MARIE.lower(), "--yes")
    assert CustomerErasure.objects.order_by("performed_at", "id").last().total == 0


def test_customer_data_page_and_export_need_the_dedicated_permission(client, world):
    # A full agent (every other support permission) may not export or erase.
    client.force_login(world["agent"])
    assert client.get("/en/agents/customer-data/").status_code == 403
    assert client.post("/en/agents/customer-data/", {"email": MARIE, "action": "export"}).status_code == 403
    assert 'href="/en/agents/customer-data/"' not in client.get("/en/agents/").content.decode()
    client.logout()
    response = client.get("/en/agents/customer-data/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_erase_without_the_address_typed_twice_is_refused(client, world, officer):
    client.force_login(officer)
    response = client.post(
        "/en/agents/customer-data/", {"email": MARIE, "confirm_email": "other@example.com", "action": "erase"}
    )
    assert response.status_code == 400
    assert "Type the same address again to confirm the erasure." in response.content.decode()
    assert not CustomerErasure.objects.exists()
    assert client.post("/en/agents/customer-data/", {"email": "nope", "action": "export"}).status_code == 400
    assert client.post("/en/agents/customer-data/", {"email": MARIE, "action": "drop"}).status_code == 400


def test_command_refuses_bad_input_with_one_line(world, tmp_path):
    with pytest.raises(CommandError, match="^'not-an-address' is not a valid e-mail address$"):
        call_command("customer_data", "export", "not-an-address")
    with pytest.raises(CommandError, match="add --yes"):
        call_command("customer_data", "erase", MARIE)
    with pytest.raises(CommandError, match="no user named 'ghost'"):
        call_command("customer_data", "erase", MARIE, "--yes", "--by", "ghost")
    out = tmp_path / "marie.json"
    call_command("customer_data", "export", MARIE, "--output", str(out))
    assert json.loads(out.read_text())["email"] == MARIE.lower()
    assert not CustomerErasure.objects.exists()
