"""Saved replies on the agents' ticket page in a real browser: Insert puts the reply in the box in
place (the page does not reload, what the agent typed elsewhere stays), flagged when it is English."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from support.models import AgentProfile, SavedReply
from support.services import ticket_create
from tests.browser.conftest import CHROMIUM
from tests.support.factories import make_demo_regions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]


def test_insert_puts_the_ticket_language_version_in_place_and_flags_english(live_server, browser):
    make_demo_regions()
    agent = get_user_model().objects.create_user("agent-emea", password="pw-for-tests-123", is_staff=True)
    agent.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    AgentProfile.objects.create(user=agent, display_name="Camille")
    SavedReply.objects.create(
        title_en="Greeting",
        body_en="Hello {customer_name}",
        title_fr="Salutation",
        body_fr="Bonjour {customer_name}",
    )
    SavedReply.objects.create(title_en="Closing", body_en="Regards, {agent_name}")
    ticket = ticket_create(
        requester_email="marie@example.com",
        requester_name="Marie",
        subject="Facture",
        message="Bonjour",
        language="fr",
        source="web",
        now=datetime(2026, 11, 30, 10, 0, tzinfo=UTC),
    ).ticket
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    page.goto(f"{live_server.url}/admin/login/?next=/en/agents/tickets/{ticket.reference}/")
    page.fill("#id_username", "agent-emea")
    page.fill("#id_password", "pw-for-tests-123")
    page.click("input[type=submit]")
    url = page.url
    page.fill("textarea[name=body]", "Merci. ")
    page.select_option("select[name=saved_reply]", label="Salutation · shared")
    page.click("#saved-reply-picker button[type=submit]")
    assert page.url == url  # in place, no reload
    assert page.input_value("textarea[name=body]") == "Merci. Bonjour Marie"
    assert page.is_hidden("#saved-reply-fallback")
    page.fill("textarea[name=body]", "")
    page.select_option("select[name=saved_reply]", label="Closing (English only) · shared")
    # Reply or note: the reply box's own choice, the only one on the page, kept by the insertion.
    page.check("#reply-form input[name=public][value='0']")
    page.click("#saved-reply-picker button[type=submit]")
    assert page.input_value("textarea[name=body]") == "Regards, Camille"
    assert page.is_visible("#saved-reply-fallback")
    assert "no version in French yet" in page.inner_text("#saved-reply-fallback")
    assert page.is_checked("input[name=public][value='0']")
    page.click("#reply-form button[type=submit]")
    page.wait_for_load_state()
    closing = SavedReply.objects.get(title_en="Closing")
    assert closing.usage_count == 1
    assert ticket.messages.last().body == "Regards, Camille"
    assert errors == []
