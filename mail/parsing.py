"""An e-mail's raw bytes read into what the help center needs: who, what, which thread, the text in
Unicode whatever charset the sender's client claimed, the HTML, the attachments, and whether a robot
sent it. Pure Python (no Django): tested without a database and reused by the benchmark.

Decoding follows what mail clients really send rather than what they declare:
- ISO-2022-JP is 7-bit, so a Japanese mail without a charset parameter looks like ASCII with escape
  sequences: the escapes are recognised and decoded;
- labels name their supersets (GB2312 → GB18030, Shift_JIS → CP932, Big5 → Big5-HKSCS, EUC-KR →
  CP949, ISO-8859-1 → Windows-1252, as browsers do);
- text that is valid UTF-8 is UTF-8, whatever the label says (a GB2312 label on UTF-8 bytes);
- Latin text with a few high bytes is Windows-1252; anything else goes to charset-normalizer's
  guess, and last to a lossy decode of the label."""

from __future__ import annotations

import binascii
import email
import email.errors
import email.feedparser
import email.header
import email.message
import email.policy
import email.utils
import hashlib
import html
import html.parser
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import charset_normalizer

# Labels mail clients write, mapped to the codec that decodes what they really mean.
SUPERSETS = {
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "x-euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "csshiftjis": "cp932",
    "euc-jp": "euc_jis_2004",
    "x-euc-jp": "euc_jis_2004",
    "iso-2022-jp": "iso2022_jp_ext",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "cn-big5": "big5hkscs",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "iso-8859-8-i": "iso-8859-8",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "utf8": "utf-8",
    "unicode-1-1-utf-7": "utf-7",
}
_ISO2022_ESCAPES = (b"\x1b$B", b"\x1b$@", b"\x1b(J", b"\x1b(I", b"\x1b$(D")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u2028\u2029]")


def codec_for(label: str | None) -> str | None:
    """The Python codec for a declared charset label, or None when the label is unknown."""
    if not label:
        return None
    label = label.strip().strip('"').lower()
    name = SUPERSETS.get(label, label)
    try:
        "".encode(name)
    except LookupError:
        return None
    return name


