"""The bot understands what customers mean (issue: long, indirect questions; person-words that are
not requests for a person; articles missing in the customer's language), on the demo help center,
through the same decision the chat API makes."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from chatbot.answering import ReplyKind, respond
from kb.embeddings import sentence_encoder

DEMO_ARTICLES = Path(__file__).resolve().parents[2] / "kb" / "demo" / "articles.jsonl"
needs_encoder = pytest.mark.skipif(
    settings.HELPCENTER_ENCODER == "none", reason="matching by meaning needs a sentence encoder"
)


@pytest.fixture
def demo(db):
    call_command("load_demo", verbosity=0)


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def start(client, language):
    response = post(client, "/api/chat/conversations", {"language": language, "timezone": "Europe/Paris"})
    assert response.status_code == 201
    return response.json()["id"]


def say(client, cid, body):
    response = post(client, f"/api/chat/conversations/{cid}/messages", body)
    assert response.status_code == 200, response.content
    return response.json()["reply"]


# Questions that merely contain a word for a person: the four of the issue, then five of our own per
# language (written for this test, not in bench/data/realistic-queries.jsonl).
PERSON_WORD_QUESTIONS = [
    ("en", "how do I give someone else access to my account?", "invite-team"),
    ("en", "How do I create an API key for our CI agent?", "api-keys-cli"),
    ("fr", "Personne ne reçoit le mail pour réinitialiser le mot de passe", "reset-password"),
    ("zh-hans", "你们客服几点上班？周末有人吗？", "contact-support"),
    (
        "en",
        "someone on my team needs to see the servers but not the billing, what role should they get",
        "invite-team",
    ),
    (
        "en",
        "the build agent on our CI server needs an API key for the nimbus CLI, how do I make one",
        "api-keys-cli",
    ),
    ("en", "what hours are your support staff around, and do they work weekends?", "contact-support"),
    ("en", "is there a person I can email when my server won't boot after a reboot?", "instance-unreachable"),
    ("en", "somebody changed my password and now I can't get in, how do I reset it", "reset-password"),
    ("fr", "Comment donner accès à quelqu'un de mon équipe sans partager mon mot de passe ?", "invite-team"),
    ("fr", "Personne dans l'équipe n'arrive à se connecter en SSH à l'instance", "connect-ssh"),
    ("fr", "À quelle heure votre support est joignable, il y a quelqu'un le samedi ?", "contact-support"),
    ("fr", "Notre agent de déploiement a besoin d'une clé API, où la créer ?", "api-keys-cli"),
    (
        "fr",
        "quelqu'un a perdu le téléphone avec l'application d'authentification, comment récupérer l'accès ?",
        "recover-2fa",
    ),
    ("zh-hans", "怎么让同事也能登录管理我们的服务器？要给他什么权限", "invite-team"),
    ("zh-hans", "有人把我们的API密钥泄露了，怎么作废重新生成", "api-keys-cli"),
    ("zh-hans", "同事说服务器一直连不上，控制台显示已停止，怎么办", "instance-unreachable"),
    ("zh-hans", "有人改了我的密码，我登录不了了，怎么重置", "reset-password"),
    ("zh-hans", "有人能告诉我怎么把域名的DNS服务器改成你们的吗", "point-domain-nameservers"),
    ("es", "¿Cómo le doy acceso a alguien de mi equipo sin darle mi contraseña?", "invite-team"),
    ("es", "Alguien cambió mi contraseña y no puedo entrar, ¿cómo la restablezco?", "reset-password"),
    ("es", "¿A qué hora atiende el personal de soporte? ¿hay alguien los domingos?", "contact-support"),
    ("es", "Ninguna persona del equipo puede abrir la web, la instancia no responde", "instance-unreachable"),
    (
        "es",
        "quiero que una persona de mi empresa pague con otra tarjeta, ¿cómo cambio el método de pago?",
        "update-payment-method",
    ),
    ("de", "Wie gebe ich jemandem aus dem Team Zugriff, ohne mein Passwort zu teilen?", "invite-team"),
    ("de", "Jemand hat mein Passwort geändert, wie setze ich es zurück?", "reset-password"),
    ("de", "Wann sind eure Mitarbeiter im Support erreichbar, auch am Wochenende?", "contact-support"),
    ("de", "Keine Person im Team erreicht die Instanz mehr, sie startet nicht", "instance-unreachable"),
    (
        "de",
        "Unsere Buchhaltung möchte die Kreditkarte für die Zahlung ändern, wie geht das?",
        "update-payment-method",
    ),
    ("ja", "チームの人をメンバーとして招待して、役割を設定したいです", "invite-team"),
    ("ja", "誰かにパスワードを変えられてログインできません。リセット方法は？", "reset-password"),
    ("ja", "サポートの担当者は何時から何時まで対応していますか？", "contact-support"),
    ("ja", "担当者がサーバーにSSHで接続できないと言っています", "connect-ssh"),
    ("ja", "スタッフが使うクレジットカードを変更したい。支払い方法の変え方は？", "update-payment-method"),
]


@pytest.fixture(scope="module")
def demo_bot():
    """The demo's engines built from its article file as `evaluate_bot` builds them (the site's way:
    drafts out, missing translations in the source language), once for the module, no database."""
    from chatbot.answering import Bot
    from chatbot.conf import person_detector_for
    from chatbot.management.commands.evaluate_bot import engines_for, load_documents, offline_encoder

    encoder = offline_encoder(None)
    languages = [code for code, _name in settings.LANGUAGES]
    engines = engines_for(load_documents(DEMO_ARTICLES, languages), encoder)
    return Bot(
        engine_for=engines.__getitem__,
        person_probability=person_detector_for(encoder).probability,
        site_languages=languages,
    )


@needs_encoder
@pytest.mark.parametrize(("language", "text", "expected"), PERSON_WORD_QUESTIONS)
def test_question_with_a_person_word_is_answered_not_handed_off(demo_bot, language, text, expected):
    turn = respond(demo_bot, text, language=language)
    assert turn.kind in (ReplyKind.ANSWER, ReplyKind.SUGGESTIONS), (turn.kind, [a.id for a in turn.ranked])
    assert expected in [a.id for a in turn.articles]


REQUESTS_FOR_A_PERSON = [
    ("en", "I want to talk to a human"),
    ("en", "can I speak to a real person please, this bot isn't helping"),
    ("fr", "je veux parler à quelqu'un"),
    ("fr", "Passez-moi un conseiller s'il vous plaît"),
    ("zh-hans", "转人工"),
    ("zh-hans", "我要找人工客服"),
    ("es", "quiero hablar con una persona"),
    ("es", "pásame con un agente humano, por favor"),
    ("de", "Ich möchte mit einem Menschen sprechen"),
    ("de", "Bitte verbinden Sie mich mit einem Mitarbeiter"),
    ("ja", "人と話したい"),
    ("ja", "オペレーターにつないでください"),
]


@pytest.mark.parametrize(("language", "text"), REQUESTS_FOR_A_PERSON)
def test_real_request_for_a_person_offers_one_in_every_language(demo, language, text):
    client = Client()
    reply = say(client, start(client, language), {"text": text})
    assert reply["kind"] == "offer_person", reply


def test_person_button_sends_a_structured_request_that_is_never_searched(demo):
    client = Client()
    cid = start(client, "fr")
    reply = say(client, cid, {"action": "person"})
    assert reply["kind"] == "offer_person" and reply["articles"] == []
    transcript = client.get(f"/api/chat/conversations/{cid}").json()["messages"]
    assert [m["role"] for m in transcript] == ["bot", "customer", "bot"]
    assert transcript[1]["text"] == "(a demandé à parler à une personne)"
    both = post(client, f"/api/chat/conversations/{cid}/messages", {"text": "bonjour", "action": "person"})
    assert both.status_code == 400
    unknown = post(client, f"/api/chat/conversations/{cid}/messages", {"action": "dance"})
    assert unknown.status_code == 400


@needs_encoder
def test_spanish_question_finds_the_english_only_invoice_article_with_a_notice(demo):
    client = Client()
    reply = say(client, start(client, "es"), {"text": "necesito ayuda con mi factura"})
    assert reply["kind"] in ("answer", "suggestions")
    card = reply["articles"][0]
    assert (card["slug"], card["language"], card["notice"]) == ("understand-invoice", "en", "En inglés")
    page = client.get("/es/search/", {"q": "factura"}).content.decode()
    assert "/es/articles/understand-invoice/" in page
    assert "En inglés" in page


@pytest.mark.parametrize(
    "text",
    ["", "   ", "a" * 2000, "😀😀🎉", "mon 密码 ist vergessen パスワード пароль", "\u200b\u200b", "?!"],
)
def test_odd_messages_never_error(demo, text):
    client = Client()
    response = post(client, f"/api/chat/conversations/{start(client, 'en')}/messages", {"text": text})
    assert response.status_code in (200, 400)
    body = response.json()
    assert ("reply" in body) if response.status_code == 200 else ("error" in body)


@needs_encoder
@pytest.mark.fresh_engines  # about what a rebuild embeds: the rebuilds must happen
def test_rebuild_after_one_edit_embeds_only_that_articles_texts(demo):
    from kb.indexes import answer_engine, clear_indexes
    from kb.models import Article

    encoder = sentence_encoder()
    answer_engine("en")
    before = encoder.computed
    clear_indexes()
    answer_engine("en")
    assert encoder.computed == before  # nothing changed: nothing embedded again
    article = Article.objects.get(slug="reset-password")
    article.summary_en = "A brand new summary about getting back into your account."
    article.save()
    clear_indexes()
    answer_engine("en")
    assert encoder.computed == before + 1  # the one changed text

    # A restart (an empty memory) reads the vectors from the database instead of embedding them.
    from kb.embeddings import DatabaseStore
    from kb.search.encoders import CachedEncoder

    fresh = CachedEncoder(encoder.encoder, DatabaseStore())
    fresh.embed([("passage", "A brand new summary about getting back into your account.")])
    assert fresh.computed == 0
