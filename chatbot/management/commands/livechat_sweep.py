from django.core.management.base import BaseCommand, CommandError

from chatbot.live import live_chats_sweep
from support.instants import parse_instant


class Command(BaseCommand):
    help = (
        "Live chats whose region's shift has ended, active chats whose agent has had no agents' page open "
        "for longer than being offline and the drop's grace time, and waiting chats nobody online can "
        "take, become tickets for the next region; the customers are told (safe to run every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 instant to act as now (default: now).")

    def handle(self, *args, at: str | None = None, **options):
        try:
            now = parse_instant(at)
        except ValueError as exc:
            raise CommandError(f"--at {exc}") from None
        self.stdout.write(f"{live_chats_sweep(now=now)} live chat(s) made into tickets")
