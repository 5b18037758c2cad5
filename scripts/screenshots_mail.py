"""Screenshots of the agents' e-mail pages (issue 23), from a running demo site and its database.

Usage (a demo site: `manage.py load_demo`; this script puts two e-mails in through the intake):
    DATABASE_URL=sqlite:////tmp/demo.sqlite3 .venv/bin/python scripts/screenshots_mail.py \\
        [BASE_URL] [OUT_DIR]
Headless Debian Chromium."""

import os
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")

import django  # noqa: E402

django.setup()

from playwright.sync_api import sync_playwright  # noqa: E402

from mail.models import Door  # noqa: E402
from mail.services import email_receive  # noqa: E402
from support.models import OutgoingEmail  # noqa: E402
from tests.mail.corpus import PNG, multipart, part, raw_mail  # noqa: E402

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _emails():
    html = (
        "<p>Bonjour,</p><p>ma facture de novembre a été débitée <b>deux fois</b>. Voici la capture :</p>"
        '<p><img src="cid:capture@client" alt="capture"></p><p>Marie</p>'
        "<blockquote>Le lun. 7 déc. 2026, Support a écrit :<br>Bonjour, pouvez-vous préciser ?</blockquote>"
    ).encode()
    related = multipart(
        [
            part("text/html; charset=utf-8", html),
            part("image/png", PNG, disposition="inline", content_id="<capture@client>"),
        ],
        subtype="related",
    )
    head, _sep, body = related.partition(b"\r\n\r\n")
    content_type = next(line for line in head.split(b"\r\n") if line.startswith(b"Content-Type"))
    raw = multipart(
        [
            content_type + b"\r\n\r\n" + body,
            part(
                "application/pdf",
                b"%PDF-1.4 facture",
                disposition='attachment; filename="facture-novembre.pdf"',
            ),
            part("application/x-msdownload", b"MZ", disposition='attachment; filename="outil.exe"'),
        ],
        sender="Marie Curie <marie.curie@example.fr>",
        to="facturation@nimbus.example",
        subject="Facture débitée deux fois",
    )
    first = email_receive(raw=raw, door=Door.PIPE)
    ours = OutgoingEmail.objects.filter(ticket=first.ticket).first()
    held = email_receive(
        raw=raw_mail(
            sender="Paul <paul@example.org>",
            in_reply_to=ours.message_id,
            subject="Re: " + ours.subject,
            body="J'ai le même problème, pouvez-vous m'aider aussi ?",
        ),
        door=Door.PIPE,
    )
    return first, held


def main() -> int:
    base = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
    out = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/screenshots")
    out.mkdir(parents=True, exist_ok=True)
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("screenshots: chromium not found (apt-get install chromium)", file=sys.stderr)
        return 1
    first, held = _emails()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        for viewport, suffix in ((DESKTOP, ""), (PHONE, "-phone")):
            tab = browser.new_context(viewport=viewport, locale="fr-FR").new_page()
            tab.goto(f"{base}/fr/agents/emails/{first.pk}/")
            tab.fill("#id_username", "agent-emea")
            tab.fill("#id_password", "nimbus-agent")
            tab.click("input[type=submit]")
            tab.wait_for_url(f"**/agents/emails/{first.pk}/")
            for summary in tab.locator("main details > summary").all():
                summary.click()
            tab.screenshot(path=str(out / f"agents-email-fr{suffix}.png"), full_page=True)
            print(out / f"agents-email-fr{suffix}.png")
            tab.goto(f"{base}/fr/agents/emails/{held.pk}/")
            tab.screenshot(path=str(out / f"agents-email-held-fr{suffix}.png"), full_page=True)
            print(out / f"agents-email-held-fr{suffix}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
