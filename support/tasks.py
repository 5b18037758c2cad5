"""Work done after a request, by the tasks framework: the immediate backend runs it in-process in
development and tests; production queues it in the database for `manage.py db_worker`."""

from datetime import datetime

from django.contrib.auth import get_user_model
from django.tasks import task

from kb.models import Article

from . import notifications
from .models import Ticket


@task
def send_ticket_created_email(
    ticket_id: int, opens_at: str, open_now: bool, now: str, article_ids: list[int] | None = None
) -> None:
    ticket = Ticket.objects.select_related("region").get(pk=ticket_id)
    by_id = Article.objects.in_bulk(article_ids or [])
    notifications.send_ticket_created(
        ticket,
        opens_at=datetime.fromisoformat(opens_at),
        open_now=open_now,
        now=datetime.fromisoformat(now),
        suggested_articles=[by_id[pk] for pk in article_ids or () if pk in by_id],
    )


@task
def send_agent_reply_email(ticket_id: int, body: str, author_id: int | None = None) -> None:
    ticket = Ticket.objects.select_related("region").get(pk=ticket_id)
    author = get_user_model().objects.select_related("agent_profile").filter(pk=author_id).first()
    notifications.send_agent_reply(ticket, body_text=body, author=author)


@task
def send_satisfaction_email(ticket_id: int) -> None:
    ticket = Ticket.objects.select_related("region").get(pk=ticket_id)
    notifications.send_satisfaction_request(ticket)
