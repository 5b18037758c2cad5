"""Writes of the translation workflow. Every function takes keyword arguments and the person acting
(`user` or `author`, None for the system); none relies on a signal to record what it did.

- `source_revision_record`: after any save of an article or category, records a source revision
  when the source text changed, and a translation record for each translation that appeared. The
  admin's save_model and kb.services' writes call it.
- `translation_save`, `translation_mark_up_to_date`, `translation_approve`,
  `translation_machine_translate`: the translator's page.
- `translations_import`: a translator's or agency's XLIFF/PO file, all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Model, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language, target_languages

from ..machine import configured_translator
from ..models import Article, ArticleImage, Category, SourceRevision, TranslationRecord, TranslationRevision
from . import formats
from .permissions import can_restore, can_review, can_translate
from .rules import EXCHANGED_FIELDS, SOURCE_FIELDS
from .selectors import (
    TranslationStatus,
    content_version,
    current_revision,
    has_text,
    history_fields,
    kind_of,
    owner_filter,
    source_text,
    text_in,
    translation_record,
    translation_status,
)


class WorkflowError(Exception):
    """An action that is not allowed or not possible; the message is for the person who tried."""


class MachineTranslationUnavailable(WorkflowError):
    pass


class ImportRejected(formats.ExchangeError):
    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(errors[0] + more)


@dataclass
class ImportSummary:
    language: str
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0


def _person(user):
    """Who to record: a signed-in person, or None (the system, a command, an anonymous request)."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


# --- Source revisions ---------------------------------------------------------------------------


def source_revision_record(*, obj: Model, author=None, restored_from: int | None = None) -> int:
    """Call after saving `obj` (an article or category). Records its source text as a new revision
    when it differs from the latest, and a translation record, made from that revision, for each
    language whose translation appeared (written alongside the source it translates). A translation
    made from an earlier revision whose text is the new revision's text again (an undo, a restored
    revision: `restored_from`) is up to date with the new one, and its history says why. Returns
    the current revision number."""
    author = _person(author)
    text = source_text(obj)
    latest = SourceRevision.objects.filter(**owner_filter(obj)).order_by("-number").first()
    created = False
    if latest is not None and latest.text == text:
        number = latest.number
    else:
        number = (latest.number if latest else 0) + 1
        revision = {"text": text, "author": author, "restored_from": restored_from}
        try:
            with transaction.atomic():
                SourceRevision.objects.create(**owner_filter(obj), number=number, **revision)
        except IntegrityError:
            # Two saves at once: the other one recorded this number; ours is the next.
            number = current_revision(obj) + 1
            SourceRevision.objects.create(**owner_filter(obj), number=number, **revision)
        created = True
    records = {record.language: record for record in TranslationRecord.objects.filter(**owner_filter(obj))}
    for language in target_languages():
        if language not in records and has_text(obj, language):
            records[language], _created = TranslationRecord.objects.get_or_create(
                **owner_filter(obj),
                language=language,
                defaults={"source_revision": number, "updated_by": author},
            )
    back = _translations_back_to_their_source(obj, text, number, records) if created else {}
    _translation_revisions_record(obj, author, records, back)
    return number


def _translations_back_to_their_source(
    obj: Model, text: dict, number: int, records: dict[str, TranslationRecord]
) -> dict[str, int]:
    """The translations made from an earlier revision whose source text is `text` (revision `number`)
    again: compared by content, not by number. Their records now say revision `number`; returns
    language -> the revision each was made from before."""
    older = {record.source_revision for record in records.values() if record.source_revision < number}
    if not older:
        return {}
    texts = SourceRevision.objects.filter(**owner_filter(obj), number__in=older).values_list("number", "text")
    same = {old_number for old_number, old_text in texts if old_text == text}
    back = {}
    for language, record in records.items():
        if record.source_revision in same:
            back[language] = record.source_revision
            record.source_revision = number
            record.save(update_fields=["source_revision", "updated_at"])
    return back


