"""Property-based fuzzing: whatever arrives, the chat API and the import parsers answer with a clear
refusal or a result, never a server error or an unexpected exception."""

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kb.exchange import ImportFileError, parse_article_lines
from kb.translations import formats

pytestmark = pytest.mark.django_db

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "text": JSON | st.text(),
        "language": JSON | st.sampled_from(["en", "fr", "zh-hans", "xx", ""]),
        "timezone": JSON | st.text(max_size=40),
        "email": JSON | st.emails(),
        "name": JSON,
        "message": JSON,
        "helpful": JSON,
    },
)
FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def chat():
    from tests.factories import make_article
    from tests.support.factories import make_demo_regions

    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={"en": {"title": "Reset your password", "questions": ["I forgot my password"]}},
    )
    client = Client()
    conversation = client.post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    ).json()["id"]
    return client, conversation


@FAST
@given(body=FIELDS)
def test_chat_api_never_fails_on_any_json(settings, chat, body):
    settings.HELPCENTER_CHAT_RATE = "100000/m"
    client, conversation = chat
    for path in (
        "/api/chat/conversations",
        f"/api/chat/conversations/{conversation}/messages",
        f"/api/chat/conversations/{conversation}/feedback",
    ):
        response = client.post(path, json.dumps(body), content_type="application/json")
        assert response.status_code < 500, (path, body, response.content[:200])


@FAST
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_chat_api_never_fails_on_any_bytes(settings, chat, raw):
    settings.HELPCENTER_CHAT_RATE = "100000/m"
    client, conversation = chat
    response = client.post(
        f"/api/chat/conversations/{conversation}/messages", raw, content_type="application/json"
    )
    assert response.status_code < 500


@settings(max_examples=200, deadline=None)
@given(lines=st.lists(st.text(max_size=200) | JSON.map(json.dumps), max_size=5))
def test_article_import_parser_accepts_or_refuses_with_reasons(lines):
    try:
        records = parse_article_lines(lines, filename="f.jsonl", languages=["en", "fr"], source_language="en")
    except ImportFileError as error:
        assert str(error)
    else:
        assert all(record.translations for record in records)


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400), fmt=st.sampled_from(["xliff", "po"]))
def test_translation_file_parsers_accept_or_refuse_with_reasons(data, fmt):
    try:
        formats.read(data, fmt)
    except formats.ExchangeError as error:
        assert str(error)


XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\n\t"),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(
    text=XML_TEXT,
    key=st.from_regex(r"[a-z0-9-]{1,20}", fullmatch=True),
    revision=st.integers(min_value=0, max_value=10**6),
)
def test_translation_files_round_trip_any_text(text, key, revision):
    source = text if text.strip() else "x"
    bundle = formats.Bundle(
        "en",
        "fr",
        (formats.Item("article", key, revision, "outdated", (formats.Unit("title", source, text),)),),
    )
    for fmt in ("xliff", "po"):
        assert formats.read(formats.write(bundle, fmt), fmt) == bundle, fmt
