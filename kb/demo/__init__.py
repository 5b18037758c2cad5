"""The knowledge base's part of the demo (the project's `load_demo` command calls it): the Nimbus
Cloud help center in articles.jsonl and categories.jsonl, an editor, and one translator per
language who may translate into and review machine translations into it. Safe to run again."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from core.languages import site_languages, source_language

from ..exchange import parse_article_lines, parse_category_lines
from ..services import ImportResult, articles_import, categories_import
from ..translations.permissions import codename
from .media import demo_images_load

DEMO_DIR = Path(__file__).resolve().parent
EDITOR_USERNAME = "editor"
EDITOR_PASSWORD = "nimbus-editor"
TRANSLATOR_PASSWORD = "nimbus-translator"
DEMO_TRANSLATORS = {"translator-fr": "fr", "translator-zh": "zh-hans", "translator-ja": "ja"}


@dataclass(frozen=True)
class KbDemo:
    categories: int
    articles: int
    result: ImportResult
    translators: tuple[str, ...]


def _staff(username: str, password: str, group: Group):
    user, _created = get_user_model().objects.get_or_create(
        username=username, defaults={"email": f"{username}@nimbus.example"}
    )
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.add(group)
    return user


def kb_load_demo() -> KbDemo:
    kwargs = {"languages": site_languages(), "source_language": source_language()}
    categories_file, articles_file = DEMO_DIR / "categories.jsonl", DEMO_DIR / "articles.jsonl"
    categories = parse_category_lines(
        categories_file.read_text(encoding="utf-8").splitlines(), filename=str(categories_file), **kwargs
    )
    articles = parse_article_lines(
        articles_file.read_text(encoding="utf-8").splitlines(), filename=str(articles_file), **kwargs
    )
    categories_import(records=categories, source_language=source_language())

    editors, _created = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(Permission.objects.filter(content_type__app_label="kb"))
    editor = _staff(EDITOR_USERNAME, EDITOR_PASSWORD, editors)
    result = articles_import(records=articles, source_language=source_language(), author=editor)
    demo_images_load(user=editor)

    translators = []
    for username, language in DEMO_TRANSLATORS.items():
        if language not in site_languages():
            continue
        group, _created = Group.objects.get_or_create(name=f"Translators ({language})")
        group.permissions.set(
            Permission.objects.filter(
                content_type__app_label="kb",
                codename__in=[codename("translate", language), codename("review", language)],
            )
        )
        _staff(username, TRANSLATOR_PASSWORD, group)
        translators.append(username)
    return KbDemo(len(categories), len(articles), result, tuple(translators))
