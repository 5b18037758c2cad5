from django.core.management.base import BaseCommand, CommandError

from support.instants import parse_instant
from support.notifications import emails_retry
from support.services import deliveries_send, handoff_run


class Command(BaseCommand):
    help = (
        "Hand waiting tickets to the next region at each shift end, and retry hand-off posts and customer "
        "e-mails that failed (safe to run every minute)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 instant to act as now (default: now).")

    def handle(self, *args, at: str | None = None, **options):
        try:
            now = parse_instant(at)
        except ValueError as exc:
            raise CommandError(f"--at {exc}") from None
        results = handoff_run(now=now)
        for result in results:
            handoff = result.handoff
            self.stdout.write(
                f"{handoff.from_region.code} shift ended {handoff.shift_end:%Y-%m-%d %H:%M} UTC: "
                f"{result.moved} ticket(s) handed off"
            )
        retried = deliveries_send(now=now)
        if not results:
            self.stdout.write("No shift ended that still needed a hand-off.")
        if retried:
            self.stdout.write(f"{retried} hand-off summary(ies) posted.")
        emailed = emails_retry(now=now)
        if emailed:
            self.stdout.write(f"{emailed} customer e-mail(s) sent on a retry.")
