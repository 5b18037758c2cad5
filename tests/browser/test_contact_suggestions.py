"""In a real browser: the contact form suggests articles while the customer types, reachable by
keyboard, and "This answered my question" sends no ticket; the support page takes the browser's
time zone."""

import pytest

from support.models import Deflection, Ticket
from tests.browser.conftest import CHROMIUM, engines_ready
from tests.factories import make_article, make_category
from tests.support.factories import make_demo_regions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def site():
    make_demo_regions()
    account = make_category(slug="account", names={"en": "Account", "fr": "Compte"})
    make_article(
        slug="reset-password",
        category=account,
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
        category=account,
        translations={
            "en": {"title": "Update your payment card", "questions": ["change my credit card"]},
            "fr": {"title": "Changer de carte bancaire", "questions": ["changer ma carte bancaire"]},
        },
    )
    engines_ready()


# What of the page sticks out past a 390 px phone screen (the shared header is issue 14's work).
OVERFLOW = """Array.from(document.querySelectorAll('main *'))
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1).map(e => e.tagName)"""


def _page(browser, **options):
    context = browser.new_context(viewport={"width": 390, "height": 844}, **options)
    page = context.new_page()
    page.csp_errors = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and page.csp_errors.append(message.text),
    )
    return page


def test_contact_form_suggests_articles_while_typing_and_by_keyboard(browser, live_server, site):
    page = _page(browser, timezone_id="Europe/Paris", locale="fr-FR")
    page.goto(f"{live_server.url}/fr/contact/")
    assert page.locator("#contact-suggestions").is_hidden()
    page.fill("#id_email", "marie@example.com")
    page.locator("#id_subject").press_sequentially("J'ai oublié mon mot de passe", delay=10)
    suggestion = page.locator("#contact-suggestions .suggestion-title").first
    suggestion.wait_for(state="visible", timeout=10_000)
    assert suggestion.inner_text() == "Réinitialiser votre mot de passe"
    assert page.evaluate(OVERFLOW) == []
    # Keyboard alone: from the message field, Tab reaches the article, then its button.
    page.focus("#id_message")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Réinitialiser votre mot de passe"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Cela a répondu à ma question"
    page.keyboard.press("Enter")
    page.wait_for_url("**/fr/contact/answered/")
    assert "Ravis d’avoir pu vous aider" in page.inner_text("h1")
    assert Deflection.objects.count() == 1 and not Ticket.objects.exists()
    assert page.evaluate(OVERFLOW) == []
    assert page.csp_errors == []


def test_support_page_shows_times_in_the_browsers_zone(browser, live_server, site):
    page = _page(browser, timezone_id="Asia/Tokyo", locale="ja-JP")
    page.goto(f"{live_server.url}/ja/support/")
    page.wait_for_function("document.body.innerText.includes('Asia/Tokyo')", timeout=10_000)
    assert "アジア太平洋" in page.inner_text("main")
    assert page.evaluate(OVERFLOW) == []
    assert page.csp_errors == []
