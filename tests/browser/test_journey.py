"""The whole journey in a real browser (Debian's Chromium, Playwright): a French customer out of
hours, the agent who answers, the customer's status page; Chinese and Japanese customers; the widget
by keyboard alone; and an automated accessibility check (axe-core) of the main pages.

Set JOURNEY_SCREENSHOTS=<folder> to keep a screenshot of each step."""

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from support.models import Ticket
from tests.browser.conftest import CHROMIUM, engines_ready

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
pytestmark = [
    # The same primary keys in every test: the demo's engines are built once for all of them.
    pytest.mark.django_db(transaction=True, reset_sequences=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]
# Saturday morning: every region is off shift; EMEA (French) opens on Monday at 08:00 in Dublin.
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


@pytest.fixture
def frozen_clock(monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: SATURDAY)
    return SATURDAY


@pytest.fixture
def demo(frozen_clock):
    call_command("load_demo", verbosity=0)
    engines_ready()


def _page(browser, timezone_id: str, locale: str):
    context = browser.new_context(
        timezone_id=timezone_id, locale=locale, viewport={"width": 1200, "height": 860}
    )
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message.text),
    )
    return page


def _shot(page, name: str) -> None:
    folder = os.environ.get("JOURNEY_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def _ask(page, text: str) -> str:
    count = page.locator(".chat-msg").count()
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    page.locator(".chat-msg").nth(count + 1).wait_for()
    return page.locator(".chat-bot").last.inner_text()


def test_french_customer_out_of_hours_then_the_agent_answers(live_server, browser, demo):
    page = _page(browser, "Europe/Paris", "fr-FR")
    page.goto(f"{live_server.url}/fr/")
    assert page.locator("html").get_attribute("lang") == "fr"
    _shot(page, "journey-1-home-fr")

    # Search with a typo.
    page.fill("input[name=q]", "mot de pase oublie")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/fr/search/"))
    first = page.locator(".search-results a, .results a").first
    assert "mot de passe" in first.inner_text().lower()
    _shot(page, "journey-2-search-typo")
    first.click()
    page.wait_for_url(re.compile(r"/fr/articles/"))
    assert "mot de passe" in page.locator("h1").inner_text().lower()

    # Vote.
    page.locator("#feedback button, #feedback [type=submit]").first.click()
    page.wait_for_selector(".message, .messages")
    assert "Merci" in page.locator(".messages").inner_text()

    # The widget answers a question it knows...
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    answer = _ask(page, "j'ai oublié mon mot de passe")
    assert page.locator(".chat-card-title").last.inner_text().lower().count("mot de passe")
    # ...and not one it does not.
    unknown = _ask(page, "pouvez-vous me conseiller un bon restaurant à Lisbonne ?")
    assert unknown != answer and ("personne" in unknown.lower() or "trouv" in unknown.lower())
    _shot(page, "journey-3-chat-fr")

    page.click(".chat-person")
    page.wait_for_selector(".chat-escalate input[type=email]")
    page.fill(".chat-escalate input[type=email]", "marie@example.com")
    page.click(".chat-escalate button")
    page.locator(".chat-log .chat-bot", has_text="marie@example.com").wait_for()
    told = page.locator(".chat-bot").last.inner_text()
    ticket = Ticket.objects.get()
    assert ticket.region.code == "EMEA" and ticket.reference in told
    # Who answers and when, in the customer's own time: Monday 08:00 in Dublin is 09:00 in Paris.
    assert "Europe, Moyen-Orient et Afrique" in told and "lundi" in told.lower() and "09:00" in told
    _shot(page, "journey-4-escalated-fr")
    assert page.csp_errors == []

    # The EMEA agent signs in, finds the ticket with the transcript, and replies.
    agent = _page(browser, "Europe/Dublin", "en-IE")
    agent.goto(f"{live_server.url}/admin/login/?next=/en/agents/regions/EMEA/")
    agent.fill("#id_username", "agent-emea")
    agent.fill("#id_password", "nimbus-agent")
    agent.click("input[type=submit]")
    agent.wait_for_url(re.compile(r"/en/agents/regions/EMEA/"))
    agent.click(f"text={ticket.reference}")
    agent.wait_for_selector(".transcript")
    assert "j'ai oublié mon mot de passe" in agent.locator(".transcript").inner_text()
    _shot(agent, "journey-5-agent-ticket")
    agent.fill("textarea[name=body]", "Bonjour Marie, voici un lien pour réinitialiser votre mot de passe.")
    agent.locator("form:has(textarea[name=body]) button[type=submit]").click()
    agent.wait_for_selector(".messages")
    assert agent.csp_errors == []

    # The customer's status link (from the e-mail) shows the reply.
    link = next(
        line.strip() for message in mail.outbox for line in message.body.splitlines() if "/requests/" in line
    )
    page.goto(live_server.url + link.split("127.0.0.1:8000", 1)[-1])
    assert "Bonjour Marie" in page.locator("main").inner_text()
    _shot(page, "journey-6-status-fr")


@pytest.mark.parametrize(
    ("language", "zone", "question", "expected_title"),
    [
        ("zh-hans", "Asia/Shanghai", "我忘记密码了", "重置密码"),
        ("ja", "Asia/Tokyo", "パスワードを忘れました", "パスワード"),
    ],
)
def test_chinese_and_japanese_customers_get_their_own_language(
    live_server, browser, demo, language, zone, question, expected_title
):
    page = _page(browser, zone, language)
    page.goto(f"{live_server.url}/{language}/")
    assert page.locator("html").get_attribute("lang") == language
    launcher = page.locator(".chat-launcher").inner_text()
    assert launcher != "Chat with us" and re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", launcher)
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    assert re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", page.locator(".chat-bot").first.inner_text())
    _ask(page, question)
    assert expected_title in page.locator(".chat-card-title").last.inner_text()
    _shot(page, f"journey-chat-{language}")
    assert page.csp_errors == []


def test_the_widget_works_with_the_keyboard_alone(live_server, browser, demo):
    page = _page(browser, "Europe/Paris", "fr-FR")
    page.goto(f"{live_server.url}/fr/")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chat-launcher')"):
            break
    else:
        pytest.fail("the chat launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.wait_for_selector(".chat-bot")
    assert page.evaluate("document.activeElement.id") == "chat-input"
    page.keyboard.type("j'ai oublié mon mot de passe")
    count = page.locator(".chat-msg").count()
    page.keyboard.press("Enter")
    page.locator(".chat-msg").nth(count + 1).wait_for()
    # The article link in the answer is reachable with Tab from the input.
    for _ in range(10):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.closest('.chat-card') !== null"):
            break
    else:
        pytest.fail("the answer's article link cannot be reached with the keyboard")
    page.keyboard.press("Escape")
    assert page.locator(".chat-panel").is_hidden()
    assert page.evaluate("document.activeElement.classList.contains('chat-launcher')")


def _axe(page) -> list[dict]:
    page.evaluate(
        AXE.read_text(encoding="utf-8")
    )  # evaluated through DevTools: the page's CSP does not apply
    result = page.evaluate(
        "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
    )
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/fr/",
        "/fr/articles/reset-password/",
        "/fr/search/?q=mot+de+passe",
        "/fr/contact/",
        "/zh-hans/chat/",
        "/ja/categories/getting-started/",
    ],
)
def test_main_pages_have_no_serious_accessibility_violations(live_server, browser, demo, path):
    page = _page(browser, "Europe/Paris", "fr-FR")
    page.goto(live_server.url + path)
    assert _axe(page) == []


def test_open_chat_widget_has_no_serious_accessibility_violations(live_server, browser, demo):
    page = _page(browser, "Europe/Paris", "fr-FR")
    page.goto(f"{live_server.url}/fr/")
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    _ask(page, "j'ai oublié mon mot de passe")
    assert _axe(page) == []
