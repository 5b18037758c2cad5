"""Quoted text and signatures folded away (mail/quotes.py is pure: no database)."""

import pytest

from mail.quotes import fold


@pytest.mark.parametrize(
    ("text", "new"),
    [
        (
            "It works, thanks!\n\nOn Tue, 8 Dec 2026 at 10:00, Support <s@x.example> wrote:\n> Try again.",
            "It works, thanks!",
        ),
        ("Merci\n\nLe mar. 8 déc. 2026 à 10:00, Support <s@x.example> a\nécrit :\n> Bonjour", "Merci"),
        ("Danke\n\nAm Di., 8. Dez. 2026 um 10:00 Uhr schrieb Support <s@x.example>:\n> Hallo", "Danke"),
        ("Gracias\n\nEl mar, 8 dic 2026 a las 10:00, Support escribió:\n> Hola", "Gracias"),
        ("谢谢\n\n在 2026年12月8日，Support 写道：\n> 你好", "谢谢"),
        ("ありがとう\n\n2026年12月8日(火) 10:00 Support <s@x.example>:\n> こんにちは", "ありがとう"),
        ("Thanks\n\n-----Original Message-----\nFrom: Support\nSent: Tuesday\nSubject: x\n\nold", "Thanks"),
        # Outlook's header block under its rule, in French (freescout#5545: the header was kept).
        (
            "Merci beaucoup\n\n________________________________\nDe : Support <s@x.example>\n"
            "Envoyé : mardi 8 décembre 2026 10:00\nÀ : Marie\nObjet : RE: facture\n\nold",
            "Merci beaucoup",
        ),
        ("Thanks\n\nFrom: Support <s@x.example>\nSent: Tuesday\nTo: Marie\n\nold", "Thanks"),
        ("See you\n-- \nMarie Curie\nACME Corp", "See you"),
        ("Answer first\n\n> quoted line\n> another", "Answer first"),
    ],
)
def test_the_new_part_is_what_the_customer_wrote(text, new):
    assert fold(text) == (new, True)


def test_a_mail_without_quotes_is_whole():
    assert fold("Hello,\nmy export fails.") == ("Hello,\nmy export fails.", False)


def test_a_reply_with_nothing_above_the_quote_keeps_the_whole_text():
    assert fold("> your question\nmy answer inline\n> more") == ("> your question\nmy answer inline", True)
    assert fold("-- \nonly a signature") == ("-- \nonly a signature", False)
