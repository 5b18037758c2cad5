from django.core.management.base import BaseCommand, CommandError

from kb import indexes
from kb.conf import helpcenter_settings


class Command(BaseCommand):
    help = (
        "Build the chatbot/search engines of the current content into HELPCENTER_ENGINE_ARTIFACTS "
        "(run at a deployment, before restarting the web workers, so that they start by loading them)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--language", action="append", help="Only this language (repeatable).")

    def handle(self, *args, language: list[str] | None, **options):
        conf = helpcenter_settings()
        if not conf.engine_artifacts:
            raise CommandError("HELPCENTER_ENGINE_ARTIFACTS is not set: each process builds its own engines")
        unknown = sorted(set(language or ()) - set(conf.languages))
        if unknown:
            raise CommandError(
                f"unknown language {unknown[0]!r} (this site has: {', '.join(conf.languages)})"
            )
        done = indexes.engines_prepare(language or conf.languages)
        self.stdout.write(f"Engines ready in {conf.engine_artifacts}: {', '.join(done)}.")
