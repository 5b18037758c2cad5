from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from kb.conf import helpcenter_settings
from kb.revisions import codename
from kb.exchange import parse_article_lines, parse_category_lines
from kb.services import articles_import, categories_import
from support.services import regions_load_demo

DEMO_DIR = Path(__file__).resolve().parent.parent.parent / "demo"
EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "nimbus-editor"
AGENT_PASSWORD = "nimbus-agent"
TRANSLATOR_PASSWORD = "nimbus-translator"
# Translators who may translate into, and review machine translations into, one language each.
DEMO_TRANSLATORS = {"translator-fr": "fr", "translator-zh": "zh-hans", "translator-ja": "ja"}


class Command(BaseCommand):
    help = "Load the Nimbus Cloud demo help center, support regions and demo accounts (safe to run again)."

    @transaction.atomic
    def handle(self, *args, **options):
        conf = helpcenter_settings()
        kwargs = {"languages": conf.languages, "source_language": conf.source_language}
        categories_file = DEMO_DIR / "categories.jsonl"
        articles_file = DEMO_DIR / "articles.jsonl"
        categories = parse_category_lines(
            categories_file.read_text(encoding="utf-8").splitlines(), filename=str(categories_file), **kwargs
        )
        articles = parse_article_lines(
            articles_file.read_text(encoding="utf-8").splitlines(), filename=str(articles_file), **kwargs
        )
        categories_import(records=categories, source_language=conf.source_language)

        editors, _created = Group.objects.get_or_create(name="Editors")
        editors.permissions.set(Permission.objects.filter(content_type__app_label="kb"))
        editor, _created = get_user_model().objects.get_or_create(
            username=EDITOR_USERNAME, defaults={"email": "editor@nimbus.example"}
        )
        editor.is_staff = True
        editor.set_password(EDITOR_PASSWORD)
        editor.save()
        editor.groups.add(editors)

        result = articles_import(records=articles, source_language=conf.source_language, author=editor)

        translators = []
        for username, language in DEMO_TRANSLATORS.items():
            if language not in conf.languages:
                continue
            group, _created = Group.objects.get_or_create(name=f"Translators ({language})")
            group.permissions.set(
                Permission.objects.filter(
                    content_type__app_label="kb", codename__in=[codename("translate", language), codename("review", language)]
                )
            )
            user, _created = get_user_model().objects.get_or_create(username=username, defaults={"email": f"{username}@nimbus.example"})
            user.is_staff = True
            user.set_password(TRANSLATOR_PASSWORD)
            user.save()
            user.groups.add(group)
            translators.append(username)

        agents, _created = Group.objects.get_or_create(name="Agents")
        agents.permissions.set(Permission.objects.filter(content_type__app_label="support"))
        regions = regions_load_demo()
        for region in regions:
            agent, _created = get_user_model().objects.get_or_create(
                username=f"agent-{region.code.lower()}", defaults={"email": f"{region.code.lower()}@nimbus.example"}
            )
            agent.is_staff = True
            agent.set_password(AGENT_PASSWORD)
            agent.save()
            agent.groups.add(agents)
            region.agents.add(agent)
        self.stdout.write(
            f"Demo help center ready: {len(categories)} categories, {len(articles)} articles "
            f"({result.created} created, {result.updated} updated)."
        )
        self.stdout.write(f"Editor account: {EDITOR_USERNAME} / {EDITOR_PASSWORD} at /admin/")
        if translators:
            self.stdout.write(f"Translator accounts: {', '.join(translators)} / {TRANSLATOR_PASSWORD} at /admin/")
        self.stdout.write(
            f"Agent accounts: {', '.join(f'agent-{r.code.lower()}' for r in regions)} / {AGENT_PASSWORD} "
            "at /en/agents/"
        )
