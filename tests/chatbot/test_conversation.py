"""A message is understood with the turns before it, questions about support are answered from the
schedule, and what is not a question is refused: through the chat API, on a small help center."""

import json
from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.core.management import call_command

from chatbot import services
from chatbot.models import Conversation, Message, Role
from tests.factories import make_article
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db
# Without a sentence encoder (.ci/run's PostgreSQL pass) the act detector reads characters only: it
# misses a Japanese greeting, and the demo answers "there's a problem with my bill" outright, so there
# is nothing to join. Known gaps of the words-only mode, said in the README, not claims it meets.
needs_encoder = pytest.mark.skipif(
    settings.HELPCENTER_ENCODER == "none",
    reason="this act is recognised by meaning: needs a sentence encoder",
)


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
        },
    )
    make_article(
        slug="update-card",
        translations={
            "en": {
                "title": "Update your payment card",
                "body": "Go to Billing › Payment methods and add the new card.",
                "questions": ["change my credit card", "my card expired", "payment failed"],
            },
            "fr": {
                "title": "Changer de carte bancaire",
                "body": "Allez dans Facturation.",
                "questions": ["changer ma carte bancaire", "ma carte a expiré"],
            },
        },
    )
    make_article(
        slug="refunds",
        translations={
            "en": {
                "title": "Refunds",
                "body": "We refund a charge made twice within 60 days.",
                "questions": ["I want my money back", "charged twice", "refund my invoice"],
            },
        },
    )
    make_article(
        slug="dns",
        translations={
            "en": {
                "title": "Add DNS records",
                "body": "Open Networking › DNS and add an A, CNAME or MX record.",
                "questions": ["add an a record", "set up mx records", "point a subdomain"],
            },
        },
    )


@pytest.fixture
def demo(db):
    """The demo help center (18 articles, six languages): refusal is calibrated on a help center's
    own content, and a handful of articles is too few to learn from."""
    call_command("load_demo", verbosity=0)


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def start(client, language="en", timezone="Europe/Paris"):
    response = post(client, "/api/chat/conversations", {"language": language, "timezone": timezone})
    assert response.status_code == 201
    return response.json()["id"]


def say(client, cid, text):
    response = post(client, f"/api/chat/conversations/{cid}/messages", {"text": text})
    assert response.status_code == 200, response.content
    return response.json()["reply"]


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "hello!"), ("fr", "bonjour"), pytest.param("ja", "こんにちは", marks=needs_encoder)],
)
def test_greeting_alone_gets_a_greeting_not_a_refusal(client, site, language, text):
    reply = say(client, start(client, language), text)
    assert reply["kind"] == "small_talk" and reply["articles"] == []


def test_greeting_with_a_question_is_answered(client, site):
    reply = say(client, start(client), "hi, I forgot my password")
    assert reply["kind"] in ("answer", "suggestions")
    assert reply["articles"][0]["slug"] == "reset-password"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("en", "<img src=x onerror=alert(1)>"),
        ("en", "<script>document.location='//evil.example'</script>"),
        ("de", "jjjjjjjj kkkkkk"),
    ],
)
def test_markup_code_and_random_characters_are_refused(client, demo, language, text):
    reply = say(client, start(client, language), text)
    assert reply["kind"] == "cannot_help" and reply["articles"] == []


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("es", "¿me pueden diseñar el logotipo de mi empresa?"),
        ("de", "könnt ihr mir einen Laptop für die Arbeit empfehlen?"),
        ("zh-hans", "你们卖不卖打印机"),
    ],
)
def test_products_the_help_center_does_not_sell_are_refused(client, demo, language, text):
    reply = say(client, start(client, language), text)
    assert reply["kind"] == "cannot_help", reply


# Code and near-domain questions, each with whether it is refused today with the sentence encoder
# and with the words-only engine (HELPCENTER_ENCODER=none, .ci/run's PostgreSQL pass), measured on the
# demo in December 2026. Those not refused are known gaps (issue 25), expected to fail strictly: one
# that starts being refused fails the test, so that it is moved to "refused" and kept that way.
CODE_AND_NEAR_DOMAIN = [
    # language, text, refused with the encoder, refused words-only
    ("en", "SELECT password FROM users; --", False, True),
    ("en", "sdkfjh qwpoeiru zmxncb", True, True),
    ("fr", "for (i = 0; i < 10; i++) { console.log(i) }", False, False),
    ("zh-hans", "<div onclick=alert(1)>点击</div>", True, False),
    ("en", "do you sell domain names and email mailboxes too?", False, False),
    ("en", "can you recommend a good antivirus for my mac", True, False),
    ("fr", "vous vendez aussi des téléphones portables ?", False, False),
    ("ja", "おすすめのスマホを教えてください", True, False),
]
_WITH_ENCODER = settings.HELPCENTER_ENCODER != "none"


