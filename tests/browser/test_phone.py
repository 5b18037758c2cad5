"""What a customer gets on a phone (390 × 844) and with a keyboard, in a real browser (Debian's
Chromium, Playwright): no page scrolls sideways, the chat launcher never covers the focused element,
axe-core finds no WCAG 2.2 A/AA violation (public pages, the chat open, after a hand-off, the agents'
pages), one message per click and one confirmation per hand-off, and the agents' overview updates
its figures in place and can be paused.

One browser for the module; each test opens its own context (a fresh visitor). axe-core is vendored
(tests/browser/vendor/README.md): nothing is downloaded at test time."""

import os
import shutil
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.test import Client

from chatbot.models import Message, Role
from support.models import Ticket
from support.services import ticket_create
from tests.browser.conftest import CHROMIUM, engines_ready
from tests.browser.phone_pages import LANGUAGES, phone_pages
from tests.factories import make_article
from tests.support.factories import make_demo_regions

pytestmark = [
    # The same primary keys in every test: the demo's engines are built once for all of them.
    pytest.mark.django_db(transaction=True, reset_sequences=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG22 = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
PHONE = {"width": 390, "height": 844}

# The element that has the focus, if the chat launcher covers any part of it (else null).
COVERED_BY_LAUNCHER = """() => {
  const launcher = document.querySelector('.chat-launcher');
  const el = document.activeElement;
  if (!launcher || !launcher.offsetParent || !el || el === document.body || el.closest('#chat-widget')) {
    return null;
  }
  const a = el.getBoundingClientRect(), b = launcher.getBoundingClientRect();
  const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
  const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
  return w > 0 && h > 0 ? el.outerHTML.slice(0, 120) : null;
}"""


@pytest.fixture(scope="module")
def chromium():
    """One headless Chromium for the whole module (launching one costs about a second)."""
    from playwright.sync_api import sync_playwright

    # Sync Playwright runs an event loop in this thread; the ORM calls of the tests are still sync.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM or shutil.which("chromium"),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield browser
        browser.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def phone(chromium):
    """A phone-sized page. The site's CSP forbids injected scripts, axe's included: bypassed here."""
    context = chromium.new_context(
        viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True, bypass_csp=True
    )
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        WCAG22,
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


def launcher_covers_focus(page, limit: int = 200) -> list[str]:
    """Tab through the whole page; each element the launcher covers when it has the focus."""
    covered = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('chat-launcher')"):
            break  # the launcher is the page's last stop
        hit = page.evaluate(COVERED_BY_LAUNCHER)
        if hit:
            covered.append(hit)
    return covered


def _ask(page, text: str) -> None:
    count = page.locator(".chat-msg").count()
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    page.locator(".chat-msg").nth(count + 1).wait_for()


def test_public_pages_fit_a_phone_keep_focus_visible_and_pass_axe(live_server, phone):
    """Every page of tests/browser/phone_pages.py in en, fr, zh-hans and ja, with the demo content."""
    call_command("load_demo", verbosity=0)
    engines_ready()
    problems = []
    for language in LANGUAGES:
        for name, path in phone_pages(language):
            response = phone.goto(live_server.url + path)
            where = f"{name} /{language}/ ({path})"
            if response is None or response.status != 200:
                problems.append(f"{where}: HTTP {response.status if response else '?'}")
                continue
            width = phone.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                problems.append(f"{where}: {width} px wide, scrolls sideways")
            problems += [f"{where}: axe {v}" for v in axe_violations(phone)]
            problems += [
                f"{where}: the chat launcher covers the focused {el}" for el in launcher_covers_focus(phone)
            ]
    assert problems == []


@pytest.fixture
def chat_site():
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "body": "Use Forgot password.",
                   "questions": ["I forgot my password"]},
            "zh-hans": {"title": "重置密码", "body": "在登录页面点击忘记密码。", "questions": ["忘记密码了"]},
        },
    )  # fmt: skip
    make_article(
        slug="dns",
        translations={"en": {"title": "DNS records", "questions": ["add an a record", "point my domain"]}},
    )
    engines_ready()


def test_chat_open_and_after_a_hand_off_pass_axe_with_one_message_per_click(live_server, phone, chat_site):
    phone.goto(f"{live_server.url}/en/")
    phone.click(".chat-launcher")
    phone.wait_for_selector(".chat-bot")
    assert axe_violations(phone) == []

    _ask(phone, "I forgot my password")
    reply = phone.locator(".chat-bot").last
    assert reply.locator(".chat-card").count() >= 1
    # The question about the card comes after the card.
    texts = reply.locator(":scope > p, :scope > ul").evaluate_all("els => els.map(e => e.className)")
    assert texts[:3] == ["chat-text", "chat-cards", "chat-text chat-follow-up"], texts

    # A double click on "no" is one answer.
    before = Message.objects.filter(role=Role.BOT).count()
    reply.locator(".chat-feedback button").last.dblclick()
    phone.wait_for_function(f"document.querySelectorAll('.chat-bot').length > {before}")
    phone.wait_for_timeout(500)
    assert Message.objects.filter(role=Role.BOT).count() == before + 1

    # A double click on "talk to a person" is one request and one reply.
    customer = Message.objects.filter(role=Role.CUSTOMER).count()
    phone.locator(".chat-person").dblclick()
    phone.wait_for_selector(".chat-escalate input[type=email]")
    phone.wait_for_timeout(500)
    assert Message.objects.filter(role=Role.CUSTOMER).count() == customer + 1
    assert phone.locator(".chat-customer").count() == 2  # the question, then the one request
    assert axe_violations(phone) == []

    # A double-submitted hand-off is one ticket and one confirmation.
    phone.fill(".chat-escalate input[type=email]", "marie@example.com")
    phone.locator(".chat-escalate button").dblclick()
    phone.locator(".chat-log .chat-bot", has_text="marie@example.com").first.wait_for()
    phone.wait_for_timeout(500)
    assert phone.locator(".chat-log .chat-bot", has_text="marie@example.com").count() == 1
    assert Ticket.objects.count() == 1
    assert axe_violations(phone) == []


