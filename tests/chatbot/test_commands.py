import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.factories import make_article
from tests.support.factories import make_demo_regions

ARTICLES = [
    {
        "slug": "reset-password",
        "category": "account",
        "translations": {
            "en": {
                "title": "Reset your password",
                "body": "Use **Forgot password**.",
                "questions": ["I forgot my password", "can't log in"],
            },
            "fr": {
                "title": "Réinitialiser le mot de passe",
                "body": "",
                "questions": ["j'ai oublié mon mot de passe"],
            },
        },
    },
    {
        "slug": "update-card",
        "category": "billing",
        "translations": {
            "en": {
                "title": "Update your card",
                "body": "",
                "questions": ["change my credit card", "card expired"],
            },
            "fr": {"title": "Changer de carte", "body": "", "questions": ["changer ma carte bancaire"]},
        },
    },
]
QUERIES = [
    {"id": "1", "language": "en", "text": "forgot my password", "expected": "reset-password"},
    {"id": "2", "language": "fr", "text": "changer ma carte", "expected": "update-card"},
    {"id": "3", "language": "en", "text": "what is the weather in Paris", "expected": None},
]


def _write(path: Path, rows) -> Path:
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluate_bot_prints_the_metrics_as_json_without_touching_the_database(tmp_path, capsys):
    call_command(
        "evaluate_bot",
        articles=str(_write(tmp_path / "a.jsonl", ARTICLES)),
        queries=str(_write(tmp_path / "q.jsonl", QUERIES)),
        json=True,
    )
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == {
        "queries",
        "top1",
        "top3",
        "in_scope_accuracy",
        "oos_recall",
        "p50_ms",
        "p95_ms",
        "index_build_s",
        "thresholds",
        "outcomes",
    }
    assert (metrics["queries"], metrics["top1"], metrics["top3"]) == (3, 1.0, 1.0)
    assert 0 <= metrics["oos_recall"] <= 1


def test_evaluate_bot_bad_files_are_one_clear_error(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"slug": "x"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:1: not an article line"):
        call_command("evaluate_bot", articles=str(bad), queries=str(bad))
    with pytest.raises(CommandError, match="cannot read"):
        call_command("evaluate_bot", articles=str(tmp_path / "missing"), queries=str(bad))


@pytest.mark.django_db
def test_ask_answers_from_the_sites_articles_and_names_the_escalation_region(capsys, settings):
    # As in development and production: a cold process would answer with the words-only stand-in.
    settings.HELPCENTER_ENGINE_BACKGROUND_REBUILD = True
    make_demo_regions()
    make_article(
        slug="reset-password",
        translations={
            "en": {"title": "Reset your password", "questions": ["I forgot my password"]},
            "fr": {"title": "Réinitialiser le mot de passe", "questions": ["j'ai oublié mon mot de passe"]},
        },
    )
    make_article(
        slug="update-card",
        translations={"en": {"title": "Update your card", "questions": ["change my credit card"]}},
    )
    call_command("ask", "j'ai oublié mon mot de passe", language="fr", json=True)
    result = json.loads(capsys.readouterr().out)
    assert (result["decision"], result["articles"][0]["slug"]) == ("answer", "reset-password")
    assert result["provisional"] is False  # the full engine's decision, as customers get it
    call_command("ask", "zzzz qqqq", language="fr", at="2026-11-28T23:00Z", json=True)
    result = json.loads(capsys.readouterr().out)
    assert result["decision"] == "cannot_help"
    assert result["escalation"] == {
        "region": "EMEA",
        "opens_at": "2026-11-30T08:00:00+00:00",
        "open_now": False,
        "covers_language": True,
    }


@pytest.mark.django_db
def test_ask_unknown_language_is_an_error():
    with pytest.raises(CommandError, match="unknown language 'xx'"):
        call_command("ask", "hello", language="xx")
