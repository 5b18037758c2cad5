"""The translation workflow on the database: source revisions, translation records and states,
per-language permissions, machine translation, the translators' exchange files and the coverage
report. The rules themselves are in kb/workflow.py."""

from __future__ import annotations

import contextlib
import contextvars
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Model, Sum
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import get_language_info
from modeltranslation.utils import build_localized_fieldname

from . import workflow
from .models import Article, ArticleViewCount, Category, SearchLog, SourceRevision, TranslationRecord
from .workflow import SOURCE_FIELDS, State

DEMAND_DAYS = 90

# --- Who is saving ------------------------------------------------------------------------------

_author: contextvars.ContextVar = contextvars.ContextVar("kb_revision_author", default=None)


@contextlib.contextmanager
def acting_as(user):
    """Saves inside this block are recorded as made by `user` (revisions, translation records)."""
    token = _author.set(user if user is not None and user.is_authenticated else None)
    try:
        yield
    finally:
        _author.reset(token)


def source_language() -> str:
    return settings.LANGUAGE_CODE


def target_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES if code != source_language()]


def kind_of(obj: Model) -> str:
    return "article" if isinstance(obj, Article) else "category"


def _owner(obj: Model) -> dict:
    return {kind_of(obj): obj}


def text_in(obj: Model, language: str, fields) -> dict[str, str]:
    return {name: getattr(obj, build_localized_fieldname(name, language)) or "" for name in fields}


def has_text(obj: Model, language: str) -> bool:
    main = "title" if isinstance(obj, Article) else "name"
    return bool((getattr(obj, build_localized_fieldname(main, language)) or "").strip())


# --- Revisions ----------------------------------------------------------------------------------


def current_revision(obj: Model) -> int:
    return SourceRevision.objects.filter(**_owner(obj)).aggregate(n=Max("number"))["n"] or 0


def revision_text(obj: Model, number: int) -> dict[str, str]:
    revision = SourceRevision.objects.filter(**_owner(obj), number=number).first()
    return revision.text if revision else {}


def record_source_revision(obj: Model) -> int:
    """Record the source text as a new revision if it differs from the latest; the current number."""
    text = text_in(obj, source_language(), SOURCE_FIELDS[kind_of(obj)])
    latest = SourceRevision.objects.filter(**_owner(obj)).order_by("-number").first()
    if latest is not None and latest.text == text:
        return latest.number
    number = (latest.number if latest else 0) + 1
    try:
        with transaction.atomic():
            SourceRevision.objects.create(**_owner(obj), number=number, text=text, author=_author.get())
    except IntegrityError:
        # Two saves at once: the other one recorded this number; ours is the next.
        number = current_revision(obj) + 1
        SourceRevision.objects.create(**_owner(obj), number=number, text=text, author=_author.get())
    return number


def content_saved(sender, instance: Model, raw: bool = False, **_kwargs) -> None:
    """post_save receiver: a revision when the source text changed, and a record for each
    translation that appeared (made from the current source, as it was written alongside it)."""
    if raw:  # fixtures
        return
    current = record_source_revision(instance)
    known = set(TranslationRecord.objects.filter(**_owner(instance)).values_list("language", flat=True))
    for language in target_languages():
        if language not in known and has_text(instance, language):
            TranslationRecord.objects.get_or_create(
                **_owner(instance), language=language, defaults={"source_revision": current, "updated_by": _author.get()}
            )


# --- States -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationStatus:
    language: str
    state: State
    made_from: int | None
    current: int
    machine: bool

    @property
    def language_name(self) -> str:
        return get_language_info(self.language)["name_local"]


def status(obj: Model, language: str) -> TranslationStatus:
    record = TranslationRecord.objects.filter(**_owner(obj), language=language).first()
    current = current_revision(obj)
    return _status(obj, language, record, current)


def _status(obj: Model, language: str, record: TranslationRecord | None, current: int) -> TranslationStatus:
    made_from = record.source_revision if record else None
    machine = bool(record and record.machine)
    state = workflow.derive_state(has_text=has_text(obj, language), made_from=made_from, current=current, machine=machine)
    return TranslationStatus(language, state, made_from, current, machine)


def statuses(objects, languages=None) -> dict[tuple[int, str], TranslationStatus]:
    """(object id, language) -> status for many articles or many categories, in three queries."""
    objects = list(objects)
    if not objects:
        return {}
    kind = kind_of(objects[0])
    ids = [obj.pk for obj in objects]
    currents = dict(
        SourceRevision.objects.filter(**{f"{kind}_id__in": ids}).values_list(f"{kind}_id").annotate(n=Max("number"))
    )
    records = {
        (getattr(record, f"{kind}_id"), record.language): record
        for record in TranslationRecord.objects.filter(**{f"{kind}_id__in": ids})
    }
    return {
        (obj.pk, language): _status(obj, language, records.get((obj.pk, language)), currents.get(obj.pk, 0))
        for obj in objects
        for language in (languages or target_languages())
    }


