"""mail's share of `manage.py load_demo`: the two demo mailboxes, without an IMAP server (their mail
arrives through `manage.py mail_receive` or a webhook; staff add a server in the admin)."""

from kb.models import Category

from .models import Mailbox


def mailboxes_load_demo() -> list[Mailbox]:
    billing = Category.objects.filter(slug_en="account-billing").first()
    found = []
    for address, name, language, category in (
        ("support@nimbus.example", "Support", "", None),
        ("facturation@nimbus.example", "Facturation", "fr", billing),
    ):
        mailbox, _created = Mailbox.objects.update_or_create(
            address=address, defaults={"name": name, "language": language, "category": category}
        )
        found.append(mailbox)
    return found
