import json
import threading
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from chatbot.models import Conversation, ConversationStatus, Message, Role
from kb.services import article_views_flush
from support.models import Ticket
from tests.factories import make_article
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    make_demo_regions()
    make_article(
        slug="reset-password",
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
            "zh-hans": {
                "title": "重置密码",
                "body": "在登录页面点击忘记密码。",
                "questions": ["忘记密码了", "登录不上"],
            },
        },
    )
    make_article(
        slug="update-card",
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
            "zh-hans": {
                "title": "更换银行卡",
                "body": "前往账单页面。",
                "questions": ["更换信用卡", "银行卡过期了"],
            },
        },
    )
    make_article(
        slug="dns",
        translations={
            "en": {
                "title": "Add DNS records",
                "body": "Open Networking.",
                "questions": ["add an a record", "set up mx records"],
            },
            "fr": {
                "title": "Ajouter des enregistrements DNS",
                "body": "Ouvrez Réseau.",
                "questions": ["ajouter un enregistrement a"],
            },
            "zh-hans": {"title": "添加 DNS 记录", "body": "打开网络页面。", "questions": ["添加 a 记录"]},
        },
    )


def post(client, url, body, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def start(client, language="en", timezone="Europe/Paris"):
    response = post(client, "/api/chat/conversations", {"language": language, "timezone": timezone})
    assert response.status_code == 201
    return response.json()["id"]


def say(client, cid, text):
    response = post(client, f"/api/chat/conversations/{cid}/messages", {"text": text})
    assert response.status_code == 200, response.content
    return response.json()["reply"]


def test_start_greets_in_the_page_language(client, site):
    response = post(client, "/api/chat/conversations", {"language": "fr", "timezone": "Europe/Paris"})
    data = response.json()
    assert response.status_code == 201 and data["language"] == "fr"
    assert data["greeting"]["text"].startswith("Bonjour")


def test_confident_question_gets_an_answer_with_snippet_and_link(client, site):
    reply = say(client, start(client), "I forgot my password")
    assert reply["kind"] == "answer"
    assert reply["articles"] == [
        {
            "slug": "reset-password",
            "title": "Reset your password",
            "url": "/en/articles/reset-password/",
            "snippet": "Click Forgot password on the sign-in page.",
            "language": "en",
            "notice": "",
        }
    ]
    # The question comes below the card it asks about, not before it.
    assert reply["text"] == "Here is what I found:"
    assert reply["follow_up"].startswith("Did this answer your question?")


def test_the_articles_the_bot_shows_are_counted_for_the_translators_per_language(client, site):
    from kb.models import Article, ArticleShownCount

    say(client, start(client, language="fr"), "j'ai oublié mon mot de passe")
    say(client, start(client, language="fr"), "je n'arrive pas à me connecter")
    say(client, start(client, language="en"), "I forgot my password")
    article = Article.objects.get(slug_en="reset-password")
    shown = {row.language: row.shown for row in ArticleShownCount.objects.filter(article=article)}
    assert shown == {"fr": 2, "en": 1}


def test_unknown_question_says_so_honestly_and_offers_a_person(client, site):
    reply = say(client, start(client), "what is the weather like in Lisbon tomorrow")
    assert reply["kind"] == "cannot_help"
    assert reply["text"].startswith("I couldn't find an article about that.")
    assert Conversation.objects.get().handoff_reason in {"low_confidence", "no_match"}


def test_asking_for_a_person_in_any_language_goes_straight_to_the_offer(client, site):
    cid = start(client)
    assert say(client, cid, "I want to talk to a human")["kind"] == "offer_person"
    assert Conversation.objects.get().handoff_reason == "asked_for_person"
    assert say(client, start(client, "zh-hans"), "转人工")["kind"] == "offer_person"


def test_message_clearly_in_another_site_language_switches_and_says_so(client, site):
    cid = start(client, "en")
    reply = say(client, cid, "j'ai oublié mon mot de passe et je ne peux pas me connecter")
    assert reply["language"] == "fr"
    assert reply["text"].startswith("Je vais continuer en français.")
    assert reply["articles"][0]["title"] == "Réinitialiser votre mot de passe"
    assert Conversation.objects.get().language == "fr"


def test_chinese_question_is_answered_in_chinese(client, site):
    reply = say(client, start(client, "zh-hans", "Asia/Shanghai"), "我忘记密码了")
    assert reply["articles"][0]["title"] == "重置密码"


def test_unsupported_language_gets_an_honest_list_of_supported_ones(client, site):
    reply = say(client, start(client), "비밀번호를 잊어버렸어요")
    assert reply["kind"] == "unsupported_language"
    # In the conversation's language, as a list is written in it.
    assert "English, French, Simplified Chinese, Spanish, German and Japanese." in reply["text"]


def test_negative_feedback_brings_next_suggestions_then_a_person(client, site):
    cid = start(client)
    answer = say(client, cid, "I forgot my password")
    response = post(
        client, f"/api/chat/conversations/{cid}/feedback", {"message": answer["id"], "helpful": False}
    )
    first = response.json()["reply"]
    assert first["kind"] in {"suggestions", "offer_person"}
    assert "reset-password" not in [a["slug"] for a in first["articles"]]
    assert Message.objects.get(pk=answer["id"]).helpful is False
    if first["kind"] == "suggestions":
        second = post(
            client, f"/api/chat/conversations/{cid}/feedback", {"message": first["id"], "helpful": False}
        ).json()["reply"]
        assert second["kind"] in {"suggestions", "offer_person"}


def test_escalation_creates_exactly_one_ticket_with_the_transcript(
    client, site, django_capture_on_commit_callbacks
):
    cid = start(client, "fr")
    say(client, cid, "comment faire un virement international vers le Japon")
    with django_capture_on_commit_callbacks(execute=True):
        first = post(
            client, f"/api/chat/conversations/{cid}/escalate", {"email": "marie@example.com", "name": "Marie"}
        )
        again = post(
            client, f"/api/chat/conversations/{cid}/escalate", {"email": "marie@example.com", "name": "Marie"}
        )
    assert (first.status_code, again.status_code) == (201, 200)
    ticket = Ticket.objects.get()
    assert first.json()["ticket"]["reference"] == again.json()["ticket"]["reference"] == ticket.reference
    # When the team opens, as the API serialises it (the wording at a given instant: tests below).
    assert datetime.fromisoformat(first.json()["ticket"]["opens_at"]).tzinfo is not None
    assert isinstance(first.json()["ticket"]["open_now"], bool)
    assert (ticket.source, ticket.language, ticket.customer_timezone, ticket.region.code) == (
        "chat",
        "fr",
        "Europe/Paris",
        "EMEA",
    )
    assert [line["role"] for line in ticket.transcript][:2] == ["bot", "customer"]
    assert ticket.transcript[1]["text"] == "comment faire un virement international vers le Japon"
    conversation = Conversation.objects.get()
    assert (conversation.status, conversation.ticket) == (ConversationStatus.ESCALATED, ticket)
    assert len(mail.outbox) == 1
    # Sent twice, confirmed once: the second answer repeats the first confirmation, stored once.
    assert again.json()["text"] == first.json()["text"]
    assert conversation.messages.filter(decision="escalated").count() == 1


def _escalate(cid, email, *, now):
    """Escalation at a given instant: the service takes `now`, the API uses the clock."""
    from chatbot import services

    return services.conversation_escalate(conversation=Conversation.objects.get(pk=cid), email=email, now=now)


def test_out_of_hours_escalation_reply_in_french_gives_local_time(client, site):
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    cid = start(client, "fr", "Europe/Paris")
    result = _escalate(cid, "marie@example.com", now=saturday_night)
    assert (
        result.created.opens_at.isoformat() == "2026-11-30T08:00:00+00:00"
        and result.created.open_now is False
    )
    assert result.text == (
        "Merci ! Notre équipe Europe, Moyen-Orient et Afrique commence à 09:00 à votre heure (lundi), dans "
        "environ 1\xa0jour ; "
        f"nous vous écrirons à marie@example.com (référence {result.created.ticket.reference})."
    )


def test_out_of_hours_escalation_without_a_known_zone_says_utc_not_your_time(client, site):
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    response = post(client, "/api/chat/conversations", {"language": "fr"})  # the widget sent no zone
    result = _escalate(response.json()["id"], "marie@example.com", now=saturday_night)
    assert result.text == (
        "Merci ! Notre équipe Europe, Moyen-Orient et Afrique commence à 08:00 UTC (lundi), dans "
        "environ 1\xa0jour ; "
        f"nous vous écrirons à marie@example.com (référence {result.created.ticket.reference})."
    )
    assert "votre heure" not in result.text


def test_out_of_hours_escalation_reply_in_chinese_gives_local_time(client, site):
    cid = start(client, "zh-hans", "Asia/Shanghai")
    result = _escalate(cid, "li@example.com", now=datetime(2026, 11, 28, 23, 0, tzinfo=UTC))
    assert result.text.startswith("谢谢！我们的亚太地区团队将于您当地时间 09:00（星期一）开始工作")


def test_escalation_api_names_the_team_in_the_conversations_language_and_links_the_hours(client, site):
    cid = start(client, "ja", "Asia/Tokyo")
    response = post(client, f"/api/chat/conversations/{cid}/escalate", {"email": "a@example.com"})
    data = response.json()
    assert data["ticket"]["region_name"] == "アジア太平洋"
    assert "アジア太平洋チーム" in data["text"]
    assert data["support_url"] == "/ja/support/"


def test_offer_of_a_person_says_who_answers_when_and_the_usual_wait(client, site):
    reply = say(client, start(client, "fr"), "je veux parler à un humain")
    assert reply["kind"] == "offer_person"
    assert "Notre équipe Europe, Moyen-Orient et Afrique" in reply["text"]
    assert "Trop peu de demandes récentes" in reply["text"]


def test_escalation_when_a_team_is_on_shift_says_shortly(client, site):
    result = _escalate(start(client), "a@example.com", now=datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    assert result.created.open_now is True and "an agent will reply shortly" in result.text


@pytest.mark.parametrize(
    ("body", "content_type", "status", "error"),
    [
        ("{not json", "application/json", 400, "The request body is not valid JSON."),
        ('["a list"]', "application/json", 400, "The request body must be a JSON object."),
        ("text=hi", "application/x-www-form-urlencoded", 415, "Send JSON"),
        (json.dumps({"text": "x" * 2001}), "application/json", 400, "Ensure this value has at most 2000"),
        (json.dumps({"text": "   "}), "application/json", 400, "Type a message."),
        (json.dumps({"text": "x" * 20000}), "application/json", 413, "The request is too large."),
        (b'{"text": "\xff\xfe"}', "application/json", 400, "The request body is not valid JSON."),
    ],
)
def test_message_bad_input_is_a_clear_4xx_and_stores_nothing(client, site, body, content_type, status, error):
    cid = start(client)
    response = client.post(f"/api/chat/conversations/{cid}/messages", body, content_type=content_type)
    assert response.status_code == status
    assert response.json()["error"].startswith(error)
    assert Message.objects.filter(role=Role.CUSTOMER).count() == 0


def test_api_wrong_method_is_405(client, site):
    assert client.get("/api/chat/conversations").status_code == 405
    cid = start(client)
    assert client.get(f"/api/chat/conversations/{cid}/messages").status_code == 405


def test_unknown_or_someone_elses_conversation_is_404(client, site):
    cid = start(client)
    assert (
        post(
            client, "/api/chat/conversations/00000000-0000-0000-0000-000000000000/messages", {"text": "hi"}
        ).status_code
        == 404
    )
    stranger = Client()
    assert post(stranger, f"/api/chat/conversations/{cid}/messages", {"text": "hi"}).status_code == 404
    assert stranger.get(f"/api/chat/conversations/{cid}").status_code == 404
    assert (
        post(stranger, f"/api/chat/conversations/{cid}/escalate", {"email": "x@example.com"}).status_code
        == 404
    )
    assert client.get(f"/api/chat/conversations/{cid}").status_code == 200


def test_api_requires_csrf_token(site):
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    )
    assert response.status_code == 403


def test_escalate_bad_email_or_header_injection_is_400(client, site):
    cid = start(client)
    assert post(client, f"/api/chat/conversations/{cid}/escalate", {"email": "nope"}).status_code == 400
    assert (
        post(
            client,
            f"/api/chat/conversations/{cid}/escalate",
            {"email": "a@example.com", "name": "A\nBcc: b@example.com"},
        ).status_code
        == 400
    )
    assert not Ticket.objects.exists()


def test_start_with_unknown_language_is_400(client, site):
    assert post(client, "/api/chat/conversations", {"language": "xx"}).status_code == 400


def test_chat_is_rate_limited_per_client(client, site, settings):
    settings.HELPCENTER_CHAT_RATE = "30/d"  # the default is 30/m, whose window could roll over mid-test
    cid = start(client)
    statuses = [
        post(client, f"/api/chat/conversations/{cid}/messages", {"text": "hello"}).status_code
        for _ in range(30)
    ]
    assert statuses == [200] * 30
    limited = post(client, f"/api/chat/conversations/{cid}/messages", {"text": "hello"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1


def test_customer_text_is_stored_before_anything_can_fail(client, site):
    cid = start(client)
    say(client, cid, "<script>alert(1)</script> my card expired")
    assert Message.objects.filter(
        role=Role.CUSTOMER, text="<script>alert(1)</script> my card expired"
    ).exists()


def test_the_browser_that_started_a_conversation_holds_its_secret_in_an_httponly_cookie(client, site):
    response = post(client, "/api/chat/conversations", {"language": "en"})
    cookie = response.cookies["hc_chat"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    assert len(cookie.value) == 43
    # Only a keyed hash of it is stored: the database does not give the secret away.
    assert cookie.value not in Conversation.objects.get().owner
    # A second conversation in the same browser keeps the same secret, so both stay readable.
    second = start(client)
    assert client.cookies["hc_chat"].value == cookie.value
    assert client.get(f"/api/chat/conversations/{response.json()['id']}").status_code == 200
    assert client.get(f"/api/chat/conversations/{second}").status_code == 200


def test_a_forged_or_malformed_owner_cookie_reads_nothing(client, site):
    cid = start(client)
    for value in ("A" * 43, "x", "", "../" * 15, client.cookies["hc_chat"].value + "A"):
        stranger = Client()
        stranger.cookies["hc_chat"] = value
        assert stranger.get(f"/api/chat/conversations/{cid}").status_code == 404
        assert post(stranger, f"/api/chat/conversations/{cid}/messages", {"text": "hi"}).status_code == 404
    assert Message.objects.filter(conversation_id=cid).count() == 1


def test_chatting_writes_no_session(client, site):
    from django.contrib.sessions.models import Session

    cid = start(client)
    say(client, cid, "I forgot my password")
    assert not Session.objects.exists()
    assert "sessionid" not in client.cookies


def _statements(queries) -> list[str]:
    """The statements that read or write rows (not BEGIN, COMMIT or savepoints)."""
    return [
        q["sql"].split()[0]
        for q in queries
        if q["sql"].split()[0] in {"SELECT", "INSERT", "UPDATE", "DELETE"}
    ]


def test_an_answer_costs_two_reads_and_one_insert(client, site, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.HELPCENTER_CONTENT_VERSION_TTL = 60  # the engine's content version is not due for a read
    settings.HELPCENTER_VIEW_COUNT_FLUSH_SECONDS = 3600  # the articles shown are counted in memory
    cid = start(client)
    say(client, cid, "I forgot my password")  # builds the engine, reads the content version
    # The conversation, its turns so far (the context the message is understood in), then both
    # messages in one statement (the cards come from the engine's memory).
    with CaptureQueriesContext(connection) as queries:
        reply = say(client, cid, "change my credit card")
    assert _statements(queries) == ["SELECT", "SELECT", "INSERT"]
    assert reply["kind"] == "answer" and reply["articles"][0]["slug"] == "update-card"
    roles = list(Message.objects.filter(conversation_id=cid).values_list("role", "decision"))
    assert roles[-2:] == [("customer", ""), ("bot", "answer")]
    assert client.get(f"/api/chat/conversations/{cid}").json()["messages"][-1]["id"] == reply["id"]
    article_views_flush()  # nothing counted in memory outlives the test


@pytest.mark.django_db(transaction=True)
def test_while_the_engine_is_rebuilt_cards_never_show_an_article_as_it_was(
    client, site, settings, monkeypatch
):
    from kb import indexes
    from kb.models import Article

    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    indexes.engines_warm(["en"])  # the full engine, not the stand-in of a first build
    cid = start(client)
    assert say(client, cid, "change my credit card")["articles"][0]["title"] == "Update your payment card"
    held = []

    def held_back(language, version, *_order):  # the old engine (which knows the old title) keeps answering
        held.append(language)
        indexes._rebuilding.discard(language)

    monkeypatch.setattr(indexes, "_rebuild_in_background", held_back)
    card = Article.objects.get(slug_en="update-card")
    card.title_en = "Change the card you pay with"
    card.save()
    reply = say(client, cid, "change my credit card")
    for thread in threading.enumerate():
        if thread.name == "engine-en":
            thread.join(timeout=30)
    assert held == ["en"]
    assert reply["articles"][0]["title"] == "Change the card you pay with"
    card.status = "draft"
    card.save()
    reply = say(client, cid, "change my credit card")
    assert all(a["slug"] != "update-card" for a in reply["articles"])


def test_a_repeated_cannot_help_does_not_rewrite_the_conversation(client, site, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.HELPCENTER_CONTENT_VERSION_TTL = 60
    cid = start(client)
    assert say(client, cid, "what is the weather like in Lisbon tomorrow")["kind"] == "cannot_help"
    reason = Conversation.objects.get().handoff_reason
    with CaptureQueriesContext(connection) as queries:
        assert say(client, cid, "what is the weather like in Porto tomorrow")["kind"] == "cannot_help"
    # The conversation and its turns read, the two messages written; the conversation is not.
    assert _statements(queries) == ["SELECT", "SELECT", "INSERT"]
    assert Conversation.objects.get().handoff_reason == reason


def test_escalate_bad_email_says_what_is_wrong_in_the_conversations_language(client, site):
    cid = start(client, "zh-hans")
    # The browser asks for English; the page (and so the conversation) is Chinese.
    url = f"/api/chat/conversations/{cid}/escalate"
    response = post(client, url, {"email": "nope"}, headers={"accept-language": "en"})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == body["fields"]["email"][0]
    assert "name@example.com" in body["error"] and "电子邮件" in body["error"]


def test_one_suggestion_is_introduced_in_the_singular():
    from django.utils import translation

    from chatbot import phrases

    with translation.override("en"):
        assert str(phrases.DID_THEY_HELP % {"count": 1}) == "Does this article help?"
        assert str(phrases.DID_THEY_HELP % {"count": 2}) == "Do any of these articles help?"
    with translation.override("fr"):
        assert str(phrases.DID_THEY_HELP % {"count": 1}) != str(phrases.DID_THEY_HELP % {"count": 2})