def _translation_revisions_record(
    obj: Model, author, records: dict[str, TranslationRecord], back: dict[str, int] | None = None
) -> None:
    """A new version of each language whose translated text differs from its latest version (a
    translation that was emptied too: that is a version a translator may want back), and of each
    language in `back` (up to date again, its text unchanged: the version says since when and why).
    The version keeps the translation record's state as it is now, so callers update the record first."""
    back = back or {}
    fields = EXCHANGED_FIELDS[kind_of(obj)]
    versions = TranslationRevision.objects.filter(**owner_filter(obj))
    newest = versions.filter(language=OuterRef("language")).order_by("-number").values("number")[:1]
    latest = {version.language: version for version in versions.filter(number=Subquery(newest))}
    for language in target_languages():
        text = text_in(obj, language, fields)
        previous = latest.get(language)
        if previous is None and not has_text(obj, language):
            continue
        if previous is not None and previous.text == text and language not in back:
            continue
        record = records.get(language)
        version = {
            "text": text,
            "made_from": record.source_revision if record else None,
            "machine": bool(record and record.machine),
            "author": author,
            "same_source_as": back.get(language),
        }
        number = (previous.number if previous else 0) + 1
        try:
            with transaction.atomic():
                TranslationRevision.objects.create(
                    **owner_filter(obj), language=language, number=number, **version
                )
        except IntegrityError:
            # Two saves at once: the other one recorded this number; ours is the next.
            newest_number = versions.filter(language=language).aggregate(n=Max("number"))["n"] or 0
            TranslationRevision.objects.create(
                **owner_filter(obj), language=language, number=newest_number + 1, **version
            )


# --- The translator's page ----------------------------------------------------------------------


@transaction.atomic
def translation_mark_up_to_date(
    *, obj: Model, language: str, user, revision: int | None = None
) -> TranslationStatus:
    """The translator checked the translation against source revision `revision` (the current one
    when None): records that revision as the one it was made from. A translator who answered about
    revision 3 while someone saved revision 4 meanwhile leaves it outdated, as it is."""
    _mark_up_to_date(obj, language, user, revision)
    return translation_status(obj=obj, language=language)


def _mark_up_to_date(obj: Model, language: str, user, revision: int | None) -> None:
    if not can_translate(user, language):
        raise WorkflowError(_("You may not translate into this language."))
    if not has_text(obj, language):
        raise WorkflowError(_("There is no translation to mark as up to date."))
    current = current_revision(obj)
    if revision is None:
        revision = current
    elif not 1 <= revision <= current:
        raise WorkflowError(_("There is no source revision %(number)s.") % {"number": revision})
    record = translation_record(obj, language)
    if record is None:
        TranslationRecord.objects.create(
            **owner_filter(obj), language=language, source_revision=revision, updated_by=user
        )
    elif (record.source_revision, record.updated_by_id) != (revision, user.pk):
        record.source_revision, record.updated_by = revision, user
        record.save(update_fields=["source_revision", "updated_by", "updated_at"])


@transaction.atomic
def translation_approve(*, obj: Model, language: str, user) -> TranslationStatus:
    """A reviewer approves a machine translation: customers no longer see the notice."""
    if not can_review(user, language):
        raise WorkflowError(_("You may not review translations into this language."))
    record = translation_record(obj, language)
    if record is None or not record.machine:
        raise WorkflowError(_("This translation is not waiting for a review."))
    record.machine = False
    record.reviewed_by = user
    record.reviewed_at = timezone.now()
    record.save(update_fields=["machine", "reviewed_by", "reviewed_at", "updated_at"])
    return translation_status(obj=obj, language=language)


@transaction.atomic
def translation_save(
    *, obj: Model, language: str, values: dict[str, str], user, up_to_date: bool = False
) -> TranslationStatus:
    """Save one language's fields of an article or category as `user`; nothing else changes."""
    if not can_translate(user, language):
        raise WorkflowError(_("You may not translate into this language."))
    kind = kind_of(obj)
    for name, value in values.items():
        if name not in EXCHANGED_FIELDS[kind]:
            raise WorkflowError(_("%(field)s is not a translated field.") % {"field": name})
        setattr(obj, build_localized_fieldname(name, language), value if (value or name != "slug") else None)
    obj.save()
    if up_to_date and has_text(obj, language):
        # Before the versions are recorded, so that this version says it is up to date.
        _mark_up_to_date(obj, language, user, None)
    source_revision_record(obj=obj, author=user)
    return translation_status(obj=obj, language=language)


