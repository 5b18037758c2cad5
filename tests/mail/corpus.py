"""Raw e-mails as customers' clients really write them, built byte for byte (no help from the
library we test), for the intake tests and the benchmark."""

from __future__ import annotations

import base64
import quopri
import random
import uuid

CRLF = b"\r\n"


def msgid(domain: str = "client.example") -> str:
    return f"<{uuid.uuid4().hex}@{domain}>"


def raw_mail(
    *,
    sender: str = "Marie Curie <marie@example.com>",
    to: str = "support@nimbus.example",
    subject: bytes | str = "Hello",
    body: bytes | str = "Hello, I need help.",
    content_type: str = "text/plain; charset=utf-8",
    transfer: str = "8bit",
    message_id: str | None = None,
    in_reply_to: str = "",
    references: str = "",
    date: str = "Mon, 07 Dec 2026 10:00:00 +0100",
    extra: dict | None = None,
) -> bytes:
    if isinstance(body, str):
        body = body.encode("utf-8")
    if isinstance(subject, str):
        subject = subject.encode("utf-8")
    if transfer == "base64":
        body = base64.encodebytes(body)
    elif transfer == "quoted-printable":
        body = quopri.encodestring(body)
    headers = [
        b"From: " + sender.encode("utf-8"),
        b"To: " + to.encode("utf-8"),
        b"Subject: " + subject,
        b"Date: " + date.encode(),
        b"Message-ID: " + (message_id or msgid()).encode(),
        b"MIME-Version: 1.0",
        b"Content-Type: " + content_type.encode(),
        b"Content-Transfer-Encoding: " + transfer.encode(),
    ]
    if in_reply_to:
        headers.append(b"In-Reply-To: " + in_reply_to.encode())
    if references:
        headers.append(b"References: " + references.encode())
    for name, value in (extra or {}).items():
        headers.append(f"{name}: {value}".encode())
    return CRLF.join(headers) + CRLF + CRLF + body.replace(b"\r\n", b"\n").replace(b"\n", CRLF)


def multipart(parts: list[bytes], *, subtype: str = "mixed", boundary: str | None = None, **headers) -> bytes:
    """A multipart mail: `parts` are each a part's headers and body, already encoded."""
    boundary = boundary or f"=_{uuid.uuid4().hex}"
    body = b""
    for part in parts:
        body += b"--" + boundary.encode() + CRLF + part + CRLF
    body += b"--" + boundary.encode() + b"--" + CRLF
    return raw_mail(
        content_type=f'multipart/{subtype}; boundary="{boundary}"', transfer="7bit", body=body, **headers
    )


def part(content_type: str, payload: bytes, *, disposition: str = "", content_id: str = "") -> bytes:
    lines = [f"Content-Type: {content_type}".encode(), b"Content-Transfer-Encoding: base64"]
    if disposition:
        lines.append(f"Content-Disposition: {disposition}".encode())
    if content_id:
        lines.append(f"Content-ID: {content_id}".encode())
    return CRLF.join(lines) + CRLF + CRLF + base64.encodebytes(payload).replace(b"\n", CRLF)


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def mixed_corpus(count: int, *, seed: int = 7) -> list[bytes]:
    """`count` varied messages (languages, charsets, HTML, attachments) for the benchmark."""
    rng = random.Random(seed)
    makers = [
        lambda i: raw_mail(subject=f"Invoice question {i}", body=f"Hello, I was charged twice, order {i}."),
        lambda i: raw_mail(
            sender=f"Jean <jean{i}@example.fr>",
            subject="=?ISO-8859-1?Q?Facture_en_double?=",
            body=f"Bonjour, j'ai été débité deux fois pour la commande {i}.".encode("cp1252"),
            content_type="text/plain; charset=iso-8859-1",
            transfer="quoted-printable",
        ),
        lambda i: raw_mail(
            sender=f"Taro <taro{i}@example.jp>",
            subject="=?ISO-2022-JP?B?GyRCJDckaSQ5JDMkRyQ5GyhC?=",
            body=f"パスワードを忘れました。注文 {i}".encode("iso2022_jp"),
            content_type="text/plain",
            transfer="7bit",
        ),
        lambda i: raw_mail(
            sender=f"Li <li{i}@example.cn>",
            body=f"您好，我的账户被锁定了，订单{i}。".encode("gb18030"),
            content_type="text/plain; charset=gb2312",
            transfer="base64",
        ),
        lambda i: multipart(
            [
                part(
                    "text/html; charset=utf-8",
                    f"<p>Hello <b>team</b>, ticket {i}</p><script>x()</script>".encode(),
                ),
                part("image/png", PNG, disposition='attachment; filename="shot.png"'),
            ],
            sender=f"Ann <ann{i}@example.com>",
            subject=f"Screenshot {i}",
        ),
    ]
    return [makers[rng.randrange(len(makers))](i) for i in range(count)]
