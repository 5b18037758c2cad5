"""What the chat API says about input it refuses: each mistake once, in the customer's language, and
a time zone it does not know refused rather than replaced by UTC in silence."""

import json

import pytest

from chatbot.forms import MAX_MESSAGE_CHARS
from tests.chatbot.test_api import post, site, start  # noqa: F401 - the site fixture

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("zone", ["../../etc/passwd", "Mars/Olympus_Mons", "europe/paris", "x" * 65])
def test_an_unknown_time_zone_is_refused_with_a_message(client, zone):
    response = post(client, "/api/chat/conversations", {"language": "fr", "timezone": zone})
    assert response.status_code == 400
    body = response.json()
    assert list(body["fields"]) == ["timezone"] and len(body["fields"]["timezone"]) == 1
    assert body["error"] == body["fields"]["timezone"][0]
    assert body["error"].startswith("Fuseau horaire inconnu")  # in the conversation’s language


def test_no_time_zone_is_accepted_and_replies_then_say_utc_not_your_time(client, site):  # noqa: F811
    response = post(client, "/api/chat/conversations", {"language": "en"})
    assert response.status_code == 201
    cid = response.json()["id"]
    reply = post(client, f"/api/chat/conversations/{cid}/messages", {"text": "tell me a joke about penguins"})
    text = reply.json()["reply"]["text"]
    assert reply.json()["reply"]["kind"] == "cannot_help"
    if "team answers in English next" in text:  # off shift now: when it opens, said in UTC
        assert " UTC (" in text and "your time" not in text


def test_a_message_over_the_limit_gets_one_error_that_says_so(client, site):  # noqa: F811
    cid = start(client, "fr")
    response = post(client, f"/api/chat/conversations/{cid}/messages", {"text": "a" * 5000})
    assert response.status_code == 400
    body = response.json()
    assert body["fields"] == {"text": [body["error"]]}
    assert str(MAX_MESSAGE_CHARS) in body["error"] and "5000" in body["error"]
    assert "Type a message" not in json.dumps(body) and "Écrivez" not in json.dumps(body)
