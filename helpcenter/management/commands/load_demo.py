import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management.base import BaseCommand
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from chatbot.services import chatbot_prepare
from kb.demo import EDITOR_PASSWORD, EDITOR_USERNAME, TRANSLATOR_PASSWORD, kb_load_demo
from mail.demo import mailboxes_load_demo
from support.demo import AGENT_PASSWORD, agents_load_demo, regions_load_demo, saved_replies_load_demo


class Command(BaseCommand):
    help = "Load the Nimbus Cloud demo help center, support regions and demo accounts (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-prepare",
            action="store_true",
            help="Do not prepare the chatbot (embeddings and engines) after loading.",
        )

    def handle(self, *args, no_prepare=False, **options):
        self._load()
        if no_prepare or not settings.HELPCENTER_DEMO_PREPARE_CHATBOT:
            return
        # The article texts and the bot's own examples embedded and stored now, and every language's
        # engine built once: the site's first answers then come without waiting for an encoder.
        started = time.monotonic()
        languages = chatbot_prepare()
        self.stdout.write(
            f"Chatbot ready in {', '.join(languages)} ({time.monotonic() - started:.0f} s to prepare)."
        )

    @transaction.atomic
    def _load(self):
        kb = kb_load_demo()
        # The demo's editor is also the owner who reads how the assistant does.
        editor = get_user_model().objects.get(username=EDITOR_USERNAME)
        editor.user_permissions.add(
            Permission.objects.get(content_type__app_label="chatbot", codename="view_bot_report")
        )
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
