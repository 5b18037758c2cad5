from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from kb import revisions, workflow


class Command(BaseCommand):
    help = (
        "Read an XLIFF 1.2 or PO file made by export_translations and save its translations. The whole "
        "file is checked first (unknown article, wrong language, malformed file, source changed since "
        "the export); on any error nothing is saved."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=sorted(workflow.FORMATS), dest="fmt", help="Default: from the file name.")

    def handle(self, *args, file: str, fmt: str | None, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"{file}: cannot read ({exc.strerror})") from None
        try:
            bundle = workflow.read(data, fmt or workflow.guess_format(file, data))
            summary = revisions.import_bundle(bundle)
        except workflow.ExchangeError as exc:
            raise CommandError(f"{file}: {exc}") from None
        self.stdout.write(
            f"Imported {file} ({summary.language}): {len(summary.updated)} updated, {summary.unchanged} unchanged."
        )
