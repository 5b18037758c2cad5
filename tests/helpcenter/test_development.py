"""What a newcomer meets with `make run`: links to the address the site runs at, e-mails printed so
that their links can be clicked, each log line once, no tracebacks for ordinary 403/404s, and the
site's own (translated) error pages unless debug pages are asked for."""

import io
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from helpcenter.mail import ReadableConsoleBackend
from tests.factories import make_staff

ROOT = Path(__file__).resolve().parents[2]


def _run_command(host: str) -> str:
    """The command `make run HOST=<host>` starts (make -n prints it without running it)."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    lines = subprocess.run(
        [make, "-s", "-n", "run", f"HOST={host}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    return next(line for line in lines if "runserver" in line)


def _site_url_seen_by(command: str, **env) -> str:
    """What HELPCENTER_SITE_URL the server started by `command` would get."""
    prefix = command.split(" .venv/bin/python", 1)[0]  # the variables set for the server
    shown = subprocess.run(
        ["sh", "-c", f"{prefix} sh -c 'printf %s \"$HELPCENTER_SITE_URL\"'"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"], **env},
    )
    return shown.stdout


def test_make_run_gives_the_site_the_address_it_runs_at():
    command = _run_command("127.0.0.1:8123")
    assert command.rstrip().endswith("runserver 127.0.0.1:8123")
    assert _site_url_seen_by(command) == "http://127.0.0.1:8123"
    # An address set on purpose (a proxy in front) is kept.
    assert _site_url_seen_by(command, HELPCENTER_SITE_URL="https://help.example") == "https://help.example"


def test_console_mail_prints_decoded_text_with_links_whole():
    link = "http://127.0.0.1:8123/fr/requests/NIM-2026-000123/?token=abc.def-ghi_jkl=mno%3D" + "x" * 80
    message = EmailMultiAlternatives(
        subject="Votre demande NIM-2026-000123 — réponse",
        body=f"Bonjour Marie,\n\nSuivez votre demande : {link}\n\nL’équipe support",
        from_email="Nimbus Cloud Support <support@nimbus.example>",
        to=["marie@example.com"],
    )
    message.attach_alternative(f'<p><a href="{link}">Suivre</a></p>', "text/html")
    message.attach("note.txt", "Une pièce jointe", "text/plain")  # named, not printed
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert "Subject: Votre demande NIM-2026-000123 — réponse" in printed
    assert "To: marie@example.com" in printed
    assert f"Suivez votre demande : {link}\n" in printed
    assert "L’équipe support" in printed and "=3D" not in printed and "=C3" not in printed
    assert f'href="{link}"' in printed
    assert "[attachment: note.txt (text/plain)]" in printed and "Une pièce jointe" not in printed


def test_development_settings_show_debug_pages_only_when_asked_for():
    def debug(**env):
        return subprocess.run(
            [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            env={
                **{k: v for k, v in os.environ.items() if k != "DJANGO_DEBUG"},
                "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
                **env,
            },
        ).stdout.strip()

    assert debug() == "False"
    assert debug(DJANGO_DEBUG="1") == "True"


@pytest.fixture
def console():
    """What the configured log handlers print (settings LOGGING), read back as text: every stream
    handler on the way of a request's log record (Django's own as well as the root's)."""
    buffer = io.StringIO()
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in ("django", "django.request"))]
    handlers = {
        handler
        for logger in loggers
        for handler in logger.handlers
        if isinstance(handler, logging.StreamHandler) and not type(handler).__module__.startswith("_pytest")
    }
    previous = {handler: handler.setStream(buffer) for handler in handlers}
    yield buffer
    for handler, stream in previous.items():
        handler.setStream(stream)


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_an_ordinary_403_is_logged_once_without_a_traceback(client, console):
    client.force_login(make_staff(username="agent", permissions=("support.view_ticket",)))
    assert client.get("/en/editors/content-gaps/").status_code == 403
    printed = console.getvalue()
    assert printed.count("Forbidden (Permission denied): /en/editors/content-gaps/") == 1, printed
    assert "Traceback" not in printed


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_an_ordinary_404_is_logged_once_without_a_traceback(client, console):
    assert client.get("/en/articles/no-such-article/").status_code == 404
    printed = console.getvalue()
    assert printed.count("Not Found: /en/articles/no-such-article/") == 1, printed
    assert "Traceback" not in printed
