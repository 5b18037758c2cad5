"""Search indexes over the published articles, one per language, held by each process.

Each web worker notices when the published content changes: the version (article/category/
translation-record counts and last update times) costs three small aggregate queries, made at most
once a second per worker, so several workers or machines need no coordination to see an edit.

With HELPCENTER_ENGINE_ARTIFACTS (a directory), an engine is built once per content version and
language on the machine, by whichever process gets there first (the task worker after an edit,
`manage.py build_engines` at a deployment, or a web worker that finds none), under a file lock, and
saved there (kb/search/artifact.py); every web worker then maps the same files instead of building
its own copy. Without it (development, the test suite) each process builds its own, as it always has.
"""

import contextlib
import hashlib
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max
from django.urls import reverse
from django.utils import translation
from modeltranslation.utils import build_localized_fieldname

from core.languages import source_language

from .conf import helpcenter_settings
from .embeddings import sentence_encoder
from .models import Article, Category, TranslationRecord
from .rendering import markdown_to_text
from .search import AnswerEngine, Document, artifact
from .search.engine import Targets
from .search.offtopic import offtopic_questions

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ArticleLink:
    """What a chat answer card shows of an article, in one language (with the source-language fallback)."""

    title: str
    slug: str
    url: str
    # The language the card's title and the linked page are written in: the customer's own, or the
    # source language for an article not translated yet.
    language: str


@dataclass(frozen=True)
class _Built:
    version: tuple
    engine: AnswerEngine
    # Built with the engine from the same rows, so that answering a chat message needs no query for
    # the cards while the engine is current.
    links: dict
    # When this process asked for it (_sequence): a later request always saw a later version, so an
    # engine never replaces one asked for after it, however long it took to build.
    seq: int = 0


_lock = threading.Lock()
_indexes: dict[str, _Built] = {}
_sequence = itertools.count(1)


# The version, as last read, with when it was read (time.monotonic()).
_version_memo: tuple[float, tuple] | None = None


def content_version() -> tuple:
    """A value that changes whenever anything the index and the public pages are built from changes.

    Read at most once per HELPCENTER_CONTENT_VERSION_TTL seconds per process (every page view and
    chat message asks); a save in this process forgets it at once (content_changed), a save in
    another worker or machine is seen within the interval."""
    global _version_memo
    memo = _version_memo
    now = time.monotonic()
    if memo is not None and now - memo[0] < helpcenter_settings().content_version_ttl:
        return memo[1]
    articles = Article.objects.published().aggregate(n=Count("id"), last=Max("updated_at"))
    categories = Category.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    # Translation records decide the notices on public pages (outdated, machine translated).
    records = TranslationRecord.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    version = (
        articles["n"],
        articles["last"],
        categories["n"],
        categories["last"],
        records["n"],
        records["last"],
    )
    _version_memo = (now, version)
    return version


def content_last_modified():
    """When the published content last changed (for Last-Modified), or None with no content."""
    _n, article_last, _m, category_last, _r, record_last = content_version()
    stamps = [stamp for stamp in (article_last, category_last, record_last) if stamp is not None]
    return max(stamps) if stamps else None


def _forget_version() -> None:
    global _version_memo
    _version_memo = None


def content_changed(**_kwargs) -> None:
    """Signal receiver: an article or category was saved or deleted."""
    _forget_version()
    # Another request may read the old version again before the transaction commits.
    transaction.on_commit(_forget_version)
    if helpcenter_settings().engine_artifacts:
        transaction.on_commit(_enqueue_engines_build)


_build_queued = threading.Event()


def _enqueue_engines_build() -> None:
    """After an edit, once per transaction: the task worker builds the new engines for every
    language, so that web workers only load them."""
    if _build_queued.is_set():
        return
    _build_queued.set()
    from .tasks import engines_build

    try:
        engines_build.enqueue()
    except Exception:  # noqa: BLE001 - the queue is away: web workers build what they do not find
        logger.exception("Could not queue the engine build; web workers will build the engines")
    finally:
        _build_queued.clear()


# Documents already made, by (language, article id): an edit re-renders only the article it touched.
_documents: dict[tuple[str, int], tuple[tuple, Document, ArticleLink]] = {}


def _link(title: str, slug: str, language: str) -> ArticleLink:
    return ArticleLink(
        title=title, slug=slug, url=reverse("kb:article", kwargs={"slug": slug}), language=language
    )


