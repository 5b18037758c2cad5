"""One e-mail on standard input into the intake: the door for a Postfix pipe or an LMTP/procmail
delivery (README: "Connecting a mailbox"). Exit 0 once the message is stored, even when it cannot be
read (it is then flagged for an agent); 75 (EX_TEMPFAIL) when it could not be stored, so the mail
server keeps it and tries again."""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from mail.models import Door, Mailbox
from mail.services import door_receive

EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Store and process one raw e-mail read from standard input."

    def add_arguments(self, parser):
        parser.add_argument(
            "--mailbox", help="the mailbox address it was sent to (default: from its headers)"
        )

    def handle(self, *args, **options):
        mailbox = None
        if options["mailbox"]:
            mailbox = Mailbox.objects.filter(address__iexact=options["mailbox"]).first()
            if mailbox is None:
                raise CommandError(f"no mailbox {options['mailbox']} (add it in the admin)")
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            raise CommandError("no message on standard input")
        try:
            email = door_receive(raw=raw, door=Door.PIPE, mailbox=mailbox)
        except DatabaseError as exc:
            self.stderr.write(f"could not store the message: {exc}")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"{email.pk} {email.status}{': ' + email.reason if email.reason else ''}")
