"""Where the new part of a reply ends: the quoted earlier mail and the signature are folded away
(the agent sees the new part, the full text is one click away). Pure Python.

Recognised, in the site's languages: "On … wrote:" lines and their translations (Le … a écrit,
Am … schrieb, El … escribió, 在 … 写道, … のメッセージ / wrote), Outlook's "-----Original Message-----"
and its header block (From:/Sent:/To:/Subject:, also in French, German, Spanish, Chinese and
Japanese), the underscore rule Outlook puts above it, a block of "> " lines, and "-- " signatures."""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.MULTILINE
ATTRIBUTION = re.compile(
    r"^[ \t>]*("
    r"on\b.{4,240}?\bwrote\s*:"
    r"|le\b.{4,240}?a\s+[ée]crit\s*:"
    r"|am\b.{4,240}?schrieb.{0,80}:"
    r"|el\b.{4,240}?escribi[óo]\s*:"
    r"|.{0,200}写道\s*[:：]"
    r"|.{0,200}(のメッセージ|さんは書きました|wrote)\s*[:：]?"
    r"|\d{4}年\d{1,2}月\d{1,2}日.{0,120}[:：]"
    r")[ \t]*$",
    _FLAGS | re.DOTALL,
)
ORIGINAL = re.compile(
    r"^[ \t]*-{2,}\s*(original message|message d'origine|ursprüngliche nachricht|mensaje original|"
    r"原始邮件|原始郵件|元のメッセージ|forwarded message|message transféré)\s*-{2,}[ \t]*$",
    _FLAGS,
)
OUTLOOK_RULE = re.compile(r"^[ \t]*_{20,}[ \t]*$", _FLAGS)
HEADER_FROM = re.compile(r"^[ \t]*\*?(from|de|von|发件人|寄件者|差出人|送信者)\*?\s*[:：]", _FLAGS)
HEADER_SENT = re.compile(
    r"^[ \t]*\*?(sent|date|envoyé|gesendet|datum|enviado|fecha|发送时间|日期|送信日時|日時)\*?\s*[:：]",
    _FLAGS,
)
SIGNATURE = re.compile(r"^-- ?$", re.MULTILINE)


def _outlook_header(text: str) -> int | None:
    """Start of an Outlook-style header block: a From: line with a Sent:/Date: line within 3 lines."""
    for match in HEADER_FROM.finditer(text):
        following = text[match.end() :].split("\n", 4)[:4]
        if any(HEADER_SENT.match(line) for line in following[1:]):
            return match.start()
    return None


def _quote_block(text: str) -> int | None:
    """Start of the first run of "> " lines after which nothing but quotes and blank lines follow."""
    lines = text.split("\n")
    offset = 0
    starts = []
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">") and all(
            not later.strip() or later.lstrip().startswith(">") for later in lines[index:]
        ):
            return starts[index]
    return None


def fold(text: str) -> tuple[str, bool]:
    """(the new part, whether anything was folded away). When nothing new is left above the quote
    (a reply written inline, between quoted lines), the whole text is the new part."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    cuts = []
    for pattern in (ORIGINAL, OUTLOOK_RULE, SIGNATURE):
        match = pattern.search(text)
        if match:
            cuts.append(match.start())
    for match in ATTRIBUTION.finditer(text):
        # An attribution line counts only when quoted text or an empty line follows it.
        rest = text[match.end() :].lstrip("\n")
        if not rest or rest.lstrip().startswith(">") or match.end() < len(text):
            cuts.append(match.start())
            break
    for finder in (_outlook_header, _quote_block):
        found = finder(text)
        if found is not None:
            cuts.append(found)
    if not cuts:
        return text.strip(), False
    new = text[: min(cuts)].strip()
    if not new:
        return text.strip(), False
    return new, True
