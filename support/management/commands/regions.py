from datetime import datetime

from django.core.management.base import BaseCommand, CommandError

from core.languages import site_languages
from support import schedule
from support.instants import parse_instant
from support.selectors import region_schedules


def _both(instant: datetime | None, sched: schedule.RegionSchedule) -> str:
    if instant is None:
        return "never (no hours)"
    local = instant.astimezone(sched._zone)
    return f"{local:%a %Y-%m-%d %H:%M} {local.tzname()} ({instant:%a %H:%M} UTC)"


class Command(BaseCommand):
    help = "Which regions are on shift, when each changes, and who answers each site language next."

    def add_arguments(self, parser):
        parser.add_argument("--at", help="ISO-8601 instant to look at (default: now; no offset means UTC).")

    def handle(self, *args, at: str | None = None, **options):
        try:
            now = parse_instant(at)
        except ValueError as exc:
            raise CommandError(f"--at {exc}") from None
        schedules = list(region_schedules().values())
        if not schedules:
            raise CommandError("no regions are configured (add some in the admin or run load_demo)")
        self.stdout.write(f"At {now:%a %Y-%m-%d %H:%M} UTC\n")
        for sched in sorted(schedules, key=lambda r: (r.order, r.code)):
            local = now.astimezone(sched._zone)
            holiday = sched.holiday_name(local.date())
            if sched.is_open(now):
                state, change = "OPEN  ", f"closes {_both(sched.next_close(now), sched)}"
            else:
                state, change = "closed", f"opens  {_both(sched.next_open(now), sched)}"
            note = f"  [today: {holiday}]" if holiday else ""
            self.stdout.write(
                f"{sched.code:6} {state} local {local:%a %H:%M} {sched.timezone:18} {change}"
                f"  speaks {', '.join(sorted(sched.languages))}{note}"
            )
        self.stdout.write("\nNext to answer, by language:")
        for code in site_languages():
            assignment = schedule.next_region_for(schedules, code, now)
            if assignment is None:
                self.stdout.write(f"  {code:8} nobody (no region ever opens)")
                continue
            when = "now" if assignment.open_now else _both(assignment.opens_at, assignment.region)
            flag = "" if assignment.covers_language else "  (no region speaks it)"
            self.stdout.write(f"  {code:8} {assignment.region.code:6} {when}{flag}")
