"""In a real browser: a pasted message over the chat's limit is counted and refused before sending,
not cut; the support page's zone picker lists cities with their offsets and a bad ?tz= never hides
the browser's own zone."""

import pytest

from tests.browser.conftest import CHROMIUM
from tests.support.factories import make_demo_regions

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (.ci/run installs it)"),
]


def test_a_pasted_message_over_the_limit_is_counted_and_refused_before_sending(live_server, browser):
    page = browser.new_context(locale="fr-FR", timezone_id="Europe/Paris").new_page()
    sent = []
    page.on("request", lambda request: "/messages" in request.url and sent.append(request.url))
    page.goto(f"{live_server.url}/fr/")
    page.click(".chat-launcher")
    page.wait_for_selector(".chat-bot")
    before = page.locator(".chat-msg").count()
    pasted = ("mot de passe " * 385).strip()  # 5,004 characters, as a paste gives them
    page.locator("#chat-input").fill(pasted)
    assert page.input_value("#chat-input") == pasted  # nothing cut
    counter = page.locator("#chat-count")
    assert counter.is_visible() and "5004" in counter.inner_text() and "2000" in counter.inner_text()
    assert "chat-count-over" in counter.get_attribute("class")
    assert page.get_attribute("#chat-input", "aria-invalid") == "true"
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)
    assert sent == [] and page.locator(".chat-msg").count() == before
    assert page.input_value("#chat-input") == pasted  # kept, to be shortened
    # Shortened under the limit: the counter says so and the message goes.
    page.locator("#chat-input").fill("mot de passe oublié")
    assert counter.is_hidden() and page.get_attribute("#chat-input", "aria-invalid") is None


def test_the_zone_picker_offers_cities_and_a_bad_zone_keeps_the_browsers(live_server, browser):
    make_demo_regions()
    page = browser.new_context(locale="en-GB", timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{live_server.url}/en/support/")
    # timezone.js stored the browser's zone and the page shows it.
    shown = "Times are shown in your time zone: Asia/Tokyo."
    page.wait_for_function(f"document.body.innerText.includes('{shown}')")
    labels = page.eval_on_selector_all("#zone-options option", "options => options.map(o => o.label)")
    assert any(label.startswith("Paris (UTC+0") and label.endswith("Europe/Paris") for label in labels)
    assert any(label.startswith("Tokyo (UTC+09:00)") for label in labels)
    page.fill("#zone-input", "Europe/Paris")
    page.click(".zone-form button[type=submit]")
    page.wait_for_url("**tz=Europe%2FParis")
    assert "Weekly hours (Europe/Paris)" in page.inner_text("main")
    page.goto(f"{live_server.url}/en/support/?tz=../../etc/passwd")
    text = page.inner_text("main")
    assert "so times are shown in Asia/Tokyo, the zone your browser told us" in text
    assert "Weekly hours (Asia/Tokyo)" in text and "your time zone: UTC" not in text


PLACEHOLDER_FITS = """() => {
  const input = document.querySelector('#search-q');
  const style = getComputedStyle(input, '::placeholder');
  const box = getComputedStyle(input);
  const context = document.createElement('canvas').getContext('2d');
  context.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
  const room = input.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
  return [context.measureText(input.placeholder).width, room];
}"""


@pytest.mark.parametrize("language", ["en", "fr", "de", "es"])
def test_the_search_placeholder_is_whole_on_a_phone(live_server, browser, language):
    page = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True).new_page()
    page.goto(f"{live_server.url}/{language}/")
    width, room = page.evaluate(PLACEHOLDER_FITS)
    assert width <= room, f"the placeholder needs {width:.0f} px, the box has {room:.0f}"
