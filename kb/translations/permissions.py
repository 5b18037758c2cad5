"""Who may do what in the translation workflow. Editors own the source language and may change
everything; a translator holds "translate into X" and/or "review machine translations into X" for
each of their languages. The permissions exist for every site language but the source (created
after each migrate), so adding a language to LANGUAGES adds its roles without code or migration."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import get_language_info
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language, target_languages

from ..models import Article
from .rules import EXCHANGED_FIELDS

ACTIONS = (("translate", "Can translate into %s"), ("review", "Can review machine translations into %s"))


def codename(action: str, language: str) -> str:
    return f"{action}_{language.replace('-', '_')}"


def permissions_ensure(**_kwargs) -> None:
    """The post_migrate hook (kb/apps.py): the two permissions of every translation language."""
    content_type = ContentType.objects.get_for_model(Article)
    for language in target_languages():
        name = get_language_info(language)["name"]
        for action, label in ACTIONS:
            Permission.objects.get_or_create(
                content_type=content_type,
                codename=codename(action, language),
                defaults={"name": label % name},
            )


def is_editor(user) -> bool:
    return user.is_active and user.has_perm("kb.change_article")


def translatable_languages(user) -> list[str]:
    if not user.is_active:
        return []
    if is_editor(user):
        return target_languages()
    return [
        language for language in target_languages() if user.has_perm(f"kb.{codename('translate', language)}")
    ]


def reviewable_languages(user) -> list[str]:
    if not user.is_active:
        return []
    return [
        language for language in target_languages() if user.has_perm(f"kb.{codename('review', language)}")
    ]


def can_translate(user, language: str) -> bool:
    return language in translatable_languages(user)


def can_review(user, language: str) -> bool:
    return language in reviewable_languages(user)


def is_translator(user) -> bool:
    return bool(translatable_languages(user) or reviewable_languages(user))


def editable_fields(user, model) -> set[str]:
    """The form fields `user` may change on an article or category: everything ("*") for editors,
    the translated fields of their own languages for translators."""
    if is_editor(user):
        return {"*"}
    kind = "article" if model is Article else "category"
    return {
        build_localized_fieldname(name, language)
        for language in translatable_languages(user)
        for name in EXCHANGED_FIELDS[kind]
    }


def history_languages(user) -> list[str]:
    """The languages whose version history `user` sees: editors all; a translator the source (what
    their translations follow) and their own languages."""
    if not user.is_active:
        return []
    if is_editor(user):
        return [source_language(), *target_languages()]
    own = set(translatable_languages(user)) | set(reviewable_languages(user))
    if not own:
        return []
    return [source_language(), *(language for language in target_languages() if language in own)]


def can_restore(user, language: str) -> bool:
    """Restoring a version: editors for the source, translators for their own languages only."""
    if language == source_language():
        return is_editor(user)
    return can_translate(user, language)
