from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb.translations import formats
from kb.translations.services import translations_import


class Command(BaseCommand):
    help = (
        "Read an XLIFF 1.2 or PO file made by export_translations and save its translations. The whole "
        "file is checked first (unknown article, wrong language, malformed file, source changed since "
        "the export); on any error nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format", choices=sorted(formats.FORMATS), dest="fmt", help="Default: from the file name."
        )

    def handle(self, *args, file: str, fmt: str | None, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from None
        try:
            bundle = formats.read(data, fmt or formats.guess_format(file, data))
            summary = translations_import(bundle=bundle)
        except formats.ExchangeError as exc:
            raise CommandError(f"{file}: {exc}") from None
        self.stdout.write(
            f"Imported {file} ({summary.language}): {len(summary.updated)} updated, {summary.unchanged} "
            "unchanged."
        )
