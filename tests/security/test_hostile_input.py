"""Hostile and malformed input against every public endpoint and form: each gets a clear 4xx or a
form error, is stored safely or not at all, and is escaped wherever it is shown again."""

import json

import pytest
from django.core import mail
from django.test import Client

from chatbot.models import Conversation, Message
from kb.models import ArticleFeedback, SearchLog
from support.models import Ticket, TicketMessage
from tests.factories import make_article, make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("x")</script>'
ATTRIBUTE = '" onmouseover="alert(1)" x="'
TEXTS = {
    "script": SCRIPT,
    "attribute": ATTRIBUTE,
    "sql": "'; DROP TABLE support_ticket; --",
    "rtl": "\u202eevil\u202c مرحبا بالعالم",
    "zero-width": "pass\u200bword\u200d\ufeff",
    "emoji": "🔥🙈 my server is 💀",
    "cjk": "我的服务器宕机了",
}


@pytest.fixture
def site():
    make_demo_regions()
    return make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
            "fr": {
                "title": "Réinitialiser votre mot de passe",
                "questions": ["j'ai oublié mon mot de passe"],
            },
        },
    )


def _json(client, url, body, content_type="application/json"):
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(url, data, content_type=content_type)


def _conversation(client) -> str:
    response = _json(client, "/api/chat/conversations", {"language": "en", "timezone": "Europe/Paris"})
    assert response.status_code == 201
    return response.json()["id"]


# --- The chat API ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"", "application/json", (400, 415)),  # the test client drops the type of an empty body
        (b"   ", "application/json", 400),
        (b"{not json", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'"text"', "application/json", 400),
        (b"\xff\xfe\x00", "application/json", 400),
        (b'{"text": "\\ud800 lone surrogate"}', "application/json", 400),
        (b'{"text": "nul \\u0000 byte"}', "application/json", 400),
        (b'{"text": ""}', "application/json", 400),
        (b'{"text": "   "}', "application/json", 400),
        (b'{"text": 42}', "application/json", 200),  # a number is text "42"
        (b'{"text": ["a"]}', "application/json", 400),
        (json.dumps({"text": "x" * 2001}).encode(), "application/json", 400),
        (json.dumps({"text": "x" * (1024 * 1024)}).encode(), "application/json", 413),
        (b"text=hello", "application/x-www-form-urlencoded", 415),
        (b"hello", "text/plain", 415),
    ],
)
def test_chat_message_bad_bodies_get_a_clear_4xx_and_store_nothing(client, site, body, content_type, status):
    conversation = _conversation(client)
    before = Message.objects.count()
    response = _json(client, f"/api/chat/conversations/{conversation}/messages", body, content_type)
    expected = status if isinstance(status, tuple) else (status,)
    assert response.status_code in expected, response.content
    if min(expected) >= 400:
        assert response.json()["error"]
        assert Message.objects.count() == before


def test_chat_ten_megabyte_body_is_refused_without_reading_it_all(client, site):
    conversation = _conversation(client)
    response = _json(
        client, f"/api/chat/conversations/{conversation}/messages", b"{" + b" " * (10 * 1024 * 1024) + b"}"
    )
    assert response.status_code in (400, 413)
    assert Message.objects.filter(role="customer").count() == 0


@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_chat_write_endpoints_refuse_other_methods(client, site, method):
    response = getattr(client, method)("/api/chat/conversations")
    assert response.status_code == 405


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"language": "xx", "timezone": "UTC"}, 400),
        ({"language": "../../etc", "timezone": "UTC"}, 400),
        ({"language": "en-US\r\nX-Injected: 1"}, 400),
        # Unknown zones are refused with a message (never UTC in silence: support/zones.py).
        ({"language": "fr", "timezone": "Mars/Olympus_Mons"}, 400),
        ({"language": "fr", "timezone": "../../../etc/localtime"}, 400),
        ({"language": "fr", "timezone": "x" * 10_000}, 400),
        ({"language": "fr", "timezone": "Europe/Paris"}, 201),
        ({"language": "fr"}, 201),
    ],
)
def test_chat_start_validates_language_and_time_zone(client, site, body, status):
    response = _json(client, "/api/chat/conversations", body)
    assert response.status_code == status
    if status == 201:
        assert Conversation.objects.get().timezone == body.get("timezone", "")
    else:
        assert Conversation.objects.count() == 0 and response.json()["error"]
        assert len(response.json()["error"]) < 200 and "x" * 100 not in response.json()["error"]