def _article_entries(language: str) -> list[tuple[Document, ArticleLink]]:
    """The published articles as search documents in `language` (falling back to the source text),
    each with its card link."""
    entries = []
    seen = set()
    with translation.override(language):
        for article in Article.objects.published().select_related("category"):
            key, stamp = (language, article.pk), (article.updated_at, article.category.updated_at)
            cached = _documents.get(key)
            if cached is None or cached[0] != stamp:
                # Modeltranslation falls back to the source text; the engine is told which it got.
                written_in = language if article.has_translation(language) else source_language()
                cached = (
                    stamp,
                    Document(
                        id=article.pk,
                        title=article.title,
                        questions=tuple(article.question_list()),
                        summary=article.summary,
                        body=markdown_to_text(article.body),
                        category=article.category.name,
                        language="" if written_in == language else written_in,
                    ),
                    _link(article.title, article.slug, written_in),
                )
                _documents[key] = cached
            seen.add(key)
            entries.append(cached[1:])
    for key in [k for k in _documents if k[0] == language and k not in seen]:
        del _documents[key]  # unpublished or deleted
    return entries


_rebuilding: set[str] = set()


def engine_build(
    documents: list[Document], language: str, source_documents: list[Document], *, encoder=None
) -> AnswerEngine:
    """An engine as the site builds it (its encoder, off-topic questions and target precisions), for
    the site's own articles and for `evaluate_bot`'s files alike. `source_documents`: the same
    articles in the source language, so that a question finds an article by meaning through either
    text, and an article not translated yet through the source one. `encoder`: the site's unless given."""
    encoder = encoder or sentence_encoder()
    conf = helpcenter_settings()
    return AnswerEngine.build(
        documents,
        language,
        encoder=encoder,
        source_documents=source_documents if encoder is not None and language != source_language() else (),
        offtopic=offtopic_questions(language),
        targets=Targets(answer=conf.chat_answer_precision, suggest=conf.chat_suggest_precision),
    )


def _build(language: str, version: tuple, seq: int = 0) -> _Built:
    entries = _article_entries(language)
    source = source_language()
    sources = []
    if language != source and sentence_encoder() is not None:
        sources = [replace(document, language=source) for document, _link in _article_entries(source)]
    engine = engine_build([document for document, _link in entries], language, sources)
    return _Built(version, engine, {document.id: link for document, link in entries}, seq)


def _artifact_meta(language: str, version: tuple) -> dict:
    """What an artifact must have been built for to be used for `version` in this deployment."""
    conf = helpcenter_settings()
    encoder = sentence_encoder()
    return {
        "language": language,
        "version": [value.isoformat() if hasattr(value, "isoformat") else value for value in version],
        "encoder": encoder.name if encoder is not None else "none",
        # A new release may analyse text or reverse URLs differently.
        "release": conf.release,
        "targets": [conf.chat_answer_precision, conf.chat_suggest_precision],
    }


def _artifact_path(meta: dict) -> Path:
    key = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:24]
    return Path(helpcenter_settings().engine_artifacts) / f"{meta['language']}-{key}"


def _load_artifact(path: Path, meta: dict, version: tuple, seq: int) -> _Built | None:
    try:
        engine, _meta, extra = artifact.load(path, expect=meta, encoder=sentence_encoder())
    except artifact.ArtifactMissing:
        return None
    except artifact.ArtifactError as exc:
        logger.warning("Engine artifact %s is unusable and will be rebuilt: %s", path, exc)
        artifact.discard(path)
        return None
    links = {int(pk): ArticleLink(*fields) for pk, fields in extra["links"].items()}
    return _Built(version, engine, links, seq)


def engine_obtain(
    language: str, version: tuple, seq: int = 0, *, load: bool = True, locking: bool = True
) -> _Built | None:
    """The engine for `language` at `version`: loaded from the artifact directory if an artifact for
    it is there and sound; else built, by this process only if no other is building it (their
    artifact is loaded instead), and saved there for the others. Built here without an artifact
    directory."""
    directory = helpcenter_settings().engine_artifacts
    if not directory:
        return _build(language, version, seq)
    meta = _artifact_meta(language, version)
    path = _artifact_path(meta)
    built = _load_artifact(path, meta, version, seq) if load else None
    if built is not None or (not load and _sound(path, meta)):
        return built
    lock = artifact.build_lock(Path(directory), language) if locking else contextlib.nullcontext()
    with lock:
        # Another process may have built it while this one waited.
        built = _load_artifact(path, meta, version, seq) if load else None
        if built is not None or (not load and _sound(path, meta)):
            return built
        if load and helpcenter_settings().engine_build_in_child:
            # A web worker: the build's peak memory (several times the engine) would stay with
            # the worker for good; a short-lived child process builds and the worker loads.
            _build_in_child(language)
            built = _load_artifact(path, meta, version, seq)
            if built is not None:
                return built
        fresh = _build(language, version, seq)
        links = {pk: [link.title, link.slug, link.url, link.language] for pk, link in fresh.links.items()}
        artifact.save(fresh.engine, path, meta=meta, extra={"links": links})
        # The previous version stays for workers still loading it; older ones go.
        artifact.prune(Path(directory), f"{language}-", keep=2)
    if not load:
        return None
    # This process, too, maps the shared files rather than keeping its private copy.
    return _load_artifact(path, meta, version, seq) or fresh


