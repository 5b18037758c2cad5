import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import DatabaseError

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, **env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DJANGO_SETTINGS_MODULE": "helpcenter.settings.production",
            **env,
        },
    )


def test_production_settings_pass_check_deploy():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY="x" * 30 + "production-secret-key-for-the-check-only",
        DJANGO_ALLOWED_HOSTS="help.example.com",
        CHANNEL_LAYER_URL="redis://127.0.0.1:6379/2",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_shared_channel_layer():
    # The in-memory layer would keep an agent on one machine from hearing a customer on another.
    result = _manage("check", DJANGO_SECRET_KEY="x" * 60, CHANNEL_LAYER_URL="")
    assert result.returncode != 0
    assert "CHANNEL_LAYER_URL must name the Redis database" in result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _manage("check", DJANGO_SECRET_KEY="")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


@pytest.mark.django_db
def test_health_reports_database_and_cache(client):
    response = client.get("/healthz")
    body = response.json()
    assert (response.status_code, body["status"], body["database"], body["cache"]) == (200, "ok", "ok", "ok")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_tells_which_engines_the_worker_has_built(client):
    import os

    from kb.indexes import answer_engine
    from tests.factories import make_article

    make_article(slug="dns", translations={"en": {"title": "DNS"}})
    assert client.get("/healthz").json()["engines"] == []
    answer_engine("fr")
    body = client.get("/healthz").json()
    assert body["engines"] == ["fr"] and body["worker"] == os.getpid()


@pytest.mark.django_db
def test_health_is_503_when_the_database_is_down(client, monkeypatch):
    from helpcenter import health

    class Broken:
        def __enter__(self):
            raise DatabaseError("connection refused")

        def __exit__(self, *exc):
            return False

    monkeypatch.setattr(health.connection, "cursor", lambda: Broken())
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert (body["status"], body["database"], body["cache"]) == ("unavailable", "unavailable", "ok")


@pytest.mark.django_db
def test_rate_limits_count_per_client_behind_the_proxy(client, settings):
    from kb.models import SearchLog

    settings.HELPCENTER_PROXY_IP_HEADER = "HTTP_X_REAL_IP"
    # A day-long window: a per-minute one could roll over in the middle of the test on a slow machine.
    settings.HELPCENTER_SEARCH_RATE = "60/d"
    from tests.factories import make_article

    make_article(slug="dns")
    one = [
        client.get("/en/search/?q=dns", headers={"x-real-ip": "198.51.100.7"}).status_code for _ in range(61)
    ]
    other = client.get("/en/search/?q=dns", headers={"x-real-ip": "198.51.100.8"})
    assert one[-1] == 429 and other.status_code == 200
    # Without the header (a health check straight to gunicorn) the peer address is used.
    assert client.get("/en/search/?q=dns").status_code == 200
    assert SearchLog.objects.count() == 62
