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
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip


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
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
