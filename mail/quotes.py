"""Where the new part of a reply ends: the quoted earlier mail and the signature are folded away
(the agent sees the new part, the full text is one click away). Pure Python.

Recognised, in the site's languages: "On … wrote:" lines and their translations (Le … a écrit,
Am … schrieb, El … escribió, 在 … 写道, … のメッセージ / wrote), Outlook's "-----Original Message-----"
and its header block (From:/Sent:/To:/Subject:, also in French, German, Spanish, Chinese and
Japanese), the underscore rule Outlook puts above it, a block of "> " lines, and "-- " signatures."""

from __future__ import annotations

import re

_FLAGS = re.IGNORECASE | re.MULTILINE
# One line, or two when the client wrapped it ("On Tue, 8 Dec 2026 at 10:00, Support\n<s@…> wrote:").
_L = r"[^\n]"
_WRAP = rf"{_L}{{2,240}}?(?:\n{_L}{{0,160}}?)?"
ATTRIBUTION = re.compile(
    r"^[ \t>]*("
    rf"on\b{_WRAP}\bwrote\s*:"
    rf"|le\b{_WRAP}a\s+[ée]crit\s*:"
    rf"|am\b{_WRAP}schrieb{_L}{{0,80}}:"
    rf"|el\b{_WRAP}escribi[óo]\s*:"
    rf"|{_L}{{0,200}}写道\s*[:：]"
    rf"|{_L}{{0,200}}(のメッセージ|さんは書きました)\s*[:：]?"
    rf"|\d{{4}}年\d{{1,2}}月\d{{1,2}}日{_L}{{0,120}}[:：]"
    r")[ \t]*$",
    _FLAGS,
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
