"""Article text to safe HTML and to plain text.

Markdown is rendered by python-markdown and then sanitised by nh3 (Ammonia): whatever an editor or
an import file puts in a body, no script, event handler or `javascript:` URL reaches a browser.
"""

import hashlib
import html
import re

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "code": {"class"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# reStructuredText inline markup found in imported documentation (the Django FAQ, for one):
# :role:`text <target>` / :role:`text`, and `text <url>`_ links. Rendered, not stored, so that
# an import/export round trip keeps the original text.
_RST_ROLE = re.compile(r":[a-z][\w.+-]*:`(?P<text>[^`<]+?)(?:\s*<(?P<target>[^`>]+)>)?`")
_RST_LINK = re.compile(r"`(?P<text>[^`<]+?)\s*<(?P<url>https?://[^`>\s]+)>`__?")


def _rst_inline_to_markdown(text: str) -> str:
    text = _RST_LINK.sub(lambda m: f"[{m['text'].strip()}]({m['url']})", text)
    return _RST_ROLE.sub(lambda m: f"`{m['text'].strip().lstrip('~!')}`", text)


def cached_markdown_to_html(text: str) -> SafeString:
    """markdown_to_html through the shared cache: the key is a hash of the text itself, so an edit
    is a new key and nothing ever needs invalidating."""
    from django.core.cache import cache

    # The version in the key changes with the rendering itself (v2: scrollable tables and code).
    key = "kb:md2:" + hashlib.sha256((text or "").encode()).hexdigest()
    html_text = cache.get(key)
    if html_text is None:
        html_text = str(markdown_to_html(text))
        cache.set(key, html_text, timeout=60 * 60 * 24 * 7)
    return mark_safe(html_text)  # noqa: S308 - sanitised by markdown_to_html before it was cached


def markdown_to_html(text: str) -> SafeString:
    """Render article Markdown to sanitised HTML that is safe to put in a page as is."""
    rendered = markdown.markdown(
        _rst_inline_to_markdown(text or ""),
        extensions=["extra", "sane_lists"],
        output_format="html",
    )
    # Markdown's raw-HTML passthrough is what nh3 is here for.
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(_scrollable(cleaned))  # noqa: S308 - sanitised by nh3 just above


_TABLE = re.compile(r"<table>(.*?)</table>", re.DOTALL)
_PRE = re.compile(r"<pre>")


def _scrollable(cleaned: str) -> str:
    """Wide tables and long code lines scroll inside their own box instead of widening the page on
    a phone; keyboard users can focus the box to scroll it (tabindex), as WCAG 2.1.1 asks. Added
    after sanitising, on nh3's normalised output, so no attribute from the text itself gets through."""
    cleaned = _TABLE.sub(r'<div class="table-scroll" tabindex="0"><table>\1</table></div>', cleaned)
    return _PRE.sub('<pre tabindex="0">', cleaned)


_BLOCK_END = re.compile(r"</(p|li|h[1-6]|pre|blockquote|tr|dt|dd|table|ul|ol)>", re.IGNORECASE)
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def markdown_to_text(text: str) -> str:
    """Plain text of an article body for indexing and snippets: blocks become paragraphs."""
    rendered = markdown.markdown(_rst_inline_to_markdown(text or ""), extensions=["extra", "sane_lists"])
    rendered = _BLOCK_END.sub(lambda m: m.group(0) + "\n\n", _BREAK.sub("\n", rendered))
    plain = nh3.clean(rendered, tags=set())
    plain = html.unescape(plain)  # nh3 returns text still entity-escaped
    paragraphs = (re.sub(r"[ \t]+", " ", p).strip() for p in re.split(r"\n\s*\n", plain))
    return "\n\n".join(p for p in paragraphs if p)


def highlight_html(text: str, spans: tuple[tuple[int, int], ...]) -> SafeString:
    """Escape `text` and wrap the given character spans in <mark>."""
    parts: list[str] = []
    position = 0
    for start, end in sorted(spans):
        if start < position or end <= start:
            continue
        parts.append(escape(text[position:start]))
        parts.append(f"<mark>{escape(text[start:end])}</mark>")
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))  # noqa: S308 - every piece is escaped above
