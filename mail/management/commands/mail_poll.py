"""Fetch the IMAP mailboxes (README: "Connecting a mailbox"). `--once` fetches each active mailbox
once and exits (cron, a task); without it, one mailbox is watched for ever, with IDLE where the
server offers it. Only one poller holds a mailbox at a time, across machines."""

from django.core.management.base import BaseCommand, CommandError

from mail.imap import MailboxBusy, mailbox_poll, mailbox_watch
from mail.models import Mailbox
from mail.services import emails_reprocess


class Command(BaseCommand):
    help = "Fetch new e-mail from the IMAP mailboxes into tickets."

    def add_arguments(self, parser):
        parser.add_argument("--mailbox", help="only this mailbox address")
        parser.add_argument("--once", action="store_true", help="fetch once and exit")
        parser.add_argument("--limit", type=int, default=None, help="at most this many messages per mailbox")

    def handle(self, *args, **options):
        mailboxes = Mailbox.objects.filter(active=True).exclude(imap_host="")
        if options["mailbox"]:
            mailboxes = mailboxes.filter(address__iexact=options["mailbox"])
        mailboxes = list(mailboxes)
        if not mailboxes:
            raise CommandError("no active IMAP mailbox (add one in the admin, with its server)")
        if not options["once"]:
            if len(mailboxes) != 1:
                raise CommandError("watch one mailbox per process: give --mailbox (or use --once)")
            mailbox_watch(mailbox=mailboxes[0])
            return
        errors = 0
        for mailbox in mailboxes:
            try:
                result = mailbox_poll(mailbox=mailbox, limit=options["limit"])
            except MailboxBusy:
                self.stdout.write(f"{mailbox.address}: another poller is fetching it")
                continue
            except Exception as exc:  # noqa: BLE001 - one line per mailbox, then the next one
                errors += 1
                self.stderr.write(f"{mailbox.address}: {type(exc).__name__}: {exc}")
                continue
            self.stdout.write(
                f"{mailbox.address}: {result.fetched} fetched, {result.stored} new, "
                f"{result.failed} unreadable"
            )
        # Mail stored earlier but not processed (a crash, no region configured yet) is retried here.
        retried = emails_reprocess()
        if retried.processed:
            self.stdout.write(
                f"{retried.processed} stored e-mail(s) processed again, {retried.failed} unreadable"
            )
        if errors:
            raise CommandError(f"{errors} mailbox(es) could not be fetched")
