from collections import Counter
from pathlib import Path

from django.conf.locale import LANG_INFO
from django.core.management.base import BaseCommand, CommandError

from kb.conf import helpcenter_settings
from kb.exchange import ImportFileError, parse_article_lines
from kb.services import UploadRefused, articles_import


class Command(BaseCommand):
    help = "Create or update articles from a JSON Lines file (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Path to a .jsonl file in the article exchange format.")

    def handle(self, *args, file: str, **options):
        conf = helpcenter_settings()
        path = Path(file)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        except UnicodeDecodeError as exc:
            raise CommandError(f"{file}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from None
        try:
            records = parse_article_lines(
                lines,
                filename=file,
                languages=conf.languages,
                source_language=conf.source_language,
                known_languages=LANG_INFO,
            )
        except ImportFileError as exc:
            for message in exc.messages[:-1]:
                self.stderr.write(message)
            raise CommandError(exc.messages[-1] + " (nothing was imported)") from None
        skipped = Counter(code for record in records for code in record.skipped_languages)
        for code, count in sorted(skipped.items()):
            self.stderr.write(
                f"{file}: skipped {count} translations in {code!r}, a language this site does not offer "
                "(add it to LANGUAGES to import them)"
            )
        try:
            result = articles_import(records=records, source_language=conf.source_language)
        except UploadRefused as exc:
            raise CommandError(f"{file}: {exc} (nothing was imported)") from None
        self.stdout.write(
            f"Imported {len(records)} articles from {file}: {result.created} created, "
            f"{result.updated} updated, {result.categories_created} new categories."
        )