# --- Permissions --------------------------------------------------------------------------------


def codename(action: str, language: str) -> str:
    return f"{action}_{language.replace('-', '_')}"


def ensure_permissions(**_kwargs) -> None:
    """post_migrate receiver: "translate" and "review" permissions for every site language but the
    source, so that adding a language to LANGUAGES adds its roles (no code, no migration)."""
    content_type = ContentType.objects.get_for_model(Article)
    for language in target_languages():
        name = get_language_info(language)["name"]
        for action, label in (("translate", "Can translate into %s"), ("review", "Can review machine translations into %s")):
            Permission.objects.get_or_create(
                content_type=content_type, codename=codename(action, language), defaults={"name": label % name}
            )


def is_editor(user) -> bool:
    """Editors own the source language and may change everything."""
    return user.is_active and user.has_perm("kb.change_article")


def translatable_languages(user) -> list[str]:
    if not user.is_active:
        return []
    if is_editor(user):
        return target_languages()
    return [language for language in target_languages() if user.has_perm(f"kb.{codename('translate', language)}")]


def reviewable_languages(user) -> list[str]:
    if not user.is_active:
        return []
    return [language for language in target_languages() if user.has_perm(f"kb.{codename('review', language)}")]


def can_translate(user, language: str) -> bool:
    return language in translatable_languages(user)


def can_review(user, language: str) -> bool:
    return language in reviewable_languages(user)


def is_translator(user) -> bool:
    return bool(translatable_languages(user) or reviewable_languages(user))


def editable_fields(user, model) -> set[str]:
    """The form fields `user` may change on an article or category: everything for editors, the
    translated fields of their own languages for translators."""
    kind = "article" if model is Article else "category"
    if is_editor(user):
        return {"*"}
    return {
        build_localized_fieldname(name, language)
        for language in translatable_languages(user)
        for name in workflow.EXCHANGED_FIELDS[kind]
    }


# --- Actions ------------------------------------------------------------------------------------


class WorkflowError(Exception):
    """An action that is not allowed or not possible; the message is for the person who tried."""


def _record(obj: Model, language: str) -> TranslationRecord | None:
    return TranslationRecord.objects.filter(**_owner(obj), language=language).first()


@transaction.atomic
def mark_up_to_date(obj: Model, language: str, user) -> TranslationStatus:
    """The translator checked the translation against the current source."""
    if not can_translate(user, language):
        raise WorkflowError("You may not translate into this language.")
    if not has_text(obj, language):
        raise WorkflowError("There is no translation to mark as up to date.")
    current = current_revision(obj)
    TranslationRecord.objects.update_or_create(
        **_owner(obj), language=language, defaults={"source_revision": current, "updated_by": user}
    )
    return status(obj, language)


@transaction.atomic
def approve(obj: Model, language: str, user) -> TranslationStatus:
    """A reviewer approves a machine translation: customers no longer see the notice."""
    if not can_review(user, language):
        raise WorkflowError("You may not review translations into this language.")
    record = _record(obj, language)
    if record is None or not record.machine:
        raise WorkflowError("This translation is not waiting for a review.")
    record.machine = False
    record.reviewed_by = user
    record.reviewed_at = timezone.now()
    record.save(update_fields=["machine", "reviewed_by", "reviewed_at", "updated_at"])
    return status(obj, language)


@transaction.atomic
def translation_save(obj: Model, language: str, values: dict[str, str], user, *, up_to_date: bool = False) -> TranslationStatus:
    """Save one language's fields of an article or category as `user`; nothing else changes."""
    if not can_translate(user, language):
        raise WorkflowError("You may not translate into this language.")
    kind = kind_of(obj)
    for name, value in values.items():
        if name not in workflow.EXCHANGED_FIELDS[kind]:
            raise WorkflowError(f"{name} is not a translated field.")
        setattr(obj, build_localized_fieldname(name, language), value if (value or name != "slug") else None)
    with acting_as(user):
        obj.save()
    if up_to_date and has_text(obj, language):
        return mark_up_to_date(obj, language, user)
    return status(obj, language)


class MachineTranslationUnavailable(WorkflowError):
    pass


def machine_translator():
    """The backend named by HELPCENTER_MACHINE_TRANSLATOR (a dotted path), or None when none is set."""
    path = settings.HELPCENTER_MACHINE_TRANSLATOR
    return import_string(path)() if path else None


