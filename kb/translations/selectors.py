"""Reads of the translation workflow: where each translation stands, the source text and its
revisions, the file a translator is sent, coverage per language and what to translate first."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Max, Model, Sum
from django.utils import timezone
from django.utils.translation import get_language_info
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language, target_languages

from ..models import (
    Article,
    ArticleImage,
    ArticleShownCount,
    ArticleViewCount,
    Category,
    SearchLog,
    SourceRevision,
    TranslationRecord,
    TranslationRevision,
)
from . import formats
from .rules import EXCHANGED_FIELDS, SOURCE_FIELDS, FieldDiff, State, derive_state, source_diff

# How far back customers' demand (views, searches, chatbot answers) counts for the priorities.
DEMAND_DAYS = 90


def kind_of(obj: Model) -> str:
    """ "article" or "category": the two kinds of content that are translated."""
    return "article" if isinstance(obj, Article) else "category"


def owner_filter(obj: Model) -> dict:
    """The filter selecting the revisions or records of `obj` (they belong to an article or a category)."""
    return {kind_of(obj): obj}


def text_in(obj: Model, language: str, fields) -> dict[str, str]:
    """The named fields of `obj` in `language`, "" where empty (no fallback to the source)."""
    return {name: getattr(obj, build_localized_fieldname(name, language)) or "" for name in fields}


def source_text(obj: Model) -> dict[str, str]:
    """The source-language text whose changes are revisions."""
    return text_in(obj, source_language(), SOURCE_FIELDS[kind_of(obj)])


def has_text(obj: Model, language: str) -> bool:
    main = "title" if isinstance(obj, Article) else "name"
    return bool((getattr(obj, build_localized_fieldname(main, language)) or "").strip())


def current_revision(obj: Model) -> int:
    return SourceRevision.objects.filter(**owner_filter(obj)).aggregate(n=Max("number"))["n"] or 0


def revision_text(obj: Model, number: int) -> dict[str, str]:
    revision = SourceRevision.objects.filter(**owner_filter(obj), number=number).first()
    return revision.text if revision else {}


def translation_record(obj: Model, language: str) -> TranslationRecord | None:
    return TranslationRecord.objects.filter(**owner_filter(obj), language=language).first()


# --- States -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TranslationStatus:
    language: str
    state: State
    made_from: int | None  # the source revision the translation was made from (None: unknown)
    current: int  # the source's latest revision
    machine: bool

    @property
    def language_name(self) -> str:
        return get_language_info(self.language)["name_local"]


def translation_status(*, obj: Model, language: str) -> TranslationStatus:
    return _status(obj, language, translation_record(obj, language), current_revision(obj))


def _status(obj: Model, language: str, record: TranslationRecord | None, current: int) -> TranslationStatus:
    made_from = record.source_revision if record else None
    machine = bool(record and record.machine)
    state = derive_state(
        has_text=has_text(obj, language), made_from=made_from, current=current, machine=machine
    )
    return TranslationStatus(language, state, made_from, current, machine)


def translation_statuses(*, objects, languages=None) -> dict[tuple[int, str], TranslationStatus]:
    """(object id, language) -> status for many articles or many categories, in two queries."""
    objects = list(objects)
    if not objects:
        return {}
    kind = kind_of(objects[0])
    ids = [obj.pk for obj in objects]
    currents = dict(
        SourceRevision.objects.filter(**{f"{kind}_id__in": ids})
        .values_list(f"{kind}_id")
        .annotate(n=Max("number"))
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


def translation_source_diff(*, obj: Model, status: TranslationStatus) -> list[FieldDiff]:
    """What changed in the source since an outdated translation was made ([] when it is not outdated)."""
    if status.state != State.OUTDATED or not status.made_from:
        return []
    fields = SOURCE_FIELDS[kind_of(obj)]
    return source_diff(revision_text(obj, status.made_from), text_in(obj, source_language(), fields), fields)


# --- The file sent to translators ---------------------------------------------------------------


def source_slug(obj: Model) -> str:
    return getattr(obj, build_localized_fieldname("slug", source_language()))


def translations_export(*, language: str) -> formats.Bundle:
    """Every category and article: source text, translation, state and source revision."""
    if language not in target_languages():
        raise formats.ExchangeError(f"{language!r} is not a translation language of this site")
    items = []
    for model in (Category, Article):
        objects = list(model.objects.order_by(build_localized_fieldname("slug", source_language())))
        states = translation_statuses(objects=objects, languages=[language])
        for obj in objects:
            kind = kind_of(obj)
            fields = EXCHANGED_FIELDS[kind]
            item_status = states[(obj.pk, language)]
            items.append(
                formats.Item(
                    kind,
                    source_slug(obj),
                    item_status.current,
                    item_status.state.value,
                    formats.units_of(
                        kind, text_in(obj, source_language(), fields), text_in(obj, language, fields)
                    ),
                )
            )
    items += _image_items(language)
    return formats.Bundle(source_language(), language, tuple(items))


def _image_items(language: str) -> list[formats.Item]:
    """The alt text and caption of every image, as units keyed by the image's key. Images have no
    source revisions: their state is "missing" until the alt text is translated, then up to date."""
    items = []
    for image in ArticleImage.objects.order_by("pk"):
        source = text_in(image, source_language(), EXCHANGED_FIELDS["image"])
        target = text_in(image, language, EXCHANGED_FIELDS["image"])
        state = State.UP_TO_DATE if target["alt"].strip() else State.MISSING
        units = formats.units_of("image", source, target)
        items.append(formats.Item("image", image.key, 0, state.value, units))
    return items


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


def translation_coverage(*, languages: list[str]) -> list[LanguageCoverage]:
    """Per language, how many articles and categories are in each state."""
    articles, categories = list(Article.objects.all()), list(Category.objects.all())
    all_states = {
        **{("a", k): v for k, v in translation_statuses(objects=articles, languages=languages).items()},
        **{("c", k): v for k, v in translation_statuses(objects=categories, languages=languages).items()},
    }
    result = []
    for language in languages:
        counts = Counter(s.state.value for (_kind, (_pk, lang)), s in all_states.items() if lang == language)
        result.append(LanguageCoverage(language, dict(counts), sum(counts.values())))
    return result


def translation_priorities(*, language: str, limit: int = 25, now=None) -> list[Priority]:
    """What to translate first in `language`: articles and categories not up to date, the ones
    customers of that language need most first (views, searches leading to them, chatbot answers
    showing them, i.e. answers that fell back to another language or to an outdated text)."""
    since = (now or timezone.now()) - timedelta(days=DEMAND_DAYS)
    views = dict(
        ArticleViewCount.objects.filter(language=language).values_list("article_id").annotate(n=Sum("views"))
    )
    searches = dict(
        SearchLog.objects.filter(language=language, created_at__gte=since, top_article__isnull=False)
        .values_list("top_article_id")
        .annotate(n=Count("id"))
    )
    chats = dict(
        ArticleShownCount.objects.filter(language=language, day__gte=since.date())
        .values_list("article_id")
        .annotate(n=Sum("shown"))
    )
    articles = {article.pk: article for article in Article.objects.published()}
    found = []
    for (pk, _lang), article_status in translation_statuses(
        objects=articles.values(), languages=[language]
    ).items():
        if article_status.state != State.UP_TO_DATE:
            found.append(
                Priority(
                    articles[pk],
                    "article",
                    article_status,
                    views.get(pk, 0),
                    searches.get(pk, 0),
                    chats.get(pk, 0),
                )
            )
    categories = {category.pk: category for category in Category.objects.all()}
    by_category: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for article in articles.values():
        totals = by_category[article.category_id]
        totals[0] += views.get(article.pk, 0)
        totals[1] += searches.get(article.pk, 0)
        totals[2] += chats.get(article.pk, 0)
    for (pk, _lang), category_status in translation_statuses(
        objects=categories.values(), languages=[language]
    ).items():
        if category_status.state != State.UP_TO_DATE:
            found.append(Priority(categories[pk], "category", category_status, *by_category[pk]))
    found.sort(key=lambda p: (-p.demand, p.kind != "article", str(p.obj)))
    return found[:limit]


# --- History: every saved version of the source and of each translation --------------------------


@dataclass(frozen=True)
class Version:
    """One saved version of an object's text in one language: a source revision or a translation
    version. `changed` names the fields that differ from the version before it."""

    language: str
    number: int
    text: dict[str, str]
    author: Model | None
    created_at: object
    changed: tuple[str, ...]
    made_from: int | None = None
    machine: bool = False
    current: bool = False
    # A source revision saved by "restore this version": the revision restored.
    restored_from: int | None = None
    # A translation version recorded because the source came back to the text it was made from:
    # the revision it was made from before (the source revision `made_from` has that text again).
    same_source_as: int | None = None


def history_fields(obj: Model, language: str) -> tuple[str, ...]:
    """The fields a version holds: the tracked source fields, or every translated one."""
    kind = kind_of(obj)
    return SOURCE_FIELDS[kind] if language == source_language() else EXCHANGED_FIELDS[kind]


def content_versions(*, obj: Model, language: str) -> list[Version]:
    """Every saved version of `obj` in `language`, newest first, with who, when and which fields."""
    fields = history_fields(obj, language)
    if language == source_language():
        rows = SourceRevision.objects.filter(**owner_filter(obj)).select_related("author").order_by("number")
    else:
        rows = (
            TranslationRevision.objects.filter(**owner_filter(obj), language=language)
            .select_related("author")
            .order_by("number")
        )
    versions, previous = [], {}
    rows = list(rows)
    for n, row in enumerate(rows):
        text = {name: row.text.get(name) or "" for name in fields}
        versions.append(
            Version(
                language=language,
                number=row.number,
                text=text,
                author=row.author,
                created_at=row.created_at,
                changed=tuple(name for name in fields if text[name] != previous.get(name, "")),
                made_from=getattr(row, "made_from", None),
                machine=getattr(row, "machine", False),
                current=n == len(rows) - 1 and text == text_in(obj, language, fields),
                restored_from=getattr(row, "restored_from", None),
                same_source_as=getattr(row, "same_source_as", None),
            )
        )
        previous = text
    versions.reverse()
    return versions


def content_version(*, obj: Model, language: str, number: int) -> Version | None:
    return next((v for v in content_versions(obj=obj, language=language) if v.number == number), None)


def content_versions_diff(*, obj: Model, language: str, old: dict[str, str], new: dict[str, str]):
    """Field by field, line by line, what changed from the text `old` to `new` (changed fields only)."""
    return source_diff(old, new, history_fields(obj, language))
