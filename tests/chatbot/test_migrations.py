"""The data migration that carries the chatbot's past answers into kb's shown-article counts."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("chatbot", "0002_alter_message_decision"), ("kb", "0005_article_shown_counts")]
AFTER = [("chatbot", "0003_article_shown_counts_from_messages")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def back_to_latest():
    """Whatever the test does, the database ends at the latest migrations for the tests after it."""
    yield
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_past_bot_answers_become_shown_counts_per_article_language_and_day(back_to_latest):
    apps = _migrate(BEFORE)
    category = apps.get_model("kb", "Category").objects.create(
        slug="general", slug_en="general", name="General", name_en="General"
    )
    article_model = apps.get_model("kb", "Article")
    shown, other = (
        article_model.objects.create(category=category, slug=slug, slug_en=slug, title=slug, title_en=slug)
        for slug in ("a", "b")
    )
    conversation = apps.get_model("chatbot", "Conversation").objects.create(
        language="de", timezone="UTC", owner="x"
    )
    message_model = apps.get_model("chatbot", "Message")
    for articles in ([{"id": shown.pk}], [{"id": shown.pk}, {"id": other.pk}], [{"id": 999_999}], []):
        message_model.objects.create(
            conversation=conversation, role="bot", text="", language="de", articles=articles
        )
    message_model.objects.create(
        conversation=conversation, role="customer", text="", language="de", articles=[{"id": other.pk}]
    )

    apps = _migrate(AFTER)
    counts = {
        (row.article_id, row.language, row.day): row.shown
        for row in apps.get_model("kb", "ArticleShownCount").objects.all()
    }
    today = timezone.localdate()
    assert counts == {(shown.pk, "de", today): 2, (other.pk, "de", today): 1}