@transaction.atomic
def machine_translate(obj: Model, language: str, user=None) -> TranslationStatus:
    """Fill one language from the source with the machine translator; stored as "needs review"."""
    if user is not None and not can_translate(user, language):
        raise WorkflowError("You may not translate into this language.")
    record = _record(obj, language)
    if has_text(obj, language) and not (record and record.machine):
        # A person's translation is never overwritten by a machine's.
        raise WorkflowError("This language already has a translation made by a person.")
    translator = machine_translator()
    if translator is None:
        raise MachineTranslationUnavailable("No machine translation service is configured (HELPCENTER_MACHINE_TRANSLATOR).")
    kind = kind_of(obj)
    source = text_in(obj, source_language(), SOURCE_FIELDS[kind])
    fields = [name for name, text in source.items() if text.strip()]
    texts = [source[name] for name in fields]
    translated = translator.translate(texts, source=source_language(), target=language)
    if len(translated) != len(texts):
        raise WorkflowError("The machine translation service returned the wrong number of texts.")
    for name, text in zip(fields, translated, strict=True):
        setattr(obj, build_localized_fieldname(name, language), text)
    with acting_as(user):
        obj.save()
    TranslationRecord.objects.update_or_create(
        **_owner(obj),
        language=language,
        defaults={"source_revision": current_revision(obj), "machine": True, "updated_by": user, "reviewed_by": None, "reviewed_at": None},
    )
    return status(obj, language)


# --- Exchange files -----------------------------------------------------------------------------


def _source_slug(obj: Model) -> str:
    return getattr(obj, build_localized_fieldname("slug", source_language()))


def export_bundle(language: str) -> workflow.Bundle:
    """Every category and article: source text, translation, state and source revision."""
    if language not in target_languages():
        raise workflow.ExchangeError(f"{language!r} is not a translation language of this site")
    items = []
    for model in (Category, Article):
        objects = list(model.objects.order_by(build_localized_fieldname("slug", source_language())))
        states = statuses(objects, [language])
        for obj in objects:
            kind = kind_of(obj)
            fields = workflow.EXCHANGED_FIELDS[kind]
            item_status = states[(obj.pk, language)]
            items.append(
                workflow.Item(
                    kind,
                    _source_slug(obj),
                    item_status.current,
                    item_status.state.value,
                    workflow.units_of(kind, text_in(obj, source_language(), fields), text_in(obj, language, fields)),
                )
            )
    return workflow.Bundle(source_language(), language, tuple(items))


@dataclass
class ImportSummary:
    language: str
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


