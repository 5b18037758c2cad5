"""The chat widget in a real browser (Debian's Chromium driven by Playwright) against the live site."""

import pytest

from support.models import Ticket
from tests.browser.conftest import CHROMIUM, engines_ready
from tests.factories import make_article
from tests.support.factories import make_demo_regions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]


@pytest.fixture
def page(browser):
    return browser.new_context(timezone_id="Europe/Paris").new_page()


def _ask(page, text: str) -> None:
    count = page.locator(".chat-msg").count()
    page.fill("#chat-input", text)
    page.keyboard.press("Enter")
    page.locator(".chat-msg").nth(count + 1).wait_for()


def test_widget_answers_in_french_then_escalates_to_a_person(live_server, page):
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "en": {
                "title": "Reset your password",
                "body": "Use Forgot password.",
                "questions": ["I forgot my password"],
            },
            "fr": {
                "title": "Réinitialiser votre mot de passe",
                "body": "Cliquez sur Mot de passe oublié.",
                "questions": ["j'ai oublié mon mot de passe", "je n'arrive plus à me connecter"],
            },
        },
    )
    make_article(
        slug="dns",
        translations={
            "en": {"title": "DNS records", "questions": ["add an a record"]},
            "fr": {"title": "Enregistrements DNS", "questions": ["ajouter un enregistrement dns"]},
        },
    )
    engines_ready()
    page.goto(f"{live_server.url}/fr/")
    launcher = page.locator(".chat-launcher")
    assert launcher.inner_text() == "Discuter avec nous"
    launcher.focus()
    page.keyboard.press("Enter")  # keyboard opens it
    page.wait_for_selector(".chat-bot")
    assert page.locator(".chat-log").get_attribute("aria-live") == "polite"
    assert "assistant Nimbus Cloud" in page.locator(".chat-bot").first.inner_text()

    _ask(page, "j'ai oublié mon mot de passe")
    card = page.locator(".chat-card").last
    assert card.locator(".chat-card-title").inner_text() == "Réinitialiser votre mot de passe"
    assert card.locator("a").get_attribute("href") == "/fr/articles/reset-password/"

    # Customer text is shown as text, never as markup.
    _ask(page, "<img src=x onerror=alert(1)> quel temps fait-il à Lisbonne ?")
    assert page.locator(".chat-customer").last.inner_text().startswith("<img src=x")
    assert page.locator(".chat-log img").count() == 0

    page.click(".chat-person")
    page.wait_for_selector(".chat-escalate input[type=email]")
    page.fill(".chat-escalate input[type=email]", "marie@example.com")
    page.click(".chat-escalate button")
    page.locator(".chat-log .chat-bot", has_text="marie@example.com").wait_for()
    ticket = Ticket.objects.get()
    assert ticket.reference in page.locator(".chat-bot").last.inner_text()
    assert (ticket.source, ticket.language, ticket.customer_timezone) == ("chat", "fr", "Europe/Paris")
    assert any(line["text"] == "j'ai oublié mon mot de passe" for line in ticket.transcript)

    page.keyboard.press("Escape")
    assert page.locator(".chat-panel").is_hidden()


def test_full_page_chat_works_in_chinese(live_server, page):
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
            "zh-hans": {
                "title": "重置密码",
                "body": "在登录页面点击忘记密码。",
                "questions": ["忘记密码了", "登录不上"],
            },
        },
    )
    make_article(
        slug="dns",
        translations={
            "en": {"title": "DNS records", "questions": ["add an a record"]},
            "zh-hans": {"title": "添加 DNS 记录", "questions": ["添加 a 记录"]},
        },
    )
    engines_ready()
    page.goto(f"{live_server.url}/zh-hans/chat/")
    page.wait_for_selector(".chat-bot")
    _ask(page, "我忘记密码了")
    assert page.locator(".chat-card-title").last.inner_text() == "重置密码"


def test_the_widget_shows_the_assistant_typing_until_the_answer_arrives_and_never_counts_it(
    live_server, page
):
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "fr": {"title": "Réinitialiser votre mot de passe", "questions": ["j'ai oublié mon mot de passe"]}
        },
    )
    engines_ready("fr")
    held = []
    # The answer is held back until the test has looked at the widget meanwhile.
    page.route("**/messages", lambda route: held.append(route))
    page.goto(f"{live_server.url}/fr/")
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    messages = page.locator(".chat-msg").count()
    page.fill("#chat-input", "j'ai oublié mon mot de passe")
    page.keyboard.press("Enter")
    typing = page.locator(".chat-log .chat-typing")
    typing.wait_for()
    assert "L’assistant écrit" in typing.inner_text()
    assert typing.get_attribute("role") == "status"
    assert page.locator(".chat-msg").count() == messages + 1  # the customer's message, not the dots
    for _ in range(100):  # the route's handler runs as Playwright dispatches the request's event
        if held:
            break
        page.wait_for_timeout(50)
    held[0].continue_()
    page.locator(".chat-msg").nth(messages + 1).wait_for()
    assert typing.count() == 0
    assert page.locator(".chat-card-title").last.inner_text() == "Réinitialiser votre mot de passe"
