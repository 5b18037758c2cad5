"""The answering engine and policy on their own: no database."""

import ast
import sys
from pathlib import Path

import pytest

from chatbot.kinds import ReplyKind
from chatbot.policy import Decision, Reason, Thresholds, decide
from kb.search import AnswerEngine, Document, RankedArticle

DOCS = [
    Document(
        "reset-password",
        "Reset your password",
        ("I forgot my password", "can't log in", "locked out of my account"),
        "",
        "Open the sign-in page and choose Forgot password.",
    ),
    Document(
        "update-card",
        "Update your payment card",
        ("change my credit card", "my card expired", "payment failed"),
        "",
        "Go to Billing › Payment methods.",
    ),
    Document(
        "connect-ssh",
        "Connect with SSH",
        ("permission denied publickey", "cannot ssh into my server"),
        "",
        "Use ssh root@203.0.113.10.",
    ),
    Document("refunds", "Refunds", ("I want my money back", "charged twice"), "", "Ask within 60 days."),
]
DOCS_ZH = [
    Document("reset-password", "重置密码", ("忘记密码了", "登录不上"), "", "在登录页面点击忘记密码。"),
    Document("update-card", "更新付款银行卡", ("更换信用卡", "银行卡过期了"), "", "前往账单页面。"),
    Document("refunds", "退款", ("我要退款", "被重复扣款了"), "", "60 天内申请。"),
]
THRESHOLDS = Thresholds(answer=0.7, suggest=0.45)


@pytest.fixture(scope="module")
def engine():
    return AnswerEngine.build(DOCS, "en")


def test_engine_ranks_the_customers_phrasing_first(engine):
    assert engine.rank("i forgot my pasword")[0].id == "reset-password"
    assert engine.rank("my credit card has expired")[0].id == "update-card"
    assert engine.rank("they took the money two times")[0].id in {"refunds", "update-card"}


def test_engine_confidences_are_probabilities_and_snippets_come_from_the_body(engine):
    ranked = engine.rank("forgot my password")
    assert 0.5 < ranked[0].confidence <= 1.0
    assert all(0.0 <= item.confidence <= 1.0 for item in ranked)
    assert ranked[0].snippet == "Open the sign-in page and choose Forgot password."
    assert [ranked[0].snippet[s:e] for s, e in ranked[0].highlights] == ["Forgot", "password"]


def test_engine_chinese_with_and_without_spaces(tmp_path):
    engine = AnswerEngine.build(DOCS_ZH, "zh-hans")
    assert engine.rank("我忘记密码了")[0].id == "reset-password"
    assert engine.rank("我 忘记 密码 了")[0].id == "reset-password"
    assert engine.rank("信用卡过期")[0].id == "update-card"


@pytest.mark.parametrize("query", ["", "   ", "?!"])
def test_engine_empty_query_ranks_nothing_or_with_no_confidence(engine, query):
    ranked = engine.rank(query)
    assert decide(ranked, THRESHOLDS).kind == ReplyKind.CANNOT_HELP


def test_engine_huge_query_is_handled(engine):
    assert engine.rank("password " * 50_000)[0].id == "reset-password"


def test_engine_with_one_article_is_certain_of_it():
    engine = AnswerEngine.build(DOCS[:1], "en")
    assert engine.rank("password")[0].confidence == 1.0


def _ranked(*confidences, scores=None):
    scores = scores or [1.0 - i / 10 for i in range(len(confidences))]
    return [
        RankedArticle(f"a{i}", s, c, "", ()) for i, (c, s) in enumerate(zip(confidences, scores, strict=True))
    ]


def test_policy_confident_answers_with_one_article():
    decision = decide(_ranked(0.9, 0.05), THRESHOLDS)
    assert (decision.kind, [a.id for a in decision.articles]) == (ReplyKind.ANSWER, ["a0"])


def test_policy_close_call_suggests_up_to_three_without_noise():
    decision = decide(_ranked(0.5, 0.3, 0.2, 0.16, 0.01), THRESHOLDS)
    assert (decision.kind, [a.id for a in decision.articles]) == (ReplyKind.SUGGESTIONS, ["a0", "a1", "a2"])
    # A runner-up ranked far behind the first is noise, not a suggestion.
    assert [a.id for a in decide(_ranked(0.5, 0.01, scores=[1.0, 0.3]), THRESHOLDS).articles] == ["a0"]


def test_policy_low_confidence_says_it_cannot_help():
    assert decide(_ranked(0.2, 0.1), THRESHOLDS) == Decision(ReplyKind.CANNOT_HELP, (), Reason.LOW_CONFIDENCE)
    assert decide([], THRESHOLDS) == Decision(ReplyKind.CANNOT_HELP, (), Reason.NO_MATCH)


def test_policy_excludes_articles_already_shown():
    decision = decide(_ranked(0.9, 0.5), THRESHOLDS, exclude=frozenset({"a0"}))
    assert [a.id for a in decision.articles] == ["a1"]


@pytest.mark.parametrize(
    "module", ["kb/search/engine.py", "kb/search/intent.py", "chatbot/policy.py", "chatbot/kinds.py"]
)
def test_engine_and_policy_import_nothing_from_django_or_the_project(module):
    allowed = {"rapidfuzz", "numpy", "sklearn", "__future__"}
    tree = ast.parse((Path(__file__).resolve().parents[2] / module).read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            assert name.split(".")[0] in allowed | set(sys.stdlib_module_names), name


def test_engine_switches_to_nearest_neighbours_for_very_large_knowledge_bases(monkeypatch):
    from kb.search import intent

    monkeypatch.setattr(intent, "MAX_DENSE_WEIGHTS", 10)
    engine = AnswerEngine.build(DOCS, "en")
    assert engine.intents.kind == "neighbours"
    ranked = engine.rank("i forgot my password")
    assert ranked[0].id == "reset-password"
    assert abs(sum(engine.intents.probabilities("card expired")) - 1.0) < 1e-9


def test_engine_learns_from_bodies_when_articles_have_no_sample_questions():
    docs = [
        Document(
            "cookies",
            "Login cookie problems",
            (),
            "",
            "The login cookie isn't being set because the cookie domain does not match your browser's "
            "domain. Set the session cookie domain to your site.",
        ),
        Document(
            "static",
            "Serving static files",
            (),
            "",
            "Static files such as CSS and images are collected into one folder and served by the web "
            "server, not by the application.",
        ),
        Document(
            "email",
            "Sending e-mail",
            (),
            "",
            "Configure the mail server host and port, then send messages with the mail API. Use a console "
            "backend while developing.",
        ),
    ]
    engine = AnswerEngine.build(docs, "en")
    assert engine.intents.kind == "classifier"
    ranked = engine.rank("my login cookie is not set for my domain")
    assert ranked[0].id == "cookies"
    assert decide(ranked, THRESHOLDS).kind != ReplyKind.CANNOT_HELP
    # Too few phrasings to calibrate on: the fallback thresholds still refuse an unrelated question.
    assert not engine.calibration.fitted
    assert decide(engine.rank("what is the weather in Lisbon"), THRESHOLDS).kind == ReplyKind.CANNOT_HELP
