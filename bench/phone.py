"""What a phone gets: for each public page in each language, the page's width at 390 px (anything
over 390 scrolls sideways), the WCAG 2.2 A/AA violations axe-core finds (the chat opened on the
chat page), and the bytes transferred for the HTML, with and without compression.

Run against a running site with the demo content, e.g.
    .venv/bin/python manage.py runserver 127.0.0.1:8011 &
    .venv/bin/python bench/phone.py http://127.0.0.1:8011
Needs Debian's Chromium (as the browser tests do)."""

import gzip
import shutil
import sys
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

AXE = Path(__file__).resolve().parent.parent / "tests" / "browser" / "vendor" / "axe.min.js"
LANGUAGES = ("en", "fr", "zh-hans", "ja")
PAGES = (
    ("home", "/{lang}/"),
    ("category", "/{lang}/categories/getting-started/"),
    ("table", "/{lang}/articles/dns-records/"),
    ("code", "/{lang}/articles/connect-ssh/"),
    ("search", "/{lang}/search/?q=password"),
    ("contact", "/{lang}/contact/"),
    ("chat", "/{lang}/chat/"),
    ("support", "/{lang}/support/"),
)
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def transfer(url: str) -> tuple[int, int]:
    """(bytes as sent with Accept-Encoding: gzip, bytes uncompressed) of one HTML response."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request) as response:
        sent = response.read()
        body = gzip.decompress(sent) if response.headers.get("Content-Encoding") == "gzip" else sent
    return len(sent), len(body)


def main(base: str) -> int:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    axe = AXE.read_text(encoding="utf-8")
    print(f"{'page':10} {'lang':8} {'width':>6} {'axe':>4} {'sent':>7} {'html':>7}  violations")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--headless", "--no-sandbox"])
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        )
        page = context.new_page()
        page.set_default_timeout(180_000)  # the first search in a language builds its engine
        for name, path in PAGES:
            for lang in LANGUAGES:
                url = base + path.format(lang=lang)
                response = page.goto(url)
                if response is None or response.status >= 400:
                    print(
                        f"{name:10} {lang:8} {'-':>6} {'-':>4} {'-':>7} {'-':>7}  "
                        f"HTTP {response.status if response else '?'}"
                    )
                    continue
                if name == "chat":
                    launcher = page.locator(".chat-launcher").first
                    if launcher.count() and launcher.is_visible():
                        launcher.click()
                        page.wait_for_timeout(300)
                width = page.evaluate("document.documentElement.scrollWidth")
                page.evaluate(axe)  # through DevTools: the page's CSP does not apply
                result = page.evaluate(f"axe.run(document, {{runOnly: {{type: 'tag', values: {TAGS!r}}}}})")
                ids = sorted({v["id"] for v in result["violations"]})
                sent, html = transfer(url)
                print(
                    f"{name:10} {lang:8} {width:6d} {len(result['violations']):4d} {sent:7d} {html:7d}  "
                    f"{' '.join(ids)}"
                )
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"))
