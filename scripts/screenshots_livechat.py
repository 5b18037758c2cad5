"""Screenshots of the live chat (issue 26): the customer's widget and the agent's chat page, desktop
and a 390 px phone, from a running demo site (`make run`, or runserver on another port) while EMEA is
on shift (weekdays 08:00-17:00 Dublin time: the demo's French-speaking team). At other hours, start
the site at such a time with Debian's faketime: `faketime -f '@2026-12-08 10:00:00' make run`.

Usage: .venv/bin/python scripts/screenshots_livechat.py [BASE_URL] [OUT_DIR]
The agent (agent-emea / nimbus-agent) signs in and sets themself online, as an agent would."""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def chat(browser, base, out, viewport, suffix):
    agent = browser.new_context(viewport=viewport, timezone_id="Europe/Dublin", locale="en-IE").new_page()
    agent.goto(f"{base}/admin/login/?next=/en/agents/chats/")
    agent.fill("#id_username", "agent-emea")
    agent.fill("#id_password", "nimbus-agent")
    agent.click("input[type=submit]")
    agent.select_option("select[name=presence]", "online")
    agent.click(".presence-form button[type=submit]")
    customer = browser.new_context(viewport=viewport, timezone_id="Europe/Paris", locale="fr-FR").new_page()
    customer.goto(f"{base}/fr/")
    customer.click(".chat-launcher")
    customer.wait_for_selector(".chat-bot")
    customer.fill("#chat-input", "Ma facture de novembre est prélevée deux fois")
    customer.keyboard.press("Enter")
    customer.wait_for_selector(".chat-bot >> nth=1")
    customer.click(".chat-person")
    customer.wait_for_selector(".chat-escalate")
    customer.fill(".chat-escalate input[type=email]", "marie@example.com")
    customer.fill(".chat-escalate input[type=text]", "Marie")
    customer.click(".chat-escalate button[type=submit]")
    expect(customer.locator(".chat-notice").last).to_contain_text("file")
    expect(agent.locator("#staff-live")).not_to_be_empty()  # arrived without a reload, announced
    if suffix == "":
        agent.screenshot(path=str(out / "livechat-agent-waiting.png"))
    agent.locator("#waiting-chats button[type=submit]").first.click()
    expect(customer.locator(".chat-notice").last).to_contain_text("rejoint")
    agent.fill("#live-text", "Bonjour Marie, je regarde votre facture de novembre tout de suite.")
    agent.keyboard.press("Enter")
    expect(customer.locator(".chat-agent").last).to_be_visible()
    customer.fill("#chat-input", "Merci ! Le deuxième prélèvement date du 3 décembre.")
    customer.keyboard.press("Enter")
    expect(agent.locator("#live-transcript .from-customer").last).to_contain_text("3 décembre")
    agent.locator("#live-text").press_sequentially("Je vois le doublon", delay=30)
    expect(customer.locator(".chat-typing")).not_to_be_empty()
    customer.screenshot(path=str(out / f"livechat-customer-fr{suffix}.png"))
    agent.screenshot(path=str(out / f"livechat-agent{suffix}.png"), full_page=suffix == "")
    print(out / f"livechat-customer-fr{suffix}.png", out / f"livechat-agent{suffix}.png")
    agent.fill("#live-text", "")
    agent.click("text=Close the chat")
    agent.context.close()
    customer.context.close()


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("screenshots: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 1
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        chat(browser, base, out, DESKTOP, "")
        chat(browser, base, out, PHONE, "-phone")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
