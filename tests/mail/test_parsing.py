"""Decoding what customers' mail clients really send (mail/parsing.py is pure: no database)."""

import base64

import pytest

from mail import parsing
from tests.mail.corpus import PNG, multipart, part, raw_mail


def test_iso_2022_jp_without_charset_parameter_is_readable():
    body = "お世話になっております。請求書が二重です。".encode("iso2022_jp")
    subject = b"=?ISO-2022-JP?B?" + base64.b64encode("請求書について".encode("iso2022_jp")) + b"?="
    parsed = parsing.parse(raw_mail(subject=subject, body=body, content_type="text/plain", transfer="7bit"))
    assert (parsed.subject, parsed.text) == ("請求書について", "お世話になっております。請求書が二重です。")


def test_gb2312_label_holding_gbk_characters_decodes_as_gb18030():
    # 镕 and 堃 are GBK, not GB2312: a strict GB2312 decoder fails or turns them into "?".
    text = "朱镕基和王堃的账户无法登录"
    subject = b"=?gb2312?B?" + base64.b64encode("账户问题：镕".encode("gbk")) + b"?="
    raw = raw_mail(
        subject=subject, body=text.encode("gbk"), content_type="text/plain; charset=gb2312", transfer="base64"
    )
    parsed = parsing.parse(raw)
    assert (parsed.subject, parsed.text) == ("账户问题：镕", text)


def test_gb2312_label_holding_utf8_decodes_as_utf8():
    raw = raw_mail(body="我的账户被锁定了", content_type='text/plain; charset="gb2312"', transfer="8bit")
    assert parsing.parse(raw).text == "我的账户被锁定了"


@pytest.mark.parametrize(
    ("label", "codec", "text"),
    [
        ("shift_jis", "cp932", "①番の注文は㈱ニンバスです"),  # NEC/IBM extensions: CP932 only
        ("euc-jp", "euc_jp", "パスワードを忘れました"),
        ("big5", "big5", "我的帳戶無法登入"),
        ("iso-8859-1", "cp1252", "Le prix est 20 € – « merci »"),  # Windows-1252 labelled Latin-1
        ("windows-1251", "cp1251", "Здравствуйте, не могу войти"),
        ("windows-1250", "cp1250", "Dzień dobry, płatność nie przeszła"),
        ("iso-8859-15", "iso-8859-15", "Où est ma facture ? 30 €"),
        ("ks_c_5601-1987", "cp949", "비밀번호를 잊어버렸어요"),
    ],
)
def test_legacy_charsets_decode(label, codec, text):
    raw = raw_mail(
        body=text.encode(codec), content_type=f"text/plain; charset={label}", transfer="quoted-printable"
    )
    assert parsing.parse(raw).text == text


def test_wrong_charset_label_falls_back_to_a_guess_not_a_crash():
    raw = raw_mail(
        body="Grüße aus Köln, die Rechnung fehlt".encode("cp1252"),
        content_type="text/plain; charset=x-unknown",
    )
    assert parsing.parse(raw).text == "Grüße aus Köln, die Rechnung fehlt"


def test_rfc2231_and_rfc2047_file_names_survive():
    rfc2231 = part(
        "application/pdf",
        b"%PDF-1.4",
        disposition="attachment; filename*=UTF-8''%E8%AB%8B%E6%B1%82%E6%9B%B8%20%E2%84%962.pdf",
    )
    outlook = part(
        'application/pdf; name="=?utf-8?B?' + base64.b64encode("Facture été.pdf".encode()).decode() + '?="',
        b"%PDF",
    )
    parsed = parsing.parse(multipart([part("text/plain; charset=utf-8", b"see attached"), rfc2231, outlook]))
    assert [a.filename for a in parsed.attachments] == ["請求書 №2.pdf", "Facture été.pdf"]


def test_raw_8bit_headers_are_decoded_not_replaced():
    raw = raw_mail(sender="Hélène Müller <helene@example.fr>", subject="Facture débitée deux fois – 請求書")
    parsed = parsing.parse(raw)
    assert (parsed.from_name, parsed.subject) == ("Hélène Müller", "Facture débitée deux fois – 請求書")
    latin = raw_mail(subject="Facture débitée".encode("cp1252"))
    assert parsing.parse(latin).subject == "Facture débitée"