@pytest.mark.parametrize("name", TEXTS)
def test_chat_texts_are_stored_as_written_and_escaped_for_agents(client, site, name):
    text = TEXTS[name]
    conversation = _conversation(client)
    assert (
        _json(client, f"/api/chat/conversations/{conversation}/messages", {"text": text}).status_code == 200
    )
    assert Message.objects.filter(role="customer").get().text == text.strip()
    response = _json(
        client,
        f"/api/chat/conversations/{conversation}/escalate",
        {"email": "c@example.com", "name": ATTRIBUTE},
    )
    assert response.status_code in (200, 201)
    ticket = Ticket.objects.get()
    agent = Client()
    agent.force_login(
        make_staff(username="agent", permissions=("support.view_ticket", "support.change_ticket"))
    )
    page = agent.get(f"/en/agents/tickets/{ticket.reference}/").content.decode()
    assert SCRIPT not in page and ATTRIBUTE not in page
    if name == "script":
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", "a@example.com\r\nBcc: victim@example.com"),
        ("email", ""),
        ("name", "Mallory\r\nBcc: victim@example.com"),
        ("name", "x" * 500),
    ],
)
def test_chat_escalation_refuses_bad_contact_details(client, site, field, value):
    conversation = _conversation(client)
    body = {"email": "c@example.com", "name": "Ann", field: value}
    response = _json(client, f"/api/chat/conversations/{conversation}/escalate", body)
    assert response.status_code == 400
    assert field in response.json()["fields"]
    assert not Ticket.objects.exists() and not mail.outbox


def test_chat_feedback_on_a_message_of_another_conversation_is_404(client, site):
    first = _conversation(client)
    second = _conversation(client)
    foreign = Message.objects.filter(conversation_id=first).first().pk
    response = _json(
        client, f"/api/chat/conversations/{second}/feedback", {"message": foreign, "helpful": True}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "conversation", ["not-a-uuid", "00000000-0000-0000-0000-000000000000", "../../admin"]
)
def test_chat_unknown_or_malformed_conversation_ids_are_404(client, site, conversation):
    response = _json(client, f"/api/chat/conversations/{conversation}/messages", {"text": "hi"})
    assert response.status_code == 404


# --- Public pages and forms ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/en/articles/..%2F..%2Fetc%2Fpasswd/",
        "/en/articles/../../etc/passwd",
        "/en/articles/%00/",
        "/en/categories/..%5C..%5Cwindows/",
        "/xx/articles/reset-password/",
        "/en-GB%0d%0aSet-Cookie:x=1/",
        "/en/articles/" + "a" * 5000 + "/",
    ],
)
def test_path_traversal_and_malformed_paths_are_404(client, site, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Set-Cookie: x" not in str(response.headers)


@pytest.mark.parametrize("name", TEXTS)
def test_search_queries_are_logged_and_escaped(client, site, name):
    query = TEXTS[name]
    response = client.get("/en/search/", {"q": query})
    assert response.status_code == 200
    content = response.content.decode()
    assert SCRIPT not in content and ATTRIBUTE not in content
    assert SearchLog.objects.get().query == query.strip()


@pytest.mark.parametrize(("query", "status"), [("", 200), ("   ", 200), ("x" * 201, 400), ("a\x00b", 400)])
def test_search_empty_overlong_or_nul_queries(client, site, query, status):
    assert client.get("/en/search/", {"q": query}).status_code == status


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"helpful": "maybe"}, 400),
        ({}, 400),
        ({"helpful": "yes", "comment": "x" * 1001}, 400),
        ({"helpful": "no", "comment": SCRIPT}, 302),
        ({"helpful": "no", "comment": "a\x00b"}, 400),
    ],
)
def test_article_feedback_validates_and_escapes(client, site, data, status):
    response = client.post("/en/articles/reset-password/feedback/", data)
    assert response.status_code == status
    if status == 302:
        assert ArticleFeedback.objects.get().comment == SCRIPT
        editor = Client()
        editor.force_login(make_staff(username="editor", permissions=("kb.view_articlefeedback",)))
        page = editor.get("/admin/kb/articlefeedback/").content.decode()
        assert SCRIPT not in page and "&lt;script&gt;" in page
    else:
        assert not ArticleFeedback.objects.exists()