class ImportRejected(workflow.ExchangeError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(errors[0] + more)


def import_bundle(bundle: workflow.Bundle, user=None) -> ImportSummary:
    """Validate the whole file, then apply it in one transaction: all of it or nothing."""
    errors: list[str] = []
    language = bundle.target_language
    if bundle.source_language != source_language():
        errors.append(f"the file translates from {bundle.source_language!r}, but this site's source language is {source_language()!r}")
    if language == source_language():
        errors.append(f"the file's target language {language!r} is the source language; edit the source in the admin")
    elif language not in target_languages():
        errors.append(f"{language!r} is not a language of this site")
    elif user is not None and not can_translate(user, language):
        errors.append(f"you may not translate into {language!r}")
    if errors:
        raise ImportRejected(errors)
    models = {"article": Article, "category": Category}
    plan = []
    seen = set()
    # Every article and category of the file, and their current revisions, in four queries rather
    # than two per item: agency files hold the whole help center.
    slug_field = build_localized_fieldname("slug", source_language())
    found: dict[tuple[str, str], Model] = {}
    currents: dict[tuple[str, int], int] = {}
    for kind, model in models.items():
        keys = [item.key for item in bundle.items if item.kind == kind]
        for obj in model.objects.filter(**{f"{slug_field}__in": keys}):
            found[(kind, getattr(obj, slug_field))] = obj
        ids = [obj.pk for (k, _key), obj in found.items() if k == kind]
        for pk, number in (
            SourceRevision.objects.filter(**{f"{kind}_id__in": ids}).values_list(f"{kind}_id").annotate(n=Max("number"))
        ):
            currents[(kind, pk)] = number
    for item in bundle.items:
        where = f"{item.kind} {item.key!r}"
        model = models.get(item.kind)
        if model is None:
            errors.append(f"{where}: unknown kind (article or category)")
            continue
        if (item.kind, item.key) in seen:
            errors.append(f"{where} appears twice")
            continue
        seen.add((item.kind, item.key))
        obj = found.get((item.kind, item.key))
        if obj is None:
            errors.append(f"unknown {where}")
            continue
        current = currents.get((item.kind, obj.pk), 0)
        if item.revision != current:
            errors.append(
                f"{where}: the file was made from source revision {item.revision}, the source is now at revision "
                f"{current}; export the file again"
            )
            continue
        values = {}
        for unit in item.units:
            if unit.field not in workflow.EXCHANGED_FIELDS[item.kind]:
                errors.append(f"{where}: unknown field {unit.field!r}")
                continue
            if unit.target.strip():  # an empty target means "not translated yet", never "erase"
                values[unit.field] = unit.target
        plan.append((obj, item, values))
    # Field rules (lengths, slug characters, unique slugs) before anything is written.
    for obj, item, values in plan:
        for name, value in values.items():
            localized = build_localized_fieldname(name, language)
            try:
                obj._meta.get_field(localized).clean(value, obj)
            except ValidationError as exc:
                errors.append(f"{item.kind} {item.key!r}: {name}: {' '.join(exc.messages)}")
            if name == "slug" and type(obj).objects.filter(**{localized: value}).exclude(pk=obj.pk).exists():
                errors.append(f"{item.kind} {item.key!r}: the slug {value!r} is already used in {language}")
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary(language)
    with transaction.atomic(), acting_as(user):
        for obj, item, values in plan:
            current = text_in(obj, language, list(values))
            changed = {name: value for name, value in values.items() if workflow.exchange_text(current[name]) != value}
            if not changed:
                summary.unchanged += 1
                continue
            for name, value in changed.items():
                setattr(obj, build_localized_fieldname(name, language), value)
            obj.save()
            TranslationRecord.objects.update_or_create(
                **_owner(obj),
                language=language,
                defaults={"source_revision": item.revision, "machine": False, "updated_by": user},
            )
            summary.updated.append(f"{item.kind}:{item.key}")
    return summary


# --- Coverage and priorities ---------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageCoverage:
    language: str
    counts: dict[str, int]
    total: int

    @property
    def name(self) -> str:
        return get_language_info(self.language)["name_local"]

    def percent(self, state: str) -> int:
        return round(100 * self.counts.get(state, 0) / self.total) if self.total else 0

    @property
    def rows(self) -> list[tuple[str, int, int]]:
        return [(state.value, self.counts.get(state.value, 0), self.percent(state.value)) for state in State]


@dataclass(frozen=True)
class Priority:
    obj: Model
    kind: str
    status: TranslationStatus
    views: int
    searches: int
    chats: int

    @property
    def demand(self) -> int:
        return self.views + self.searches + self.chats


def coverage(languages: list[str]) -> list[LanguageCoverage]:
    """Per language, how many articles and categories are in each state."""
    articles, categories = list(Article.objects.all()), list(Category.objects.all())
    all_states = {**{("a", k): v for k, v in statuses(articles, languages).items()},
                  **{("c", k): v for k, v in statuses(categories, languages).items()}}
    result = []
    for language in languages:
        counts = Counter(s.state.value for (_kind, (_pk, lang)), s in all_states.items() if lang == language)
        result.append(LanguageCoverage(language, dict(counts), sum(counts.values())))
    return result


def _chat_demand(language: str, since) -> Counter:
    """How often the chatbot showed each article to customers writing in `language`."""
    message_model = apps.get_model("chatbot", "Message")
    counts: Counter = Counter()
    rows = message_model.objects.filter(role="bot", language=language, created_at__gte=since).exclude(articles=[])
    for articles in rows.values_list("articles", flat=True)[:20000]:
        counts.update(item["id"] for item in articles if isinstance(item, dict) and "id" in item)
    return counts


def priorities(language: str, limit: int = 25) -> list[Priority]:
    """What to translate first in `language`: articles and categories not up to date, the ones
    customers of that language need most first (views, searches leading to them, chatbot answers
    showing them, i.e. answers that fell back to another language or to an outdated text)."""
    since = timezone.now() - timedelta(days=DEMAND_DAYS)
    views = dict(
        ArticleViewCount.objects.filter(language=language).values_list("article_id").annotate(n=Sum("views"))
    )
    searches = dict(
        SearchLog.objects.filter(language=language, created_at__gte=since, top_article__isnull=False)
        .values_list("top_article_id")
        .annotate(n=Count("id"))
    )
    chats = _chat_demand(language, since)
    articles = {article.pk: article for article in Article.objects.published()}
    found = []
    for (pk, _lang), article_status in statuses(articles.values(), [language]).items():
        if article_status.state != State.UP_TO_DATE:
            found.append(Priority(articles[pk], "article", article_status, views.get(pk, 0), searches.get(pk, 0), chats.get(pk, 0)))
    categories = {category.pk: category for category in Category.objects.all()}
    by_category: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for article in articles.values():
        totals = by_category[article.category_id]
        totals[0] += views.get(article.pk, 0)
        totals[1] += searches.get(article.pk, 0)
        totals[2] += chats.get(article.pk, 0)
    for (pk, _lang), category_status in statuses(categories.values(), [language]).items():
        if category_status.state != State.UP_TO_DATE:
            found.append(Priority(categories[pk], "category", category_status, *by_category[pk]))
    found.sort(key=lambda p: (-p.demand, p.kind != "article", str(p.obj)))
    return found[:limit]
