import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.languages import target_languages
from kb.translations import formats
from kb.translations.selectors import translations_export


class Command(BaseCommand):
    help = (
        "Write one language's translations of every article and category (source text, current "
        "translation, state, source revision) to an XLIFF 1.2 or PO file for translators; '-' for standard "
        "output."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="Output path, or - for standard output.")
        parser.add_argument("--language", required=True, help="The target language, e.g. fr.")
        parser.add_argument("--format", choices=sorted(formats.FORMATS), default="xliff", dest="fmt")

    def handle(self, *args, file: str, language: str, fmt: str, **options):
        try:
            bundle = translations_export(language=language)
        except formats.ExchangeError as exc:
            raise CommandError(f"{exc} (translation languages: {', '.join(target_languages())})") from None
        data = formats.write(bundle, fmt)
        if file == "-":
            sys.stdout.buffer.write(data)
            return
        try:
            Path(file).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"{file}: cannot write ({exc.strerror})") from None
        self.stdout.write(f"Exported {len(bundle.items)} articles and categories in {language} to {file}.")