def test_header_injection_in_display_name_stays_one_line():
    raw = raw_mail(
        sender="=?utf-8?Q?Eve=0D=0ABcc:_victim@example.org?= <eve@example.com>",
        subject="=?utf-8?Q?Hi=0D=0AX-Evil:_1?=",
    )
    parsed = parsing.parse(raw)
    assert (parsed.from_name, parsed.from_address, parsed.subject) == (
        "Eve Bcc: victim@example.org",
        "eve@example.com",
        "Hi X-Evil: 1",
    )


def test_html_only_mail_gets_a_text_version_without_scripts():
    html = (
        b"<html><head><style>p{}</style></head><body><p>Bonjour,</p><p>ma <b>facture</b>.</p>"
        b"<script>alert(1)</script></body></html>"
    )
    parsed = parsing.parse(raw_mail(body=html, content_type="text/html; charset=utf-8"))
    assert parsed.text == "Bonjour,\n\nma facture."
    assert "<script>" in parsed.html  # the parser keeps it; the intake sanitises (test_intake)


def test_cid_inline_image_is_kept_with_its_content_id():
    related = multipart(
        [
            part("text/html; charset=utf-8", b'<p>Look: <img src="cid:shot@client"></p>'),
            part("image/png", PNG, disposition="inline", content_id="<shot@client>"),
        ],
        subtype="related",
    )
    parsed = parsing.parse(related)
    (image,) = parsed.attachments
    assert (image.content_id, image.inline, image.payload) == ("<shot@client>", True, PNG)


def test_nested_message_rfc822_becomes_an_eml_attachment():
    inner = raw_mail(subject="The original problem", body="It broke.")
    outer = multipart(
        [
            part("text/plain; charset=utf-8", b"Forwarding this."),
            b"Content-Type: message/rfc822\r\n\r\n" + inner,
        ]
    )
    parsed = parsing.parse(outer)
    assert parsed.text == "Forwarding this."
    assert [(a.filename, a.content_type) for a in parsed.attachments] == [
        ("The original problem.eml", "message/rfc822")
    ]
    assert b"It broke." in parsed.attachments[0].payload


def test_malformed_mime_is_read_with_its_defects_listed():
    raw = raw_mail(
        content_type='multipart/mixed; boundary="never-closed"',
        transfer="7bit",
        body=b"--never-closed\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gdGhlcmU=!!!\r\n",
    )
    parsed = parsing.parse(raw)
    assert parsed.text.startswith("Hello there")
    assert "CloseBoundaryNotFoundDefect" in parsed.defects


def test_bytes_without_a_sender_are_unreadable():
    with pytest.raises(parsing.Unreadable):
        parsing.parse(b"\x00\x01 not an e-mail at all \xff")


def test_delivery_status_notification_names_the_failed_recipient():
    report = (
        b"Reporting-MTA: dns; mx.example.net\r\n\r\n"
        b"Final-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        b"Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
    )
    raw = multipart(
        [
            part("text/plain", b"Delivery failed"),
            b"Content-Type: message/delivery-status\r\n\r\n" + report,
        ],
        subtype='report; report-type="delivery-status"',
        sender="Mail Delivery System <MAILER-DAEMON@mx.example.net>",
    )
    parsed = parsing.parse(raw)
    assert parsed.bounce_recipients == ["gone@example.com"]
    assert parsed.bounce_reason == "5.1.1 smtp; 550 5.1.1 user unknown"
    assert parsed.automatic


@pytest.mark.parametrize(
    ("headers", "sender", "robot"),
    [
        ({"Auto-Submitted": "auto-replied"}, "marie@example.com", True),
        ({"Auto-Submitted": "no"}, "marie@example.com", False),
        ({"Precedence": "bulk"}, "marie@example.com", True),
        ({"X-Autoreply": "yes"}, "marie@example.com", True),
        ({"X-Autorespond": "yes"}, "marie@example.com", True),
        ({"List-Unsubscribe": "<mailto:u@list.example>"}, "marie@example.com", True),
        ({}, "noreply@shop.example", True),
        ({}, "postmaster@example.com", True),
        ({}, "marie@example.com", False),
    ],
)
def test_robots_are_recognised(headers, sender, robot):
    parsed = parsing.parse(raw_mail(sender=sender, extra=headers))
    assert bool(parsed.automatic) is robot


def test_date_header_offset_is_kept_for_the_customers_zone():
    from datetime import timedelta

    parsed = parsing.parse(raw_mail(date="Tue, 08 Dec 2026 09:30:00 +0800"))
    assert parsed.utc_offset == timedelta(hours=8)
