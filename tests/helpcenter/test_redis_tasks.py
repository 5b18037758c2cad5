"""Background tasks through Redis (TASKS_BACKEND=django_tasks_rq.RQBackend): enqueued into a real
Redis server and run by an RQ worker, as in production. Skipped only where no Redis is reachable
and this is not CI (.ci/run starts one; in CI a missing Redis is a failure)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import redis
from django.core.management import call_command
from django.tasks import TaskResultStatus, task_backends

from kb.tasks import engines_build
from support.services import ticket_create
from tests.factories import make_article
from tests.support.factories import make_demo_regions

ROOT = Path(__file__).resolve().parents[2]
# A database number of its own, flushed by these tests: never the cache's or production's queue.
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


def _redis_or_skip():
    try:
        connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must test the Redis task backend, but no Redis answers at {REDIS_URL}: {exc}")
        pytest.skip(f"no Redis server reachable at {REDIS_URL} (.ci/run starts one)")
    return connection


@pytest.fixture
def rq(settings):
    connection = _redis_or_skip()
    connection.flushdb()
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 600}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    yield connection
    connection.flushdb()


def _work_burst():
    """What `manage.py rqworker --job-class django_tasks_rq.Job default` does, until the queue is
    empty, in this process (so that it sees the test database)."""
    call_command(
        "rqworker", "default", burst=True, job_class="django_tasks_rq.Job", worker_class="rq.SimpleWorker"
    )


# transaction=True: the RQ worker closes database connections around each job, as in production.
@pytest.mark.django_db(transaction=True)
def test_an_engine_build_goes_through_redis_and_its_result_comes_back(rq, settings, tmp_path):
    make_article(slug="dns", translations={"en": {"title": "DNS records", "questions": ["add an A record"]}})
    make_article(slug="refunds", translations={"en": {"title": "Refunds", "questions": ["money back"]}})
    settings.HELPCENTER_ENGINE_ARTIFACTS = str(tmp_path)  # after the edits, which would queue builds too
    result = engines_build.enqueue()
    assert type(task_backends["default"]).__name__ == "RQBackend"
    # Waiting in Redis, not run yet.
    assert rq.llen("rq:queue:default") == 1
    assert result.status == TaskResultStatus.READY
    assert not list(tmp_path.glob("en-*"))

    _work_burst()

    result.refresh()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == ["en", "fr", "zh-hans", "es", "de", "ja"]
    assert len(list(tmp_path.glob("en-*"))) == 1
    assert rq.llen("rq:queue:default") == 0


@pytest.mark.django_db(transaction=True)
def test_a_new_ticket_e_mail_is_queued_in_redis_and_sent_by_the_worker(rq, mailoutbox):
    make_demo_regions()
    ticket = ticket_create(
        requester_email="c@example.com", subject="VPN", message="It drops", language="en", source="web"
    ).ticket
    assert mailoutbox == []  # queued, not sent in the request
    assert rq.llen("rq:queue:default") == 1
    _work_burst()
    assert [m.to for m in mailoutbox] == [["c@example.com"]]
    assert ticket.reference in mailoutbox[0].subject + mailoutbox[0].body


def test_the_environment_selects_the_redis_backend_and_keeps_the_database_one_by_default():
    def backend(**env):
        code = "import django; django.setup(); from django.tasks import task_backends; "
        code += "print(type(task_backends['default']).__module__)"
        environ = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
        environ.update(
            DJANGO_SETTINGS_MODULE="helpcenter.settings.production",
            DJANGO_SECRET_KEY="x" * 50,
            CHANNEL_LAYER_URL="redis://127.0.0.1:6379/2",  # production requires the live chat's layer
            PYTHONPATH=str(ROOT),
            **env,
        )
        done = subprocess.run(
            [sys.executable, "-c", code], env=environ, cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert backend() == "django_tasks_db.backend"
    assert backend(TASKS_BACKEND="django_tasks_rq.RQBackend") == "django_tasks_rq.backend"
