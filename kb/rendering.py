"""Article text to safe HTML and to plain text.

Markdown is rendered by python-markdown and then sanitised by nh3 (Ammonia): whatever an editor or
an import file puts in a body, no script, event handler or `javascript:` URL reaches a browser.
"""

import hashlib
import html
import re
import secrets
from dataclasses import dataclass

import markdown
import nh3
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from markdown.treeprocessors import Treeprocessor

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


# --- Uploaded images and files in the Markdown: ![alt](image:KEY "caption"), [label](attachment:KEY)

# Keys are URL-safe base64 (kb.models.media_key): they may end with "-" or "_", so no \b here.
MEDIA_REFERENCE = re.compile(r"(?<![\w-])(image|attachment):([A-Za-z0-9_-]{6,32})(?![\w-])")
# The article column's width at each breakpoint (static/css/site.css .article-layout), so that a
# browser picks the smallest file that fills it.
IMAGE_SIZES = "(min-width: 1040px) 650px, (min-width: 800px) calc(100vw - 390px), calc(100vw - 4.5rem)"


def media_references(text: str) -> list[str]:
    """The `image:KEY` and `attachment:KEY` references of a text, in order, each once."""
    return list(dict.fromkeys(f"{kind}:{key}" for kind, key in MEDIA_REFERENCE.findall(text or "")))


@dataclass(frozen=True)
class ImageSource:
    """An image as a page shows it: the alt text in the reader's language, its files, and a note
    when the pixels are another language's (no localised screenshot yet)."""

    alt: str
    caption: str
    width: int
    height: int
    src: str
    srcset: str
    sources: tuple[tuple[str, str], ...]  # (content type, srcset) of the modern formats, best first
    note: str = ""
    own_alt: bool = False  # the alt text is the reader language's own, not a fallback


@dataclass(frozen=True)
class FileLink:
    url: str
    name: str
    size: int
    content_type: str


def _figure(image: ImageSource, alt: str, caption: str, *, lazy: bool, block: bool) -> str:
    e = escape
    sources = "".join(
        f'<source type="{e(kind)}" srcset="{e(srcset)}" sizes="{IMAGE_SIZES}">'
        for kind, srcset in image.sources
    )
    loading = ' loading="lazy"' if lazy else ' fetchpriority="high"'
    img = (
        f'<img src="{e(image.src)}" srcset="{e(image.srcset)}" sizes="{IMAGE_SIZES}" width="{image.width}" '
        f'height="{image.height}" alt="{e(alt)}"{loading} decoding="async">'
    )
    picture = f"<picture>{sources}{img}</picture>"
    note = f'<span class="image-note">{e(image.note)}</span>' if image.note else ""
    if not block:
        return picture + (f" {note}" if note else "")
    parts = [e(caption)] if caption else []
    if note:
        parts.append(note)
    figcaption = f"<figcaption>{' '.join(parts)}</figcaption>" if parts else ""
    return f'<figure class="article-image">{picture}{figcaption}</figure>'


class _MediaReferences(Treeprocessor):
    """Marks image references with a per-render token (substituted after sanitising, see
    _with_media) and points attachment links at their download URL."""

    def __init__(self, md, media: dict, token: str, found: list) -> None:
        super().__init__(md)
        self.media, self.token, self.found = media, token, found

    def run(self, root):
        for element in root.iter():
            if element.tag == "img" and element.get("src", "").startswith("image:"):
                self.found.append((element.get("src"), element.get("alt", ""), element.get("title", "")))
                element.set("src", f"#{self.token}-{len(self.found) - 1}")
                element.attrib.pop("title", None)
            elif element.tag == "a" and element.get("href", "").startswith("attachment:"):
                link = self.media.get(element.get("href"))
                if isinstance(link, FileLink):
                    element.set("href", link.url)
                else:
                    element.attrib.pop("href")
        return root


def cached_markdown_to_html(text: str, media: dict | None = None) -> SafeString:
    """markdown_to_html through the shared cache: the key is a hash of the text itself (and of the
    images and files it shows), so an edit is a new key and nothing ever needs invalidating."""
    from django.core.cache import cache

    # The version in the key changes with the rendering itself (v3: uploaded images and files).
    digest = hashlib.sha256((text or "").encode())
    if media:
        digest.update(repr(sorted(media.items())).encode())
    key = "kb:md3:" + digest.hexdigest()
    html_text = cache.get(key)
    if html_text is None:
        html_text = str(markdown_to_html(text, media))
        cache.set(key, html_text, timeout=60 * 60 * 24 * 7)
    return mark_safe(html_text)  # noqa: S308 - sanitised by markdown_to_html before it was cached


def markdown_to_html(text: str, media: dict | None = None) -> SafeString:
    """Render article Markdown to sanitised HTML that is safe to put in a page as is. `media` maps
    the text's `image:KEY` / `attachment:KEY` references to an ImageSource / FileLink."""
    media = media or {}
    md = markdown.Markdown(extensions=["extra", "sane_lists"], output_format="html")
    token, found = "kbimg" + secrets.token_hex(6), []
    md.treeprocessors.register(_MediaReferences(md, media, token, found), "kb_media", 0)
    rendered = md.convert(_rst_inline_to_markdown(text or ""))
    # Markdown's raw-HTML passthrough is what nh3 is here for.
    cleaned = nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
    return mark_safe(_with_media(_scrollable(cleaned), media, token, found))  # noqa: S308 - nh3 above


def _with_media(cleaned: str, media: dict, token: str, found: list) -> str:
    """The image markers become <picture> (alone in a paragraph: a <figure> with its caption), built
    here from escaped values; an unknown image shows its alt text. Only the first image loads at
    once: the others wait until they come near the screen."""
    if not found:
        return cleaned
    marker = re.compile(rf'(<p>)?<img[^>]*?src="#{token}-(\d+)"[^>]*>(</p>)?')
    shown = 0

    def replace(match: re.Match) -> str:
        nonlocal shown
        reference, alt, caption = found[int(match.group(2))]
        image = media.get(reference)
        block = bool(match.group(1) and match.group(3))
        if not isinstance(image, ImageSource):
            missing = f'<span class="image-missing">[{escape(alt or reference)}]</span>'
            return f"<p>{missing}</p>" if block else (match.group(1) or "") + missing + (match.group(3) or "")
        text = image.alt if image.own_alt or not alt.strip() else alt
        html_text = _figure(image, text, caption or image.caption, lazy=shown > 0, block=block)
        shown += 1
        return html_text if block else (match.group(1) or "") + html_text + (match.group(3) or "")

    return marker.sub(replace, cleaned)


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