def decode_bytes(data: bytes, declared: str | None = None) -> str:
    """`data` as text: see the module docstring for the order of the guesses. Never raises."""
    if not data:
        return ""
    if any(escape in data for escape in _ISO2022_ESCAPES) and max(data) < 0x80:
        for codec in ("iso2022_jp_ext", "iso2022_jp_2", "iso2022_jp_3"):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
    if max(data) < 0x80:
        return data.decode("ascii")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    codec = codec_for(declared)
    if codec and codec not in ("utf-8", "utf-7"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    high = sum(byte >= 0x80 for byte in data)
    if high / len(data) < 0.25:
        # A few accented letters in Latin text (CJK text is mostly high bytes): Windows-1252, the
        # encoding of most unlabelled or mislabelled Western mail, before a statistical guess.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            pass
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode(codec or "cp1252", errors="replace")


def _header_bytes(value: str) -> bytes:
    """A header's original bytes: the bytes parser keeps 8-bit ones as surrogate escapes."""
    try:
        return value.encode("ascii", "surrogateescape")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogateescape")


def decode_header(value: str | None) -> str:
    """An RFC 2047 header (or raw 8-bit, as some clients send) as one line of text, each encoded word
    decoded with decode_bytes; control characters (CR/LF of a header injection) become spaces."""
    if not value:
        return ""
    parts = []
    if isinstance(value, email.header.Header):
        # compat32 hands raw 8-bit headers over as Header objects ("unknown-8bit" chunks): their
        # bytes are intact there, and lost in str(value).
        chunks = email.header.decode_header(value)
    else:
        value = str(value)
        try:
            chunks = email.header.decode_header(value)
        except (ValueError, email.errors.HeaderParseError):
            chunks = [(value, None)]
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            # Raw 8-bit bytes reach us as surrogate escapes (the bytes parser): recover and decode them.
            chunk = _header_bytes(chunk)
        parts.append(decode_bytes(chunk, charset))
    text = "".join(parts)
    return " ".join(_CONTROL.sub(" ", text).split())


_ADDRESS = re.compile(r"^[^@\s<>()\[\],;:\"]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]+$")


def parse_address(value: str | None) -> tuple[str, str]:
    """(display name, lower-cased address) of the first address in a header; ("", "") if none."""
    pairs = addresses(value)
    return pairs[0] if pairs else ("", "")


def addresses(value: str | None) -> list[tuple[str, str]]:
    """Every (display name, address) of an address header; names decoded, addresses checked."""
    if not value:
        return []
    if isinstance(value, email.header.Header):
        raw = "".join(
            decode_bytes(chunk if isinstance(chunk, bytes) else _header_bytes(chunk), charset)
            for chunk, charset in email.header.decode_header(value)
        )
    else:
        raw = decode_bytes(_header_bytes(str(value)))
    found = []
    for name, address in email.utils.getaddresses([raw]):
        address = address.strip().lower()
        if _ADDRESS.match(address):
            found.append((decode_header(name)[:200], address))
    if not found:
        # A display name the address parser chokes on (an encoded word holding ":" or "@"): the
        # angle address at the end is still the sender.
        match = _ANGLE.search(raw)
        if match and _ADDRESS.match(match.group(2).strip().lower()):
            found.append(
                (decode_header(match.group(1).strip().strip('"'))[:200], match.group(2).strip().lower())
            )
    return found


_ANGLE = re.compile(r"^(.*)<([^<>]+)>\s*$", re.DOTALL)
_MSGID = re.compile(r"<[^<>\s]+>")


def message_ids(value: str | None) -> list[str]:
    """The <ids> of a Message-ID, In-Reply-To or References header, in order."""
    return _MSGID.findall(str(value or ""))


@dataclass
class Attachment:
    filename: str
    content_type: str
    payload: bytes
    content_id: str = ""
    inline: bool = False


@dataclass
class Parsed:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    subject: str = ""
    from_name: str = ""
    from_address: str = ""
    reply_to: str = ""
    to: list[str] = field(default_factory=list)
    date: datetime | None = None
    utc_offset: timedelta | None = None
    text: str = ""
    html: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    automatic: str = ""  # why a robot sent it ("" for a person)
    bounce_recipients: list[str] = field(default_factory=list)  # failed addresses of a DSN
    bounce_reason: str = ""
    defects: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def is_bounce(self) -> bool:
        return bool(self.bounce_recipients)


def parse_recipients(raw: bytes) -> list[str]:
    """The recipient addresses of an e-mail's headers only (To, Cc, Delivered-To…), cheaply."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    message = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    found = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for value in message.get_all(header) or []:
            found += [address for _name, address in addresses(value)]
    return list(dict.fromkeys(found))


def header_identity(raw: bytes) -> tuple[str, str]:
    """(Message-ID, sender address) of an e-mail's headers, without parsing the body."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    message = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    ids = message_ids(message.get("Message-ID"))
    return (ids[0][:255] if ids else ""), parse_address(message.get("From"))[1]


class Unreadable(Exception):
    """The bytes are not an e-mail we can use (no sender, nothing parsable)."""


def digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def _message(raw: bytes) -> email.message.Message:
    """The parsed message, fed to the parser in 64 kB chunks: `message_from_bytes` first decodes the
    whole message into one string, which triples the peak memory of a 30 MB mail."""
    parser = email.feedparser.BytesFeedParser(policy=email.policy.compat32)
    view = memoryview(raw)
    for start in range(0, len(raw), 1 << 16):
        parser.feed(bytes(view[start : start + (1 << 16)]))
    return parser.close()


def parse(raw: bytes) -> Parsed:
    """Read an e-mail; raises Unreadable when there is no sender address to answer."""
    try:
        message = _message(raw)
    except Exception as exc:  # noqa: BLE001 - the parser's failures are many and all mean "unreadable"
        raise Unreadable(f"{type(exc).__name__}: {exc}") from exc
    parsed = Parsed()
    parsed.defects = sorted({type(d).__name__ for d in message.defects})
    parsed.headers = {key.lower(): decode_header(value)[:500] for key, value in message.items()}
    ids = message_ids(message.get("Message-ID"))
    parsed.message_id = ids[0][:255] if ids else ""
    parsed.in_reply_to = message_ids(message.get("In-Reply-To"))
    parsed.references = message_ids(" ".join(str(v) for v in message.get_all("References") or []))
    parsed.subject = decode_header(message.get("Subject"))[:255]
    parsed.from_name, parsed.from_address = parse_address(message.get("From"))
    if not parsed.from_address:
        parsed.from_name, parsed.from_address = parse_address(message.get("Sender"))
    parsed.reply_to = parse_address(message.get("Reply-To"))[1]
    recipients = []
    for header in ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To"):
        for value in message.get_all(header) or []:
            recipients += [address for _name, address in addresses(value)]
    parsed.to = list(dict.fromkeys(recipients))
    parsed.date, parsed.utc_offset = _date(message.get("Date"))
    texts, htmls = [], []
    _walk(message, texts, htmls, parsed.attachments, parsed)
    parsed.text = "\n\n".join(t for t in texts if t.strip()).strip()
    parsed.html = "\n".join(htmls)
    if not parsed.text and parsed.html:
        parsed.text = html_to_text(parsed.html)
    parsed.automatic = automatic_reason(parsed.headers, parsed.from_address, message)
    if parsed.is_bounce and not parsed.automatic:
        parsed.automatic = "delivery-status notification"
    if not parsed.from_address:
        raise Unreadable("no sender address")
    return parsed


def _date(value) -> tuple[datetime | None, timedelta | None]:
    if not value:
        return None, None
    try:
        when = email.utils.parsedate_to_datetime(str(value))
    except (TypeError, ValueError, IndexError):
        return None, None
    if when.tzinfo is None:  # "-0000": the sender did not say
        return when.replace(tzinfo=UTC), None
    offset = when.utcoffset()
    if offset is None or abs(offset) > timedelta(hours=14):
        return when.astimezone(UTC), None
    return when, offset


def _payload(part: email.message.Message) -> bytes:
    payload = part.get_payload()
    if isinstance(payload, str) and part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        # binascii skips the line breaks itself: the library's decode first splits a 30 MB body
        # into half a million lines.
        try:
            return binascii.a2b_base64(payload)
        except (binascii.Error, ValueError):
            pass  # broken or non-ASCII base64: the library's lenient decoder below
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - a broken transfer encoding: keep what is there
        data = None
    if data is None:
        payload = part.get_payload()
        data = payload.encode("ascii", "surrogateescape") if isinstance(payload, str) else b""
    return data


def _filename(part: email.message.Message) -> str:
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, percent-decoded as Latin-1)
        charset, _language, value = raw
        name = decode_bytes(value.encode("latin-1", "replace"), charset)
    elif raw:
        name = decode_header(email.utils.collapse_rfc2231_value(raw))
    else:
        name = ""
    name = _CONTROL.sub("", name).replace("\\", "/").rsplit("/", 1)[-1].strip(" .")
    return name[:200]


