import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.conf import helpcenter_settings
from kb.exchange import record_to_json
from kb.models import Article
from kb.services import article_to_record


class Command(BaseCommand):
    help = "Write every article (drafts included) to a JSON Lines file, '-' for standard output."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Output path, or - for standard output.")
        parser.add_argument("--language", help="Export only this language's translations.")

    def handle(self, *args, file: str, language: str | None, **options):
        conf = helpcenter_settings()
        if language is not None and language not in conf.languages:
            raise CommandError(f"unknown language {language!r} (this site has: {', '.join(conf.languages)})")
        languages = [language] if language else conf.languages
        lines = []
        for article in Article.objects.select_related("category").order_by("id"):
            record = article_to_record(article, languages=languages, source_language=conf.source_language)
            if record.translations:
                lines.append(record_to_json(record) + "\n")
        if file == "-":
            sys.stdout.writelines(lines)
            return
        try:
            Path(file).write_text("".join(lines), encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"{file}: cannot write ({exc.strerror})") from None
        self.stdout.write(f"Exported {len(lines)} articles to {file}.")
