"""Content Security Policy without unsafe-inline on every page, security headers, staff login
throttling, and 429 + Retry-After on every anonymous write or search endpoint."""

import json

import pytest
from django.test import Client

from support.models import Ticket
from support.notifications import status_token
from tests.factories import make_article, make_category, make_staff
from tests.support.factories import make_demo_regions

pytestmark = pytest.mark.django_db


@pytest.fixture
def site():
    make_demo_regions()
    article = make_article(
        slug="reset-password",
        category=make_category(slug="security"),
        translations={
            "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
        },
    )
    return article


def _pages(site) -> list[tuple[str, Client]]:
    from support.services import ticket_create

    anonymous = Client()
    ticket = ticket_create(
        requester_email="c@example.com", subject="Help", message="Down", language="en", source="web"
    ).ticket
    agent = Client()
    agent.force_login(
        make_staff(username="agent", permissions=("support.view_ticket", "support.change_ticket"))
    )
    editor = Client()
    editor.force_login(
        make_staff(username="editor", permissions=("kb.change_article", "kb.view_article", "kb.translate_fr"))
    )
    return [
        ("/en/", anonymous),
        ("/fr/articles/reset-password/", anonymous),
        ("/fr/categories/security/", anonymous),
        ("/en/search/?q=password", anonymous),
        ("/en/contact/", anonymous),
        ("/en/chat/", anonymous),
        (f"/en/requests/{status_token(ticket)}/", anonymous),
        ("/en/articles/nothing/", anonymous),
        ("/admin/login/", anonymous),
        ("/en/agents/", agent),
        (f"/en/agents/tickets/{ticket.reference}/", agent),
        ("/en/agents/report/", agent),
        ("/admin/", editor),
        (f"/admin/kb/article/{site.pk}/change/", editor),
        (f"/admin/kb/article/{site.pk}/translate/fr/", editor),
        ("/admin/kb/article/translations/", editor),
        ("/en/editors/content-gaps/", editor),
    ]


def test_every_page_has_a_strict_content_security_policy(site):
    for path, client in _pages(site):
        response = client.get(path)
        assert response.status_code in (200, 404), path
        policy = response["Content-Security-Policy"]
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, path
        assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy, path


def test_pages_have_no_inline_script_or_style_the_policy_would_block(site):
    import re

    for path, client in _pages(site):
        html = client.get(path).content.decode()
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert "src=" in tag or 'type="application/json"' in tag, (path, tag)
        assert not re.search(r"<style\b", html), path
        assert not re.search(r"\son[a-z]+=\"", html), path  # inline event handlers


def test_security_headers(client, site):
    response = client.get("/en/")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


def _login(client, password, username="editor", ip="203.0.113.7"):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_staff_login_is_locked_after_five_failures_for_that_username_and_address(site):
    make_staff(username="editor", permissions=("kb.change_article",))
    client = Client()
    for _ in range(4):
        assert _login(client, "wrong").status_code == 200  # the login form again, with its error
    assert _login(client, "wrong").status_code == 429  # the fifth failure locks
    locked = _login(client, "pw-for-tests-123")  # even the right password now
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    # Another address is not locked out by someone else's guessing.
    assert _login(Client(), "pw-for-tests-123", ip="198.51.100.9").status_code == 302


def test_successful_login_resets_the_failure_count(site):
    make_staff(username="editor", permissions=("kb.change_article",))
    client = Client()
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, "pw-for-tests-123").status_code == 302
    for _ in range(4):
        _login(Client(), "wrong")
    assert _login(Client(), "pw-for-tests-123").status_code == 302


def _chat_start(client):
    return client.post(
        "/api/chat/conversations", json.dumps({"language": "en"}), content_type="application/json"
    )


@pytest.mark.parametrize(
    ("setting", "rate", "call"),
    [
        ("HELPCENTER_CHAT_RATE", "3/d", _chat_start),
        ("HELPCENTER_SEARCH_RATE", "3/d", lambda c: c.get("/en/search/", {"q": "password"})),
        (
            "HELPCENTER_FEEDBACK_RATE",
            "3/d",
            lambda c: c.post("/en/articles/reset-password/feedback/", {"helpful": "yes"}),
        ),
        ("HELPCENTER_CONTACT_RATE", "3/d", lambda c: c.post("/en/contact/", {"email": "x"})),
    ],
)
def test_anonymous_endpoints_answer_429_with_retry_after(settings, site, setting, rate, call):
    setattr(settings, setting, rate)
    client = Client()
    statuses = [call(client).status_code for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429
    limited = call(client)
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert not Ticket.objects.exists()  # the contact posts were invalid or limited