@transaction.atomic
def translation_machine_translate(*, obj: Model, language: str, user=None) -> TranslationStatus:
    """Fill one language from the source with the machine translator; stored as "needs review"."""
    if user is not None and not can_translate(user, language):
        raise WorkflowError(_("You may not translate into this language."))
    record = translation_record(obj, language)
    if has_text(obj, language) and not (record and record.machine):
        # A person's translation is never overwritten by a machine's.
        raise WorkflowError(_("This language already has a translation made by a person."))
    translator = configured_translator()
    if translator is None:
        raise MachineTranslationUnavailable(
            _("No machine translation service is configured (%(setting)s).")
            % {"setting": "HELPCENTER_MACHINE_TRANSLATOR"}
        )
    source = text_in(obj, source_language(), SOURCE_FIELDS[kind_of(obj)])
    fields = [name for name, text in source.items() if text.strip()]
    texts = [source[name] for name in fields]
    translated = translator.translate(texts, source=source_language(), target=language)
    if len(translated) != len(texts):
        raise WorkflowError(_("The machine translation service returned the wrong number of texts."))
    # The record first, then the text: the version recorded with the text says it is a machine's.
    current = source_revision_record(obj=obj, author=user)
    TranslationRecord.objects.update_or_create(
        **owner_filter(obj),
        language=language,
        defaults={
            "source_revision": current,
            "machine": True,
            "updated_by": _person(user),
            "reviewed_by": None,
            "reviewed_at": None,
        },
    )
    for name, text in zip(fields, translated, strict=True):
        setattr(obj, build_localized_fieldname(name, language), text)
    obj.save()
    source_revision_record(obj=obj, author=user)
    return translation_status(obj=obj, language=language)


# --- Files from translators ---------------------------------------------------------------------


def translations_import(*, bundle: formats.Bundle, user=None) -> ImportSummary:
    """Validate the whole file, then apply it in one transaction: all of it or nothing."""
    language = bundle.target_language
    errors = _file_errors(bundle, user)
    if errors:
        raise ImportRejected(errors)
    plan, errors = _plan(bundle)
    errors += _field_errors(plan, language)
    if errors:
        raise ImportRejected(errors)
    summary = ImportSummary(language)
    author = _person(user)
    with transaction.atomic():
        for obj, item, values in plan:
            current = text_in(obj, language, list(values))
            changed = {
                name: value for name, value in values.items() if formats.exchange_text(current[name]) != value
            }
            if not changed:
                summary.unchanged += 1
                continue
            if item.kind == "image":  # an image's words: no source revisions, no translation record
                for name, value in changed.items():
                    setattr(obj, build_localized_fieldname(name, language), value)
                obj.save()
                summary.updated.append(f"{item.kind}:{item.key}")
                continue
            TranslationRecord.objects.update_or_create(
                **owner_filter(obj),
                language=language,
                defaults={"source_revision": item.revision, "machine": False, "updated_by": author},
            )
            for name, value in changed.items():
                setattr(obj, build_localized_fieldname(name, language), value)
            obj.save()
            source_revision_record(obj=obj, author=author)
            summary.updated.append(f"{item.kind}:{item.key}")
    return summary


def _file_errors(bundle: formats.Bundle, user) -> list[str]:
    errors = []
    language = bundle.target_language
    if bundle.source_language != source_language():
        errors.append(
            f"the file translates from {bundle.source_language!r}, but this site's source language is "
            f"{source_language()!r}"
        )
    if language == source_language():
        errors.append(
            f"the file's target language {language!r} is the source language; edit the source in the admin"
        )
    elif language not in target_languages():
        errors.append(f"{language!r} is not a language of this site")
    elif user is not None and not can_translate(user, language):
        errors.append(f"you may not translate into {language!r}")
    return errors


