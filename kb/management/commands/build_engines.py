import argparse
import os

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
        # A web worker that needs an engine builds it through this command in a child process,
        # holding the build lock itself (kb/indexes.py).
        parser.add_argument("--caller-holds-lock", action="store_true", help=argparse.SUPPRESS)
        # Child processes build at a lower CPU priority than the web workers that keep answering.
        parser.add_argument("--niceness", type=int, default=0, help=argparse.SUPPRESS)

    def handle(self, *args, language: list[str] | None, caller_holds_lock: bool, niceness: int, **options):
        if niceness > 0:
            os.nice(niceness)
        conf = helpcenter_settings()
        if not conf.engine_artifacts:
            raise CommandError("HELPCENTER_ENGINE_ARTIFACTS is not set: each process builds its own engines")
        unknown = sorted(set(language or ()) - set(conf.languages))
        if unknown:
            raise CommandError(
                f"unknown language {unknown[0]!r} (this site has: {', '.join(conf.languages)})"
            )
        done = indexes.engines_prepare(language or conf.languages, locking=not caller_holds_lock)
        if options["verbosity"]:
            self.stdout.write(f"Engines ready in {conf.engine_artifacts}: {', '.join(done)}.")
