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


# --- livechat_sweep ------------------------------------------------------------------------------


def _two_active_chats(at):
    """Camille's chat and Louis's, both taken at `at` in EMEA (always open, the only French team)."""
    from chatbot import live
    from tests.chatbot.livechat import customer_chat, live_regions, make_agent

    emea, _amer = live_regions()
    chats = []
    for username, name, email in [
        ("camille", "Camille", "a@example.com"),
        ("louis", "Louis", "b@example.com"),
    ]:
        agent = make_agent(username, emea, display_name=name, now=at)
        conversation, _token = customer_chat()
        live.live_request(conversation=conversation, email=email, name="", now=at)
        live.live_accept(conversation=conversation, agent=agent, now=at)
        chats.append((conversation, agent))
    return chats


@pytest.mark.django_db
def test_livechat_sweep_makes_a_ticket_of_the_chat_whose_agent_went_silent_and_leaves_the_other(settings):
    """Through the command, as cron runs it: an active chat whose agent's pages stopped beating for
    longer than being offline and the drop's grace time becomes a ticket for the region that answers
    next (the customer told why, in French); the chat of an agent still present is left alone; a second
    run finds nothing more to do and makes no second ticket."""
    from datetime import UTC, datetime, timedelta
    from io import StringIO

    from chatbot.models import ConversationStatus, LiveStatus, Role
    from support.models import AgentProfile, Ticket, TicketSource

    taken = datetime(2026, 12, 8, 10, 0, tzinfo=UTC)
    (gone, camille), (kept, louis) = _two_active_chats(taken)
    at = taken + timedelta(
        seconds=settings.HELPCENTER_AGENT_OFFLINE_SECONDS + settings.HELPCENTER_LIVECHAT_DROP_SECONDS + 60
    )
    # Louis's page still beats; Camille's last heartbeat is from when she took the chat.
    AgentProfile.objects.filter(user=louis).update(last_seen_at=at - timedelta(seconds=5))
    out = StringIO()

    call_command("livechat_sweep", "--at", at.isoformat(), stdout=out)

    assert out.getvalue() == "1 live chat(s) made into tickets\n"
    gone.refresh_from_db()
    kept.refresh_from_db()
    assert (gone.live_status, gone.status) == (LiveStatus.ENDED, ConversationStatus.ESCALATED)
    ticket = Ticket.objects.get()
    assert gone.ticket == ticket
    assert (ticket.region.code, ticket.source, ticket.requester_email) == (
        "EMEA",
        TicketSource.CHAT,
        "a@example.com",
    )
    assert ticket.transcript  # the whole chat goes with it
    assert gone.messages.filter(
        role=Role.NOTICE, text__startswith="Nous avons perdu la connexion avec Camille."
    ).exists()
    assert (kept.live_status, kept.agent, kept.ticket) == (LiveStatus.ACTIVE, louis, None)

    again = StringIO()
    call_command("livechat_sweep", "--at", (at + timedelta(seconds=1)).isoformat(), stdout=again)
    assert again.getvalue() == "0 live chat(s) made into tickets\n"
    assert Ticket.objects.count() == 1


@pytest.mark.django_db
def test_livechat_sweep_on_the_command_line_exits_1_on_a_bad_instant_and_changes_nothing(capsys, monkeypatch):
    """What cron sees: a message on stderr and exit status 1, nothing swept (even the chat of an
    agent long gone stays as it was)."""
    from datetime import UTC, datetime

    from chatbot.management.commands.livechat_sweep import Command
    from chatbot.models import LiveStatus
    from support.models import Ticket

    (gone, _camille), _kept = _two_active_chats(datetime(2026, 12, 8, 10, 0, tzinfo=UTC))
    from django.db import connections

    # run_from_argv closes every connection when the command ends: on PostgreSQL that would end
    # this test's transaction (and its data) before the checks below.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    with pytest.raises(SystemExit) as exited:
        # What manage.py runs after django.setup(); setup again here would hand the logging
        # configuration this test's captured stderr, closed once the test ends.
        Command().run_from_argv(["manage.py", "livechat_sweep", "--at", "tomorrow"])
    assert exited.value.code == 1
    assert "--at 'tomorrow' is not an ISO-8601 date and time" in capsys.readouterr().err
    gone.refresh_from_db()
    assert gone.live_status == LiveStatus.ACTIVE and not Ticket.objects.exists()
