import shutil

import pytest

from tests.browser.asgi_server import asgi_server  # noqa: F401 - a live ASGI server (live chat)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(monkeypatch):
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    # Sync Playwright runs an event loop in this thread; the ORM calls of the test are still sync.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def engines_ready(*languages: str) -> None:
    """Build what answering needs for the content the test has just made, before the browser asks
    anything: the answer engines (search and chat) and the detector of requests for a person. Each
    takes seconds to minutes on a busy machine the first time and must never run inside a page's
    timeout. Every site language when none is named. The live server's thread serves these (same
    process); an engine built from the same content earlier in the session is reused
    (tests/conftest.py)."""
    from django.conf import settings

    from chatbot.conf import person_detector
    from kb.indexes import answer_engine

    person_detector()
    for language in languages or [code for code, _name in settings.LANGUAGES]:
        answer_engine(language)
