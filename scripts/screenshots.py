"""Take screenshots of a running site with headless Chromium (Debian's `chromium` package).

Usage: .venv/bin/python scripts/screenshots.py [BASE_URL] [OUT_DIR]
Needs `pip install playwright` and `apt-get install chromium fonts-wqy-microhei`; nothing is downloaded.
"""

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

PAGES = {
    "home-fr.png": "/fr/",
    "article-zh-hans.png": "/zh-hans/articles/reset-password/",
    "search-fr-typo.png": "/fr/search/?q=mot+de+pase+oublie",
    "article-de-fallback.png": "/de/articles/connect-ssh/",
    "search-es-cross-language.png": "/es/search/?q=factura",
}
# Phones (390 × 844, the first screen): (file, path, what to do before the shot).
PHONE_PAGES = [
    ("phone-home-fr.png", "/fr/", None),
    ("phone-article-table-fr.png", "/fr/articles/dns-records/", "table"),
    ("phone-home-zh-hans.png", "/zh-hans/", None),
    ("phone-article-code-zh-hans.png", "/zh-hans/articles/connect-ssh/", "pre"),
    ("phone-category-ja.png", "/ja/categories/getting-started/", None),
    ("phone-chat-ja.png", "/ja/chat/", "ask:パスワードを忘れました"),
    ("phone-chat-open-fr.png", "/fr/", "open:j'ai oublié mon mot de passe"),
]
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


def _prepare(page, action: str | None) -> None:
    """Bring what the shot is about on screen: a table or code block, or the chat with an answer."""
    if action in ("table", "pre"):
        page.locator(f".article-body {action}").first.scroll_into_view_if_needed()
        page.evaluate("window.scrollBy(0, 120)")
    elif action and action.startswith(("ask:", "open:")):
        kind, question = action.split(":", 1)
        if kind == "open":
            page.click(".chat-launcher")
        page.wait_for_selector(".chat-bot")
        page.fill("#chat-input", question)
        page.keyboard.press("Enter")
        page.locator(".chat-msg").nth(2).wait_for()
        page.wait_for_timeout(300)


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
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        for name, path in PAGES.items():
            page.goto(base + path)
            page.screenshot(path=str(out / name), full_page=True)
            print(out / name)
        phone = browser.new_page(
            viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
        )
        for name, path, action in PHONE_PAGES:
            phone.goto(base + path)
            _prepare(phone, action)
            phone.screenshot(path=str(out / name))
            print(out / name)
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
