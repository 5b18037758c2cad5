import pytest

from kb.rendering import highlight_html, markdown_to_html, markdown_to_text
from tests.factories import make_article

HOSTILE = """# Title
<script>alert('body')</script>
<img src=x onerror="alert('img')">
[click](javascript:alert('link'))
<a href="https://example.com" onclick="alert('a')">ok</a>
<iframe src="https://evil.example"></iframe>
<style>body{display:none}</style>
"""


def test_markdown_hostile_body_is_sanitised():
    html = markdown_to_html(HOSTILE)
    for forbidden in ("<script", "onerror", "javascript:", "onclick", "<iframe", "<style"):
        assert forbidden not in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">ok</a>' in html


def test_markdown_renders_lists_code_and_tables():
    html = markdown_to_html(
        "## Steps\n\n1. Open\n2. Click\n\n```\nnimbus login\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    assert "<h2>Steps</h2>" in html
    assert "<ol>" in html and "<li>Open</li>" in html
    # Code and tables scroll in their own box on a phone, which the keyboard can reach.
    assert '<pre tabindex="0"><code>nimbus login\n</code></pre>' in html
    assert '<div class="table-scroll" tabindex="0"><table>' in html
    assert "<td>1</td>" in html


def test_markdown_renders_restructuredtext_inline_markup_from_imports():
    html = markdown_to_html(
        "Set :setting:`SESSION_COOKIE_DOMAIN` and read `the docs <https://docs.example.com/>`_."
    )
    assert "<code>SESSION_COOKIE_DOMAIN</code>" in html
    assert '<a href="https://docs.example.com/" rel="noopener noreferrer nofollow">the docs</a>' in html
    assert ":setting:" not in html


def test_markdown_to_text_keeps_paragraphs_and_drops_markup():
    assert markdown_to_text("## Step one\n\nOpen **Settings** & <b>save</b>.\n\n- a\n- b") == (
        "Step one\n\nOpen Settings & save.\n\na\n\nb"
    )


def test_highlight_html_escapes_text_and_marks_spans():
    text = "Use <b> & reset"
    assert highlight_html(text, ((10, 15),)) == "Use &lt;b&gt; &amp; <mark>reset</mark>"


@pytest.mark.django_db
def test_hostile_article_body_never_reaches_the_browser(client):
    make_article(
        slug="hostile", translations={"en": {"title": "<script>alert('title')</script>", "body": HOSTILE}}
    )
    content = client.get("/en/articles/hostile/").content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in content
    assert "onerror" not in content and "javascript:" not in content


def test_cached_markdown_is_sanitised_and_keyed_by_the_text():
    from django.core.cache import cache

    from kb.rendering import cached_markdown_to_html

    cache.clear()
    first = cached_markdown_to_html("**bold** <script>x</script>")
    assert first == "<p><strong>bold</strong> </p>"
    assert cached_markdown_to_html("**other**") == "<p><strong>other</strong></p>"
    assert cached_markdown_to_html("**bold** <script>x</script>") == first


def test_media_references_keep_keys_ending_with_a_dash_or_underscore():
    from kb.rendering import media_references

    text = "![a](image:abcdef-) and [b](attachment:ghijkl_) and image:mnopqr-x-"
    assert media_references(text) == ["image:abcdef-", "attachment:ghijkl_", "image:mnopqr-x-"]