def _walk(part, texts, htmls, attachments, parsed, depth: int = 0) -> None:
    content_type = part.get_content_type()
    disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
    if depth > 30:
        parsed.defects.append("TooDeep")
        return
    if content_type == "multipart/report" and part.get_param("report-type") == "delivery-status":
        _bounce(part, parsed)
    if part.is_multipart() and content_type != "message/rfc822":
        children = part.get_payload()
        if not isinstance(children, list):
            return
        if content_type == "multipart/alternative":
            plain = [c for c in children if c.get_content_type() == "text/plain"]
            rich = [c for c in children if c.get_content_type() == "text/html"]
            others = [c for c in children if c not in plain and c not in rich]
            for child in plain[:1] or []:
                _walk(child, texts, htmls, attachments, parsed, depth + 1)
            for child in rich[:1]:
                # The HTML of an alternative is kept for the agent, not added to the text twice.
                htmls.append(decode_bytes(_payload(child), child.get_content_charset()))
                if not plain:
                    texts.append(html_to_text(htmls[-1]))
            for child in others:
                _walk(child, texts, htmls, attachments, parsed, depth + 1)
            return
        for child in children:
            _walk(child, texts, htmls, attachments, parsed, depth + 1)
        return
    filename = _filename(part)
    content_id = " ".join(message_ids(part.get("Content-ID")))[:255]
    if content_type == "message/rfc822":
        inner = part.get_payload()
        inner = inner[0] if isinstance(inner, list) and inner else inner
        data = inner.as_bytes() if isinstance(inner, email.message.Message) else _payload(part)
        subject = decode_header(inner.get("Subject")) if isinstance(inner, email.message.Message) else ""
        attachments.append(Attachment((filename or subject or "message")[:190] + ".eml", content_type, data))
        return
    if content_type == "message/delivery-status":
        return
    is_text = content_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
    if is_text:
        body = decode_bytes(_payload(part), part.get_content_charset()).replace("\r\n", "\n")
        if content_type == "text/html":
            htmls.append(body)
            texts.append(html_to_text(body))
        else:
            texts.append(body)
        return
    attachments.append(
        Attachment(
            filename=filename or _default_name(content_type, len(attachments) + 1),
            content_type=content_type,
            payload=_payload(part),
            content_id=content_id,
            inline=bool(content_id) and disposition != "attachment" and content_type.startswith("image/"),
        )
    )


