"""Screenshots of what issue 24 changed for a newcomer, from a running demo site (`make run`).

Usage: .venv/bin/python scripts/screenshots_newcomer.py [BASE_URL] [OUT_DIR]
Headless Debian Chromium; the demo's own logins (kb/demo, support/demo)."""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


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

        def page(viewport, zone="Europe/Paris", locale="fr-FR", mobile=False):
            context = browser.new_context(
                viewport=viewport, timezone_id=zone, locale=locale, is_mobile=mobile
            )
            return context.new_page()

        def shot(tab, name, **options):
            tab.screenshot(path=str(out / name), **options)
            print(out / name)

        def sign_in(tab, next_path, username, password):
            tab.goto(base + next_path)  # redirected to the sign-in page that path uses
            tab.fill("#id_username", username)
            tab.fill("#id_password", password)
            tab.click("input[type=submit], button[type=submit]")
            tab.wait_for_load_state("networkidle")

        # A translator who may translate into French only, on the German translation page.
        tab = page(DESKTOP)
        sign_in(tab, "/admin/", "translator-fr", "nimbus-translator")
        tab.goto(f"{base}/admin/kb/article/")
        tab.locator("#result_list tbody tr th a").first.click()
        article_id = tab.url.rstrip("/").split("/")[-2]
        tab.goto(f"{base}/admin/kb/article/{article_id}/translate/de/")
        shot(tab, "staff-403-translator-fr.png", full_page=True)

        # A bad ?tz= on the support page: the notice, the times and the zone picker agree.
        tab = page(DESKTOP)
        tab.goto(f"{base}/fr/support/?tz=../../etc/passwd")
        tab.wait_for_load_state("networkidle")
        shot(tab, "support-bad-zone-fr.png", full_page=True)

        # The support page on a phone: AMER's evening shift in one piece.
        tab = page(PHONE, mobile=True)
        tab.goto(f"{base}/fr/support/")
        tab.wait_for_function("document.body.innerText.includes('Europe/Paris')")
        shot(tab, "support-hours-fr-phone.png", full_page=True)

        # Pasted text over the limit: the widget counts and refuses before sending.
        tab = page(PHONE, mobile=True)
        tab.goto(f"{base}/fr/")
        tab.click(".chat-launcher")
        tab.locator("#chat-input").wait_for(state="visible")
        tab.fill("#chat-input", "Bonjour, voici le journal de mon erreur : " + "erreur 500 " * 300)
        tab.locator("#chat-count").wait_for(state="visible")
        tab.keyboard.press("Enter")
        shot(tab, "phone-chat-too-long-fr.png")

        # The agents' overview on a phone: one card per region, every figure on screen.
        tab = page(PHONE, zone="Europe/Dublin", locale="en-IE", mobile=True)
        sign_in(tab, "/fr/agents/", "agent-emea", "nimbus-agent")
        tab.goto(f"{base}/fr/agents/")
        shot(tab, "agents-overview-fr-phone.png", full_page=True)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
