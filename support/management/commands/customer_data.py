import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from support.services import customer_data_erase, customer_data_export


class Command(BaseCommand):
    help = (
        "Export (JSON) or erase everything stored about a customer's e-mail address: chats, tickets, "
        "messages and notes, e-mails, hand-off summaries, feedback. Erasing is recorded and cannot be undone."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "erase"])
        parser.add_argument("email")
        parser.add_argument("--output", help="export: write the JSON to this file instead of standard output")
        parser.add_argument("--yes", action="store_true", help="erase: confirm that it cannot be undone")
        parser.add_argument("--by", help="erase: the username recorded as having erased (default: none)")

    def handle(self, *args, action: str, email: str, output=None, yes=False, by=None, **options):
        try:
            validate_email(email.strip())
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid e-mail address") from None
        if action == "export":
            text = json.dumps(customer_data_export(email=email), ensure_ascii=False, indent=2)
            if output:
                try:
                    Path(output).write_text(text + "\n", encoding="utf-8")
                except OSError as exc:
                    raise CommandError(f"cannot write {output}: {exc.strerror}") from None
            else:
                self.stdout.write(text)
            return
        if not yes:
            raise CommandError("erasing cannot be undone: add --yes to confirm")
        actor = None
        if by:
            actor = get_user_model().objects.filter(**{get_user_model().USERNAME_FIELD: by}).first()
            if actor is None:
                raise CommandError(f"no user named {by!r}")
        erasure = customer_data_erase(email=email, actor=actor, via="command")
        parts = ", ".join(f"{name} {count}" for name, count in erasure.counts.items())
        self.stdout.write(f"Erased: {erasure.total} record(s) changed ({parts}).")