@pytest.mark.parametrize(
    ("language", "text"),
    [
        pytest.param(
            language,
            text,
            marks=()
            if (with_encoder if _WITH_ENCODER else words_only)
            else pytest.mark.xfail(strict=True, reason="issue 25: still answered with an article"),
        )
        for language, text, with_encoder, words_only in CODE_AND_NEAR_DOMAIN
    ],
)
def test_code_and_near_domain_questions_are_refused(client, demo, language, text):
    assert say(client, start(client, language), text)["kind"] == "cannot_help"


@needs_encoder
def test_an_unanswered_message_joins_the_next_one(client, demo):
    cid = start(client)
    first = say(client, cid, "there's a problem with my bill")
    assert first["kind"] in ("cannot_help", "suggestions")
    # Says nothing alone; with the message before it, it is about a bill.
    second = say(client, cid, "since last month")
    bot = Message.objects.filter(conversation_id=cid, role=Role.BOT).last()
    assert bot.searched == "there's a problem with my bill\nsince last month"
    assert second["kind"] in ("answer", "suggestions")


def test_that_did_not_help_brings_the_next_candidates_then_a_person(client, site):
    cid = start(client)
    first = say(client, cid, "my payment card expired, how do I put in a new card")
    assert first["articles"][0]["slug"] == "update-card"
    second = say(client, cid, "that didn't help")
    shown = [card["slug"] for card in second["articles"]]
    assert "update-card" not in shown
    if second["kind"] == "suggestions":
        # Nothing more to show: the next "no" hands over to a person.
        third = say(client, cid, "no, none of these")
        assert third["kind"] == "offer_person"
    else:
        assert second["kind"] == "offer_person"


def test_that_did_not_help_without_any_article_shown_offers_a_person(client, site):
    reply = say(client, start(client), "that didn't help")
    assert reply["kind"] == "offer_person"


def test_support_hours_question_in_french_answered_from_the_schedule_in_local_time(site):
    saturday_night = datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    conversation = Conversation.objects.create(language="fr", timezone="Europe/Paris", owner="x")
    reply = services.conversation_message(
        conversation=conversation,
        text="à quelle heure vos conseillers travaillent, il y a quelqu'un le week-end ?",
        now=saturday_night,
    )
    assert reply.kind == "support"
    # Dublin opens at 08:00 on Monday: 09:00 in Paris.
    assert reply.text.startswith("Notre équipe Europe, Moyen-Orient et Afrique sera la prochaine à répondre")
    assert "à partir de 09:00 chez vous (lundi)" in reply.text
    assert "(votre heure) : lundi 09:00–18:00 ; mardi 09:00–18:00 ;" in reply.text
    assert "vendredi 09:00–18:00." in reply.text
    assert "Personne ne répond en français le samedi et dimanche." in reply.text
    assert [card["url"] for card in reply.articles] == ["/fr/support/"]


def test_support_languages_question_names_every_language_a_team_answers_in(client, site):
    reply = say(client, start(client, "en", "Asia/Tokyo"), "do you answer in japanese?")
    assert reply["kind"] == "support"
    assert (
        "Our teams answer in English, French, Simplified Chinese, Spanish, German and Japanese."
        in (reply["text"])
    )
    assert reply["articles"][0]["url"] == "/en/support/"


def test_support_reply_in_the_transcript_links_the_support_page_and_counts_no_article(client, site):
    cid = start(client, "de", "Europe/Berlin")
    reply = say(client, cid, "wie lange dauert es, bis jemand antwortet?")
    assert reply["kind"] == "support"
    transcript = client.get(f"/api/chat/conversations/{cid}").json()["messages"]
    assert transcript[-1]["articles"][0]["url"] == "/de/support/"