def _build_in_child(language: str) -> None:
    """`manage.py build_engines --language <language>` in a child process, which relies on this
    process's build lock (held by the caller)."""
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "build_engines"]
    command += ["--language", language, "--caller-holds-lock", "--verbosity", "0"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        logger.error("Building the %s engine in a child process failed: %s", language, done.stderr[-2000:])


def _sound(path: Path, meta: dict) -> bool:
    try:
        artifact.verify(path, meta)
    except artifact.ArtifactError:
        return False
    return True


def engines_prepare(languages, *, locking: bool = True) -> list[str]:
    """Make sure the artifacts for the current content exist (the task worker, `build_engines`);
    the languages done. Keeps no engine in this process. `locking=False`: the caller (the web
    worker that started this process) holds the build lock."""
    if not helpcenter_settings().engine_artifacts:
        return []
    _forget_version()
    version = content_version()
    for language in languages:
        # Every edit queues this task: the ones after the first find the artifacts there.
        engine_obtain(language, version, load=False, locking=locking)
    return list(languages)


def _install(language: str, built: _Built) -> _Built:
    """Serve `built` unless this process already serves an engine it asked for later; the one served."""
    with _lock:
        current = _indexes.get(language)
        if current is None or built.seq > current.seq:
            _indexes[language] = built
            return built
        return current


def _rebuild_in_background(language: str, version: tuple, seq: int) -> None:
    try:
        _install(language, engine_obtain(language, version, seq))
    except Exception:  # noqa: BLE001 - the old engine keeps serving; the next request tries again
        logger.exception("Rebuilding the %s answer engine failed", language)
    finally:
        _rebuilding.discard(language)
        connection.close()  # this thread's own database connection


def answer_engine(language: str) -> AnswerEngine:
    """The engine for `language`, rebuilt when the published content changed since it was built.

    The first build happens in the request that needs it. Later rebuilds (a build takes seconds with
    thousands of articles) run in a background thread while the previous engine keeps answering,
    when HELPCENTER_ENGINE_BACKGROUND_REBUILD is on; otherwise the request waits for the new one."""
    version = content_version()
    built = _indexes.get(language)
    if built is not None and built.version == version:
        return built.engine
    if built is not None and helpcenter_settings().engine_background_rebuild:
        with _lock:
            start = language not in _rebuilding
            _rebuilding.add(language)
        if start:
            threading.Thread(
                target=_rebuild_in_background,
                args=(language, version, next(_sequence)),
                name=f"engine-{language}",
                daemon=True,
            ).start()
        return built.engine
    seq = next(_sequence)
    with _build_locks.setdefault(language, threading.Lock()):
        built = _indexes.get(language)
        if built is None or built.version != version:
            built = _install(language, engine_obtain(language, version, seq))
    return built.engine


# One build at a time per language in this process (requests that need it wait for it).
_build_locks: dict[str, threading.Lock] = {}


def article_links(language: str, ids) -> dict[int, ArticleLink]:
    """Title, slug and address in `language` of those of the published articles `ids`, by id.

    From memory while this process's engine for the language is current; while it is being rebuilt
    (the old one still answers) from the database, so that an article unpublished or renamed a
    moment ago is never shown as it was."""
    ids = list(ids)
    built = _indexes.get(language)
    if built is not None and built.version == content_version():
        return {pk: built.links[pk] for pk in ids if pk in built.links}
    source = source_language()
    title, source_title, slug, source_slug = (
        build_localized_fieldname(name, code) for name in ("title", "slug") for code in (language, source)
    )
    rows = (
        Article.objects.published().filter(pk__in=ids).values("pk", *{title, source_title, slug, source_slug})
    )
    with translation.override(language):
        return {
            row["pk"]: _link(
                row[title] or row[source_title],
                row[slug] or row[source_slug],
                language if row[title] else source,
            )
            for row in rows
        }


def engines_built() -> list[str]:
    """The languages whose engine this process holds."""
    return sorted(_indexes)


def engine_versions() -> dict[str, str]:
    """Per language, a short digest of the content version this process's engine was built for:
    after an edit, every worker answers with the new content once all report the same."""
    return {
        language: hashlib.sha256(repr(built.version).encode()).hexdigest()[:12]
        for language, built in sorted(_indexes.items())
    }


def engines_warm(languages) -> None:
    """Build the engines before the first customer needs them (gunicorn's post_worker_init).
    Workers start from different languages: with shared engines, each then builds (or waits for)
    a different one instead of all queueing for the first."""
    languages = list(languages)
    start = os.getpid() % len(languages) if languages else 0
    for language in languages[start:] + languages[:start]:
        answer_engine(language)


def clear_indexes() -> None:
    _forget_version()
    _indexes.clear()
    _documents.clear()
