"""No customer waits for an engine: while a language's full engine is built, the words-only engine
answers, and the transcript says so."""

import json
import threading

import pytest
from django.conf import settings
from django.test import override_settings

from chatbot.models import Message, Role
from kb import indexes
from support.models import Ticket
from tests.factories import make_article
from tests.support.factories import make_demo_regions

needs_encoder = pytest.mark.skipif(
    settings.HELPCENTER_ENCODER == "none", reason="without an encoder the lexical engine is the engine"
)


@pytest.fixture
def site():
    make_demo_regions()
    for slug, title, questions in [
        ("reset-password", "Reset your password", ["I forgot my password", "can't log in", "reset password"]),
        ("update-card", "Update your payment card", ["change my credit card", "my card expired"]),
        ("dns", "Add DNS records", ["add an a record", "set up mx records"]),
    ]:
        make_article(slug=slug, translations={"en": {"title": title, "body": title, "questions": questions}})


def say(client, cid, text):
    response = client.post(
        f"/api/chat/conversations/{cid}/messages", json.dumps({"text": text}), content_type="application/json"
    )
    assert response.status_code == 200, response.content
    return response.json()["reply"]


@needs_encoder
@pytest.mark.django_db(transaction=True)
@override_settings(HELPCENTER_ENGINE_BACKGROUND_REBUILD=True)
def test_message_during_the_first_engine_build_is_answered_by_the_lexical_engine(client, site):
    started = client.post(
        "/api/chat/conversations",
        json.dumps({"language": "en", "timezone": "UTC"}),
        content_type="application/json",
    )
    cid = started.json()["id"]
    # The full engine's build cannot finish while the test holds the language's build lock: the
    # request must not wait for it.
    with indexes._build_locks.setdefault("en", threading.Lock()):
        reply = say(client, cid, "I forgot my password")
        assert reply["articles"][0]["slug"] == "reset-password"
        assert "en" not in indexes.engines_built()
    indexes.engines_wait()
    assert indexes.engines_built() == ["en"]
    again = say(client, cid, "I forgot my password")
    assert again["articles"][0]["slug"] == "reset-password"
    provisional = list(
        Message.objects.filter(conversation_id=cid, role=Role.BOT).values_list("provisional", flat=True)
    )
    assert provisional == [False, True, False]  # the greeting, the stand-in's answer, the full engine's
    client.post(
        f"/api/chat/conversations/{cid}/escalate",
        json.dumps({"email": "a@example.com"}),
        content_type="application/json",
    )
    transcript = Ticket.objects.get().transcript
    notes = ["words-only search" in line["text"] for line in transcript if line["role"] == "bot"]
    assert notes[:3] == [False, True, False]