def _plan(bundle: formats.Bundle) -> tuple[list, list[str]]:
    """(object, item, values to write) for each item of the file, and what is wrong with the file.
    Every article and category of the file, and their current revisions, in four queries rather
    than two per item: agency files hold the whole help center."""
    models = {"article": Article, "category": Category, "image": ArticleImage}
    slug_field = build_localized_fieldname("slug", source_language())
    found: dict[tuple[str, str], Model] = {}
    currents: dict[tuple[str, int], int] = {}
    # Images are keyed by their own key and have no source revisions (their revision is always 0).
    for image in ArticleImage.objects.filter(key__in=[i.key for i in bundle.items if i.kind == "image"]):
        found[("image", image.key)] = image
    for kind, model in (("article", Article), ("category", Category)):
        keys = [item.key for item in bundle.items if item.kind == kind]
        for obj in model.objects.filter(**{f"{slug_field}__in": keys}):
            found[(kind, getattr(obj, slug_field))] = obj
        ids = [obj.pk for (k, _key), obj in found.items() if k == kind]
        for pk, number in (
            SourceRevision.objects.filter(**{f"{kind}_id__in": ids})
            .values_list(f"{kind}_id")
            .annotate(n=Max("number"))
        ):
            currents[(kind, pk)] = number
    plan, errors, seen = [], [], set()
    for item in bundle.items:
        where = f"{item.kind} {item.key!r}"
        if item.kind not in models:
            errors.append(f"{where}: unknown kind (article, category or image)")
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
                f"{where}: the file was made from source revision {item.revision}, the source is now at "
                "revision "
                f"{current}; export the file again"
            )
            continue
        values = {}
        for unit in item.units:
            if unit.field not in EXCHANGED_FIELDS[item.kind]:
                errors.append(f"{where}: unknown field {unit.field!r}")
                continue
            if unit.target.strip():  # an empty target means "not translated yet", never "erase"
                values[unit.field] = unit.target
        plan.append((obj, item, values))
    return plan, errors


def _field_errors(plan: list, language: str) -> list[str]:
    """Field rules (lengths, slug characters, unique slugs), checked before anything is written."""
    errors = []
    for obj, item, values in plan:
        for name, value in values.items():
            localized = build_localized_fieldname(name, language)
            try:
                obj._meta.get_field(localized).clean(value, obj)
            except ValidationError as exc:
                errors.append(f"{item.kind} {item.key!r}: {name}: {' '.join(exc.messages)}")
            if name == "slug" and type(obj).objects.filter(**{localized: value}).exclude(pk=obj.pk).exists():
                errors.append(f"{item.kind} {item.key!r}: the slug {value!r} is already used in {language}")
    return errors


# --- History ------------------------------------------------------------------------------------


@transaction.atomic
def version_restore(*, obj: Model, language: str, number: int, user) -> int:
    """Save version `number` of `obj`'s text in `language` again, as a new version, through the same
    writes as an edit: restoring the source records a new source revision (so the translations made
    from earlier ones become outdated, as after any edit); restoring a translation records a new
    version of it, in the state that version had (made from the source revision it was made from,
    by a machine or not). Editors restore the source; translators their own languages only.
    Returns the new version's number."""
    if not can_restore(user, language):
        raise WorkflowError(_("You may not restore versions in this language."))
    fields = history_fields(obj, language)
    version = content_version(obj=obj, language=language, number=number)
    if version is None:
        raise WorkflowError(_("There is no version %(number)s.") % {"number": number})
    if version.text == text_in(obj, language, fields):
        raise WorkflowError(_("This version is the current text already."))
    if language == source_language():
        for name in fields:
            setattr(obj, build_localized_fieldname(name, language), version.text[name])
        obj.save()
        return source_revision_record(obj=obj, author=user, restored_from=number)
    slug = version.text.get("slug") or None
    slug_field = build_localized_fieldname("slug", language)
    if slug and type(obj).objects.filter(**{slug_field: slug}).exclude(pk=obj.pk).exists():
        raise WorkflowError(
            _("The slug “%(slug)s” is used by another page in this language now.") % {"slug": slug}
        )
    if version.made_from is not None and version.made_from <= current_revision(obj):
        TranslationRecord.objects.update_or_create(
            **owner_filter(obj),
            language=language,
            defaults={
                "source_revision": version.made_from,
                "machine": version.machine,
                "updated_by": _person(user),
                "reviewed_by": None,
                "reviewed_at": None,
            },
        )
    for name in fields:
        value = version.text[name]
        setattr(obj, build_localized_fieldname(name, language), (value or None) if name == "slug" else value)
    obj.save()
    source_revision_record(obj=obj, author=user)
    return TranslationRevision.objects.filter(**owner_filter(obj), language=language).aggregate(
        n=Max("number")
    )["n"]
