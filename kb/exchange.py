"""The article JSON Lines format (../shared/eval/FORMAT.md): parsing with line-numbered errors,
and the record an article exports to. No database access here."""

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

SLUG_RE = re.compile(r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")
STATUSES = ("draft", "published")
TRANSLATION_KEYS = {"title", "body", "questions", "summary", "slug"}


@dataclass(frozen=True)
class ArticleText:
    title: str
    body: str = ""
    questions: tuple[str, ...] = ()
    summary: str = ""
    slug: str | None = None


@dataclass(frozen=True)
class MediaRecord:
    """An image or file an article refers to, carried in the file so that an import elsewhere shows
    it: `reference` ("image:KEY", kept as is so that the bodies still point at it), its words per
    language (images) and its bytes per language (images: each version's largest file) or once."""

    reference: str
    name: str
    alt: dict[str, str] = field(default_factory=dict)
    caption: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)  # language ("" for an attachment) -> bytes


MEDIA_REFERENCE_RE = re.compile(r"^(image|attachment):[A-Za-z0-9_-]{6,32}$")


def _media(value: object, languages: list[str]) -> tuple[MediaRecord, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _LineError("media must be a list")
    records = []
    for index, item in enumerate(value):
        where = f"media[{index}]"
        if not isinstance(item, dict):
            raise _LineError(f"{where} must be an object")
        reference = _string(item.get("reference"), f"{where}.reference", required=True)
        if not MEDIA_REFERENCE_RE.match(reference):
            raise _LineError(f"{where}.reference {reference!r} is not image:KEY or attachment:KEY")
        texts = {}
        for key in ("alt", "caption"):
            words = item.get(key, {})
            if not isinstance(words, dict) or not all(isinstance(v, str) for v in words.values()):
                raise _LineError(f"{where}.{key} must map languages to strings")
            if set(words) - set(languages):
                raise _LineError(f"{where}.{key} has an unknown language")
            texts[key] = dict(words)
        raw_files = item.get("files")
        if not isinstance(raw_files, dict) or not raw_files:
            raise _LineError(f"{where}.files must be a non-empty object")
        files = {}
        for language, encoded in raw_files.items():
            if language and language not in languages:
                raise _LineError(f"{where}.files has an unknown language {language!r}")
            try:
                files[language] = base64.b64decode(_string(encoded, f"{where}.files"), validate=True)
            except (binascii.Error, ValueError):
                raise _LineError(f"{where}.files.{language or 'file'} is not base64") from None
        if reference.startswith("image:") and not texts["alt"]:
            raise _LineError(f"{where}: an image needs its alt text")
        records.append(
            MediaRecord(
                reference,
                _string(item.get("name"), f"{where}.name"),
                texts["alt"],
                texts["caption"],
                files,
            )
        )
    return tuple(records)


@dataclass(frozen=True)
class ArticleRecord:
    slug: str
    category: str
    translations: dict[str, ArticleText]
    status: str = "published"
    order: int | None = None
    line: int = 0
    # Translations in real languages this site does not offer (yet): left out, reported, not an error.
    skipped_languages: tuple[str, ...] = ()
    media: tuple[MediaRecord, ...] = ()


@dataclass
class ImportFileError(Exception):
    """One or more bad lines; each message reads `FILE:LINE: reason`."""

    messages: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(self.messages)


class _LineError(ValueError):
    pass


def _string(value: object, what: str, *, required: bool = False) -> str:
    if value is None:
        if required:
            raise _LineError(f"{what} is required")
        return ""
    if not isinstance(value, str):
        raise _LineError(f"{what} must be a string")
    if required and not value.strip():
        raise _LineError(f"{what} is required")
    return value


def _slug(value: object, what: str) -> str:
    text = _string(value, what, required=True).strip()
    if not SLUG_RE.match(text) or len(text) > 120:
        raise _LineError(f"{what} {text!r} is not a valid slug (lowercase letters, digits, hyphens)")
    return text


def _translation(language: str, data: object) -> ArticleText:
    where = f"translations.{language}"
    if not isinstance(data, dict):
        raise _LineError(f"{where} must be an object")
    unknown = set(data) - TRANSLATION_KEYS
    if unknown:
        raise _LineError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    title = _string(data.get("title"), f"{where}.title", required=True).strip()
    if len(title) > 255:
        raise _LineError(f"{where}.title is longer than 255 characters")
    questions = data.get("questions", [])
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise _LineError(f"{where}.questions must be a list of strings")
    slug = data.get("slug")
    return ArticleText(
        title=title,
        body=_string(data.get("body"), f"{where}.body"),
        # A question is one line in the database, so line breaks inside one become spaces.
        questions=tuple(" ".join(q.split()) for q in questions if q.strip()),
        summary=_string(data.get("summary"), f"{where}.summary"),
        slug=None if slug is None else _slug(slug, f"{where}.slug"),
    )


def parse_article(
    data: object,
    *,
    languages: Iterable[str],
    source_language: str,
    known_languages: Iterable[str] = (),
    line: int = 0,
) -> ArticleRecord:
    """Validate one decoded JSON value as an article record, or raise ValueError with the reason.

    `known_languages` are valid language codes the site does not offer: their translations are
    skipped. Any other code not in `languages` is an error."""
    if not isinstance(data, dict):
        raise _LineError("each line must be a JSON object")
    languages = list(languages)
    translations = data.get("translations")
    if not isinstance(translations, dict) or not translations:
        raise _LineError("translations must be a non-empty object")
    known = set(known_languages)
    skipped = tuple(code for code in translations if code not in languages and code in known)
    translations = {code: value for code, value in translations.items() if code not in skipped}
    unknown = [code for code in translations if code not in languages]
    if unknown:
        raise _LineError(f"unknown language {unknown[0]!r} (this site has: {', '.join(languages)})")
    if source_language not in translations:
        raise _LineError(f"the source language {source_language!r} translation is missing")
    status = data.get("status", "published")
    if status not in STATUSES:
        raise _LineError(f"status must be one of {', '.join(STATUSES)}")
    order = data.get("order")
    if order is not None and (not isinstance(order, int) or isinstance(order, bool) or order < 0):
        raise _LineError("order must be a non-negative integer")
    return ArticleRecord(
        slug=_slug(data.get("slug"), "slug"),
        category=_slug(data.get("category"), "category"),
        translations={code: _translation(code, value) for code, value in translations.items()},
        status=status,
        order=order,
        line=line,
        skipped_languages=skipped,
        media=_media(data.get("media"), languages),
    )


def parse_article_lines(
    lines: Iterable[str],
    *,
    filename: str,
    languages: Iterable[str],
    source_language: str,
    known_languages: Iterable[str] = (),
) -> list[ArticleRecord]:
    """Parse a whole file; raise ImportFileError listing every bad line (blank lines are skipped)."""
    languages = list(languages)
    known_languages = set(known_languages)
    records: list[ArticleRecord] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
        except json.JSONDecodeError as exc:
            errors.append(f"{filename}:{number}: invalid JSON ({exc.msg} at column {exc.colno})")
            continue
        try:
            record = parse_article(
                data,
                languages=languages,
                source_language=source_language,
                known_languages=known_languages,
                line=number,
            )
        except _LineError as exc:
            errors.append(f"{filename}:{number}: {exc}")
            continue
        if record.slug in seen:
            errors.append(
                f"{filename}:{number}: slug {record.slug!r} already appears on line {seen[record.slug]}"
            )
            continue
        seen[record.slug] = number
        records.append(record)
    if errors:
        raise ImportFileError(errors)
    return records


def record_to_json(record: ArticleRecord) -> str:
    """One line of the export file. Empty optional keys are left out, so files stay as written."""
    translations = {}
    for code, tr in record.translations.items():
        item: dict[str, object] = {"title": tr.title, "body": tr.body, "questions": list(tr.questions)}
        if tr.summary:
            item["summary"] = tr.summary
        if tr.slug:
            item["slug"] = tr.slug
        translations[code] = item
    data: dict[str, object] = {"slug": record.slug, "category": record.category, "status": record.status}
    if record.order is not None:
        data["order"] = record.order
    data["translations"] = translations
    if record.media:
        data["media"] = [
            {
                "reference": item.reference,
                "name": item.name,
                **({"alt": item.alt} if item.alt else {}),
                **({"caption": item.caption} if item.caption else {}),
                "files": {code: base64.b64encode(data).decode("ascii") for code, data in item.files.items()},
            }
            for item in record.media
        ]
    return json.dumps(data, ensure_ascii=False)


@dataclass(frozen=True)
class CategoryRecord:
    slug: str
    names: dict[str, tuple[str, str]]  # language -> (name, description)
    order: int = 0


def parse_category_lines(
    lines: Iterable[str], *, filename: str, languages: Iterable[str], source_language: str
) -> list[CategoryRecord]:
    """Parse category lines `{"slug", "order", "translations": {lang: {"name", "description"}}}`."""
    languages = list(languages)
    records, errors = [], []
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        try:
            data = json.loads(raw)
            if not isinstance(data, dict):
                raise _LineError("each line must be a JSON object")
            translations = data.get("translations")
            if not isinstance(translations, dict) or source_language not in translations:
                raise _LineError(f"translations must include the source language {source_language!r}")
            names = {}
            for code, value in translations.items():
                if code not in languages:
                    raise _LineError(f"unknown language {code!r} (this site has: {', '.join(languages)})")
                if not isinstance(value, dict):
                    raise _LineError(f"translations.{code} must be an object")
                names[code] = (
                    _string(value.get("name"), f"translations.{code}.name", required=True).strip(),
                    _string(value.get("description"), f"translations.{code}.description"),
                )
            order = data.get("order", 0)
            if not isinstance(order, int) or isinstance(order, bool) or order < 0:
                raise _LineError("order must be a non-negative integer")
            records.append(CategoryRecord(slug=_slug(data.get("slug"), "slug"), names=names, order=order))
        except json.JSONDecodeError as exc:
            errors.append(f"{filename}:{number}: invalid JSON ({exc.msg} at column {exc.colno})")
        except _LineError as exc:
            errors.append(f"{filename}:{number}: {exc}")
    if errors:
        raise ImportFileError(errors)
    return records
