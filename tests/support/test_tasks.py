from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.tasks import task_backends

from support.services import ticket_create
from tests.support.factories import make_demo_regions


@pytest.fixture
def database_queue(settings):
    # Django resets its task backends when TASKS changes (django.tasks.signals).
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    assert type(task_backends["default"]).__name__ == "DatabaseBackend"


@pytest.mark.django_db(transaction=True)
def test_customer_email_waits_in_the_database_queue_until_a_worker_runs(database_queue):
    from django_tasks_db.models import DBTaskResult

    make_demo_regions()
    ticket = ticket_create(
        requester_email="c@example.com",
        subject="s",
        message="m",
        language="fr",
        source="web",
        now=datetime(2026, 11, 28, 23, 0, tzinfo=UTC),
    ).ticket
    assert DBTaskResult.objects.count() == 1
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--no-startup-delay")
    assert [m.to for m in mail.outbox] == [["c@example.com"]]
    assert ticket.reference in mail.outbox[0].subject