def _contact(**changes):
    data = {
        "name": "Ann",
        "email": "ann@example.com",
        "subject": "Help",
        "message": "My server is down.",
        "timezone": "Europe/Paris",
        "submission": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes",
    [
        {"email": "ann@example.com\nBcc: x@example.com"},
        {"name": "Ann\r\nBcc: x@example.com"},
        {"subject": "Help\nBcc: x@example.com"},
        {"subject": ""},
        {"message": "   "},
        {"message": "x" * 10_001},
        {"submission": "not-a-uuid"},
        {"email": "x" * 300 + "@example.com"},
    ],
)
def test_contact_form_refuses_header_injection_and_bad_fields(client, site, changes):
    response = client.post("/fr/contact/", _contact(**changes))
    assert response.status_code == 400
    assert not Ticket.objects.exists() and not mail.outbox


@pytest.mark.django_db(transaction=True)  # e-mails leave after the commit
@pytest.mark.parametrize("name", TEXTS)
def test_contact_texts_are_escaped_on_the_status_page_agent_page_and_in_emails(client, site, name):
    text = TEXTS[name]
    response = client.post(
        "/fr/contact/", _contact(subject=text.replace("\n", " ")[:200], message=text, name=ATTRIBUTE[:120])
    )
    assert response.status_code == 200
    ticket = Ticket.objects.get()
    assert ticket.messages.get().body == text.strip()
    status_link = next(line for line in mail.outbox[0].body.splitlines() if "/requests/" in line).strip()
    status_page = client.get(status_link.split("127.0.0.1:8000", 1)[-1]).content.decode()
    assert SCRIPT not in status_page and ATTRIBUTE not in status_page
    # Plain-text e-mail: the text travels as written (no HTML entities), headers stay single lines.
    assert "\n" not in mail.outbox[0].subject
    assert (
        ticket.subject in mail.outbox[0].subject and "&#" not in mail.outbox[0].subject + mail.outbox[0].body
    )
    agent = Client()
    agent.force_login(
        make_staff(username="agent", permissions=("support.view_ticket", "support.change_ticket"))
    )
    page = agent.get(f"/en/agents/tickets/{ticket.reference}/").content.decode()
    assert SCRIPT not in page and ATTRIBUTE not in page


@pytest.mark.django_db(transaction=True)
def test_customer_reply_on_the_status_page_is_escaped_everywhere(client, site):
    client.post("/fr/contact/", _contact())
    ticket = Ticket.objects.get()
    status_link = next(line for line in mail.outbox[0].body.splitlines() if "/requests/" in line).strip()
    path = status_link.split("127.0.0.1:8000", 1)[-1]
    assert client.post(path, {"message": SCRIPT}).status_code == 302
    assert TicketMessage.objects.filter(ticket=ticket).count() == 2
    assert SCRIPT not in client.get(path).content.decode()
    assert client.post(path, {"message": ""}).status_code == 400


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_there_is_no_open_redirect_through_language_or_login(client, site, next_url):
    # The language switcher is made of plain links to the same page in each language: no `next`.
    page = client.get("/fr/articles/reset-password/", {"next": next_url}).content.decode()
    assert next_url not in page
    assert client.post("/i18n/setlang/", {"language": "fr", "next": next_url}).status_code == 404
    staff = make_staff(username="editor", permissions=("kb.change_article",))
    response = Client().post(
        f"/admin/login/?next={next_url}",
        {"username": staff.username, "password": "pw-for-tests-123", "next": next_url},
    )
    assert response.status_code == 302 and not response["Location"].startswith(
        ("http", "//", "/\\", "javascript")
    )


# --- Editors' input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        SCRIPT,
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<iframe src=https://evil.example></iframe>",
        '<svg onload="alert(1)"></svg>',
    ],
)
def test_article_bodies_are_sanitised_on_customer_pages(client, body):
    make_article(slug="hostile", translations={"en": {"title": ATTRIBUTE, "body": body, "summary": SCRIPT}})
    content = client.get("/en/articles/hostile/").content.decode()
    for marker in ("<script>alert", "onerror=", "onload=", "javascript:", "<iframe"):
        assert marker not in content


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["{not json"], "invalid JSON"),
        (['{"slug": "../../etc/passwd", "category": "c", "translations": {"en": {"title": "x"}}}'], "slug"),
        (['{"slug": "ok", "category": "c", "translations": {"xx": {"title": "x"}}}'], ""),
        (["\ud800"], ""),
    ],
)
def test_article_import_refuses_bad_lines_with_a_reason(tmp_path, lines, message):
    from django.core.management import CommandError, call_command

    path = tmp_path / "articles.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    with pytest.raises(CommandError) as error:
        call_command("import_articles", str(path))
    assert str(error.value).strip() and message in str(error.value)
    from kb.models import Article

    assert not Article.objects.exists()
