"""Screenshots of the support pages of issue 13, from a running demo site and its database.

Usage (a demo site: `manage.py load_demo`, then `scripts/support_traffic.py` for the report's data):
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/screenshots_support.py \
        [BASE_URL] [OUT_DIR]
The database is read only to sign a survey link for a solved ticket. Headless Debian Chromium."""

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")

import django  # noqa: E402

django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from support.models import Satisfaction  # noqa: E402
from support.notifications import survey_token  # noqa: E402

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
    survey = Satisfaction.objects.select_related("ticket").filter(ticket__language="fr").first()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)

        def page(viewport, zone, locale):
            return browser.new_context(viewport=viewport, timezone_id=zone, locale=locale).new_page()

        def shot(tab, name, **options):
            tab.screenshot(path=str(out / name), **options)
            print(out / name)

        for language, zone, locale, viewport, name in [
            ("fr", "Europe/Paris", "fr-FR", DESKTOP, "support-hours-fr.png"),
            ("zh-hans", "Asia/Shanghai", "zh-CN", DESKTOP, "support-hours-zh-hans.png"),
            ("ja", "Asia/Tokyo", "ja-JP", PHONE, "support-hours-ja-phone.png"),
        ]:
            tab = page(viewport, zone, locale)
            tab.goto(f"{base}/{language}/support/")
            tab.wait_for_function(f"document.body.innerText.includes('{zone}')")
            tab.wait_for_load_state("networkidle")
            shot(tab, name, full_page=True)

        tab = page(DESKTOP, "Europe/Paris", "fr-FR")
        tab.goto(f"{base}/fr/contact/")
        tab.fill("#id_email", "marie@example.com")
        tab.locator("#id_subject").press_sequentially("Mot de passe oublié", delay=20)
        tab.locator("#id_message").press_sequentially("je n'arrive plus à me connecter", delay=10)
        tab.locator("#contact-suggestions .suggestion-title").first.wait_for(state="visible")
        tab.locator("#contact-suggestions .suggestion-answered").first.focus()
        shot(tab, "contact-suggestions-fr.png", full_page=True)

        if survey is not None:
            tab = page(PHONE, "Europe/Paris", "fr-FR")
            tab.goto(f"{base}/fr/how-did-we-do/{survey_token(survey.ticket)}/?rating=good")
            shot(tab, "survey-fr-phone.png", full_page=True)

        tab = page(DESKTOP, "Europe/Dublin", "en-IE")
        tab.goto(f"{base}/en/agents/report/")
        tab.fill("#id_username", "agent-emea")
        tab.fill("#id_password", "nimbus-agent")
        tab.click("input[type=submit]")
        tab.wait_for_url("**/agents/report/")
        top = tab.evaluate(
            "(() => { const h = [...document.querySelectorAll('h2')].find(e => e.id === 'arrivals');"
            " const last = [...document.querySelectorAll('.report-heatmap')].pop();"
            " const r = last.getBoundingClientRect();"
            " return [h.getBoundingClientRect().top + scrollY, r.bottom + scrollY]; })()"
        )
        clip = {"x": 0, "y": top[0] - 12, "width": DESKTOP["width"], "height": top[1] - top[0] + 24}
        shot(tab, "report-heatmap.png", full_page=True, clip=clip)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
