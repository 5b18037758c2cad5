"""The translators' priorities now read how often the chatbot showed each article from kb's own
table (kb.ArticleShownCount, written through kb.services.article_shown_record) instead of reading
the chatbot's messages. This fills that table from the messages of the last 90 days (the window the
priorities look at), so that the priorities do not start from nothing after the upgrade."""

from collections import Counter
from datetime import timedelta

from django.db import migrations
from django.utils import timezone

DEMAND_DAYS = 90


def backfill(apps, schema_editor):
    message_model = apps.get_model("chatbot", "Message")
    article_model = apps.get_model("kb", "Article")
    shown_model = apps.get_model("kb", "ArticleShownCount")
    since = timezone.now() - timedelta(days=DEMAND_DAYS)
    counts: Counter = Counter()
    rows = message_model.objects.filter(role="bot", created_at__gte=since).exclude(articles=[])
    for language, created_at, articles in rows.values_list("language", "created_at", "articles").iterator():
        day = timezone.localdate(created_at)
        counts.update(
            (item["id"], language, day) for item in articles if isinstance(item, dict) and "id" in item
        )
    existing = set(
        article_model.objects.filter(pk__in={key[0] for key in counts}).values_list("pk", flat=True)
    )
    shown_model.objects.bulk_create(
        [
            shown_model(article_id=article_id, language=language, day=day, shown=n)
            for (article_id, language, day), n in counts.items()
            if article_id in existing
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chatbot", "0002_alter_message_decision"),
        ("kb", "0005_article_shown_counts"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