def _default_name(content_type: str, number: int) -> str:
    extension = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "text/plain": "txt"}.get(
        content_type, "bin"
    )
    return f"attachment-{number}.{extension}"


def _bounce(part: email.message.Message, parsed: Parsed) -> None:
    """The failed recipients of a delivery-status notification (RFC 3464)."""
    for child in part.walk():
        if child.get_content_type() != "message/delivery-status":
            continue
        blocks = child.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks:
            action = (block.get("Action") or "").strip().lower()
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient") or ""
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            if action == "failed" and _ADDRESS.match(address):
                parsed.bounce_recipients.append(address)
                status = (block.get("Status") or "").strip()
                diagnostic = decode_header(block.get("Diagnostic-Code") or "")
                parsed.bounce_reason = f"{status} {diagnostic}".strip()[:300]


# --- robots: RFC 3834 and what Zammad, FreeScout and Exchange look at -------------------------------
ROBOT_LOCAL_PARTS = re.compile(
    r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|donotreply|bounces?|auto-?reply|autoresponder)"
    r"([+._-].*)?$"
)


def automatic_reason(headers: dict[str, str], sender: str, message=None) -> str:
    """Why this e-mail was sent by a robot and must get no automatic answer ("" if by a person)."""
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and not auto.startswith("no"):
        return f"Auto-Submitted: {auto}"[:120]
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk", "auto_reply"):
        return f"Precedence: {precedence}"
    for header in (
        "x-autoreply",
        "x-autorespond",
        "x-autogenerated",
        "x-loop",
        "list-unsubscribe",
        "list-id",
    ):
        if header in headers:
            return header
    if headers.get("x-auto-response-suppress", "").strip().lower() in ("all", "oof", "autoreply"):
        return "X-Auto-Response-Suppress"
    if message is not None and (message.get("Return-Path") or "").strip() == "<>":
        return "null return path"
    local = sender.split("@", 1)[0] if sender else ""
    if ROBOT_LOCAL_PARTS.match(local):
        return f"sender {local}@"
    return ""


# --- HTML to text, for HTML-only mails and quote detection -----------------------------------------
_BLOCKS = {"p", "div", "br", "tr", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "hr", "pre"}


class _TextExtractor(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skip = 0
        self.quote = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "head", "title"):
            self.skip += 1
        elif tag == "blockquote":
            self.quote += 1
            self._newline()
        elif tag in _BLOCKS:
            self._newline()

    def handle_endtag(self, tag):
        if tag in ("script", "style", "head", "title"):
            self.skip = max(self.skip - 1, 0)
        elif tag == "blockquote":
            self.quote = max(self.quote - 1, 0)
            self._newline()
        elif tag in _BLOCKS:
            self._newline()

    def _newline(self):
        self.lines.append("")

    def handle_data(self, data):
        if self.skip:
            return
        text = re.sub(r"\s+", " ", data)
        if not self.lines[-1].strip(" >"):
            text = text.lstrip()
            if not text:
                return
            self.lines[-1] = "> " * self.quote
        self.lines[-1] += text


def html_to_text(markup: str) -> str:
    """The readable text of an HTML mail: blocks on their own lines, blockquotes as "> " lines,
    scripts and styles left out."""
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
    except Exception:  # noqa: BLE001 - the parser is lenient; anything worse: strip the tags
        return html.unescape(re.sub(r"<[^>]*>", " ", markup))
    text = "\n".join(
        " ".join(line.split()) if not line.startswith(">") else line.rstrip() for line in extractor.lines
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()
