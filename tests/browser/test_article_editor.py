"""The article editor in a real browser: an image pasted into the Markdown editor is uploaded (the
editor asks for its alt text), its reference lands at the cursor, the live preview rendered by the
site's renderer shows it, and the published article shows it to customers."""

import base64
import time

import pytest
from django.contrib.auth import get_user_model

from kb.models import Article, ArticleImage, ArticleStatus
from tests.browser.conftest import CHROMIUM
from tests.factories import make_article
from tests.kb.media_files import png_with_gps

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed"),
]

PASTE = """([data]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const file = new File([bytes], "screenshot.png", { type: "image/png" });
  const transfer = new DataTransfer();
  transfer.items.add(file);
  const input = document.querySelector("#id_body_en").parentNode.querySelector(".CodeMirror textarea");
  input.focus();
  const event = { clipboardData: transfer, bubbles: true, cancelable: true };
  input.dispatchEvent(new ClipboardEvent("paste", event));
}"""


def _until(page, expression: str, timeout: float = 20.0):
    """Poll `expression` in the page (the site's CSP forbids the eval that wait_for_function uses)."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        page.wait_for_timeout(100)


def test_pasted_image_is_uploaded_previewed_and_published(live_server, browser, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    get_user_model().objects.create_superuser("chief", "chief@example.com", "pw-for-tests-123")
    article = make_article(
        slug="invite",
        status=ArticleStatus.DRAFT,
        translations={"en": {"title": "Invite a teammate", "body": "Open the Team page."}},
    )
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.message)
        dialog.accept("The Team page with its Invite button")

    page.on("dialog", answer)
    page.goto(f"{live_server.url}/admin/login/?next=/admin/kb/article/{article.pk}/change/")
    page.fill("#id_username", "chief")
    page.fill("#id_password", "pw-for-tests-123")
    page.click("input[type=submit]")
    page.wait_for_selector("#id_body_en + .EasyMDEContainer .CodeMirror, .EasyMDEContainer .CodeMirror")
    # The cursor at the end of the text, then the paste.
    page.evaluate("document.querySelector('#id_body_en').markdownEditor.codemirror.execCommand('goDocEnd')")
    page.evaluate(PASTE, [base64.b64encode(png_with_gps(size=(1400, 800))).decode()])
    _until(page, "document.querySelector('#id_body_en').markdownEditor.value().includes('(image:')")
    assert dialogs and "alt text" in dialogs[0]
    image = ArticleImage.objects.get()
    value = page.evaluate("document.querySelector('#id_body_en').markdownEditor.value()")
    assert value == f"Open the Team page.\n\n![The Team page with its Invite button](image:{image.key})"

    container = "#id_body_en ~ .EasyMDEContainer, .EasyMDEContainer:has(#id_body_en)"
    page.locator(container).locator("button.preview").first.click()
    preview_img = page.locator(container).locator(".editor-preview picture img").first
    preview_img.wait_for(timeout=20000)
    assert preview_img.get_attribute("alt") == "The Team page with its Invite button"
    _until(
        page,
        "(() => { const i = document.querySelector('.editor-preview picture img'); "
        "return !!i && i.complete && i.naturalWidth > 0; })()",
    )

    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    page.wait_for_load_state()
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    assert f"(image:{image.key})" in article.body_en

    page.goto(f"{live_server.url}/en/articles/invite/")
    shown = page.locator(".article-body picture img")
    assert shown.get_attribute("alt") == "The Team page with its Invite button"
    assert shown.get_attribute("width") == "1400"
    _until(page, "document.querySelector('.article-body picture img').naturalWidth > 0")
    assert errors == []
    assert Article.objects.published().count() == 1
