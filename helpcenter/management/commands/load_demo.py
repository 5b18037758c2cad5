from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from kb.demo import EDITOR_PASSWORD, EDITOR_USERNAME, TRANSLATOR_PASSWORD, kb_load_demo
from mail.demo import mailboxes_load_demo
from support.demo import AGENT_PASSWORD, agents_load_demo, regions_load_demo, saved_replies_load_demo


class Command(BaseCommand):
    help = "Load the Nimbus Cloud demo help center, support regions and demo accounts (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        kb = kb_load_demo()
        regions = regions_load_demo()
        agents = agents_load_demo(regions)
        saved_replies_load_demo()
        mailboxes = mailboxes_load_demo()
        self.stdout.write(
            f"Demo help center ready: {kb.categories} categories, {kb.articles} articles "
            f"({kb.result.created} created, {kb.result.updated} updated)."
        )
        admin = reverse("admin:index")
        with translation.override("en"):
            agents_page = reverse("support:overview")
        self.stdout.write(f"Editor account: {EDITOR_USERNAME} / {EDITOR_PASSWORD} at {admin}")
        if kb.translators:
            self.stdout.write(
                f"Translator accounts: {', '.join(kb.translators)} / {TRANSLATOR_PASSWORD} at {admin}"
            )
        self.stdout.write(f"Agent accounts: {', '.join(agents)} / {AGENT_PASSWORD} at {agents_page}")
        self.stdout.write(
            f"Mailboxes: {', '.join(m.address for m in mailboxes)} "
            "(try: manage.py mail_receive < message.eml)"
        )