def test_hand_off_form_says_what_is_wrong_with_the_email_in_the_pages_language(
    live_server, chromium, chat_site
):
    # A browser set to English on the Chinese page.
    context = chromium.new_context(viewport=PHONE, is_mobile=True, locale="en-US", bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/zh-hans/chat/")
    page.wait_for_selector(".chat-bot")
    page.click(".chat-person")
    page.wait_for_selector(".chat-escalate input[type=email]")
    page.fill(".chat-escalate input[type=email]", "marie@")
    page.click(".chat-escalate button")
    error = page.locator(".chat-field-error")
    error.wait_for()
    assert "电子邮件地址" in error.inner_text()
    email = page.locator(".chat-escalate input[type=email]")
    assert email.get_attribute("aria-invalid") == "true"
    assert email.get_attribute("aria-describedby") == "chat-email-error"
    assert page.evaluate("document.activeElement.type") == "email"
    assert axe_violations(page) == []
    assert Ticket.objects.count() == 0
    context.close()


def _agent_page(chromium, live_server):
    agent = get_user_model().objects.create_user("agent", password="pw-for-tests-123", is_staff=True)
    agent.user_permissions.set(Permission.objects.filter(content_type__app_label="support"))
    client = Client()
    client.force_login(agent)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, bypass_csp=True)
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return context.new_page()


def test_agents_pages_pass_axe_and_the_overview_updates_in_place_until_paused(live_server, chromium):
    make_demo_regions()
    ticket = ticket_create(
        requester_email="c@example.com", subject="Facture", message="Bonjour", language="fr", source="web"
    ).ticket
    page = _agent_page(chromium, live_server)
    for path in (
        "/en/agents/",
        f"/en/agents/regions/{ticket.region.code}/",
        f"/en/agents/tickets/{ticket.reference}/",
    ):
        page.goto(live_server.url + path)
        assert page.locator(".chat-widget, .chat-launcher").count() == 0, path
        assert axe_violations(page) == [], path

    page.goto(f"{live_server.url}/en/agents/")
    open_cell = page.locator(f"#overview-live tr:has(a:text-is('{ticket.region.code}')) td").nth(4)
    assert open_cell.inner_text() == "1"
    # Every second instead of every minute, for the test; the pause button re-arms the timer.
    page.evaluate("document.getElementById('overview-live').setAttribute('data-refresh-seconds', '1')")
    pause = page.locator("[data-refresh-pause]")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "true"
    ticket_create(
        requester_email="d@example.com", subject="Encore", message="Re", language="fr", source="web"
    )
    page.wait_for_timeout(2500)
    assert open_cell.inner_text() == "1"  # paused: nothing changes
    page.evaluate("window.scrollTo(0, 40)")
    pause.click()
    assert pause.get_attribute("aria-pressed") == "false"
    code = ticket.region.code
    page.wait_for_function(
        f"[...document.querySelectorAll('#overview-live tr')].some(r => r.textContent.includes('{code}')"
        " && r.querySelectorAll('td')[4].textContent.trim() === '2')"
    )
    # In place: no reload, the pause button keeps the focus.
    assert page.evaluate("document.activeElement.hasAttribute('data-refresh-pause')")
    assert page.evaluate("performance.getEntriesByType('navigation').length") == 1
    assert axe_violations(page) == []


def test_agents_overview_shows_open_overdue_and_oldest_on_a_phone_without_sideways_scroll(
    live_server, chromium
):
    make_demo_regions()
    ticket_create(
        requester_email="c@example.com", subject="Facture", message="Bonjour", language="fr", source="web"
    )
    page = _agent_page(chromium, live_server)
    page.goto(f"{live_server.url}/fr/agents/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    cards = page.locator("#overview-live tbody tr")
    assert cards.count() == 3
    for index in range(cards.count()):
        for label in ("Ouverts", "En retard", "Plus ancienne attente"):
            cell = cards.nth(index).locator(f"td[data-label='{label}']")
            box = cell.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], label
            # The label is shown beside the figure, so a card reads without the hidden header row.
            assert page.evaluate("c => getComputedStyle(c, '::before').content", cell.element_handle()) == (
                f'"{label}"'
            )
    assert axe_violations(page) == []
