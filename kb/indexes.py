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
import functools
import hashlib
import itertools
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
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
from .search.engine import OfftopicReference, Targets, offtopic_sets
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
    # What the engine was built from (_Inputs.digest): after an edit that did not touch this
    # language's documents (a French translation saved, the English engine), the engine stays.
    digest: str = ""


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
    from .tasks import engines_build

    if helpcenter_settings().engine_background_rebuild and _runs_inline(engines_build):
        # No task worker (`make run`): the task would build every changed language inside the
        # editor's save. This process's background rebuild builds and stores them instead, as
        # the next request asks for them.
        return
    _build_queued.set()

    try:
        engines_build.enqueue()
    except Exception:  # noqa: BLE001 - the queue is away: web workers build what they do not find
        logger.exception("Could not queue the engine build; web workers will build the engines")
    finally:
        _build_queued.clear()


def _runs_inline(task) -> bool:
    from django.tasks.backends.immediate import ImmediateBackend

    return isinstance(task.get_backend(), ImmediateBackend)


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
                document = Document(
                    id=article.pk,
                    title=article.title,
                    questions=tuple(article.question_list()),
                    summary=article.summary,
                    body=markdown_to_text(article.body),
                    category=article.category.name,
                    language="" if written_in == language else written_in,
                )
                cached = (stamp, document, _link(article.title, article.slug, written_in))
                _documents[key] = cached
            seen.add(key)
            entries.append(cached[1:])
    for key in [k for k in _documents if k[0] == language and k not in seen]:
        del _documents[key]  # unpublished or deleted
    return entries


_rebuilding: set[str] = set()


def engine_build(
    documents: list[Document],
    language: str,
    source_documents: list[Document],
    *,
    encoder=None,
    lexical: bool = False,
) -> AnswerEngine:
    """An engine as the site builds it (its encoder, off-topic questions and target precisions), for
    the site's own articles and for `evaluate_bot`'s files alike. `source_documents`: the same
    articles in the source language, so that a question finds an article by meaning through either
    text, and an article not translated yet through the source one. `encoder`: the site's unless given;
    `lexical`: none (the words-only engine that answers while the full one is built)."""
    encoder = None if lexical else (encoder or sentence_encoder())
    conf = helpcenter_settings()
    return AnswerEngine.build(
        documents,
        language,
        encoder=encoder,
        source_documents=source_documents if encoder is not None and language != source_language() else (),
        offtopic=offtopic_questions(language, kinds=GENERAL_OFFTOPIC),
        refuse=offtopic_questions(language, kinds=GATE_OFFTOPIC),
        targets=Targets(answer=conf.chat_answer_precision, suggest=conf.chat_suggest_precision),
    )


# The general off-topic questions teach the answer probability; the near-domain ones, small talk and
# non-questions only the off-topic gate (kb/search/engine.py).
GENERAL_OFFTOPIC = ("",)
GATE_OFFTOPIC = ("near", "talk", "junk")


@functools.cache
def _offtopic_reference(language: str) -> OfftopicReference:
    """The off-topic questions a loaded engine compares messages with, as its build did."""
    general, refuse = offtopic_sets(
        offtopic_questions(language, kinds=GENERAL_OFFTOPIC),
        offtopic_questions(language, kinds=GATE_OFFTOPIC),
    )
    return OfftopicReference([*general, *refuse], sentence_encoder())


class _Inputs:
    """What one language's engine is built from. The digest comes from the raw columns (one query, no
    model instances, no Markdown rendered); the documents are made only when a build needs them."""

    def __init__(self, language: str) -> None:
        self.language = language
        encoder = sentence_encoder()
        self.with_sources = language != source_language() and encoder is not None
        conf = helpcenter_settings()
        digest = hashlib.sha256(
            json.dumps(
                [
                    language,
                    encoder.name if encoder is not None else "none",
                    conf.chat_answer_precision,
                    conf.chat_suggest_precision,
                    self.with_sources,
                ]
            ).encode()
        )
        for row in _input_rows(language, with_sources=self.with_sources):
            digest.update(repr(row).encode("utf-8"))
        # Equal digests, equal engines.
        self.digest = digest.hexdigest()

    @functools.cached_property
    def entries(self) -> list[tuple[Document, ArticleLink]]:
        return _article_entries(self.language)

    @functools.cached_property
    def sources(self) -> list[Document]:
        if not self.with_sources:
            return []
        source = source_language()
        return [replace(document, language=source) for document, _link in _article_entries(source)]


_INPUT_FIELDS = ("title", "slug", "summary", "body", "questions")


def _input_rows(language: str, *, with_sources: bool):
    """For each published article, the values its document and card link in `language` are made of:
    each field as modeltranslation gives it (the language's own, else the first language it falls
    back to that has one), whether the article is translated, and with `with_sources` the source
    language's fields too (the documents a question can find an article through by meaning). So an
    edit to the English text changes a French engine only where French falls back to it."""
    chain = list(dict.fromkeys([language, *settings.MODELTRANSLATION_FALLBACK_LANGUAGES, source_language()]))
    source = source_language()
    names = [f"{name}_{code}" for name in (*_INPUT_FIELDS, "category") for code in chain]
    columns = ["pk", "order", "category_id"]
    columns += [build_localized_fieldname(name, code) for name in _INPUT_FIELDS for code in chain]
    columns += [f"category__{build_localized_fieldname('name', code)}" for code in chain]
    # In the documents' own order (the model's), which the engine's ties follow.
    for row in Article.objects.published().values_list(*columns).iterator(chunk_size=2000):
        values = dict(zip(names, row[3:], strict=True))
        shown = tuple(
            next(
                (values[f"{name}_{code}"] for code in chain if values[f"{name}_{code}"] not in ("", None)), ""
            )
            for name in (*_INPUT_FIELDS, "category")
        )
        translated = bool((values[f"title_{language}"] or "").strip())
        sources = (
            tuple(values[f"{name}_{source}"] for name in (*_INPUT_FIELDS, "category")) if with_sources else ()
        )
        yield (*row[:3], translated, shown, sources)


def _build(language: str, version: tuple, seq: int, inputs: _Inputs) -> _Built:
    documents = [document for document, _link in inputs.entries]
    # (Reverse URLs and the document text change only with a release, which is in the artifact's
    # meta; the digest covers the columns they are made of.)
    engine = engine_build(documents, language, inputs.sources)
    links = {document.id: link for document, link in inputs.entries}
    return _Built(version, engine, links, seq, inputs.digest)


def _artifact_meta(language: str, digest: str) -> dict:
    """What an artifact must have been built for to be used for these inputs (_Inputs.digest) in
    this deployment."""
    conf = helpcenter_settings()
    encoder = sentence_encoder()
    return {
        "language": language,
        # The documents, not the site-wide content version: an edit in one language leaves the
        # other languages' artifacts current.
        "documents": digest,
        "encoder": encoder.name if encoder is not None else "none",
        # A new release may analyse text or reverse URLs differently.
        "release": conf.release,
        "targets": [conf.chat_answer_precision, conf.chat_suggest_precision],
    }


def _artifact_path(meta: dict) -> Path:
    key = hashlib.sha256(json.dumps(meta, sort_keys=True).encode()).hexdigest()[:24]
    return Path(helpcenter_settings().engine_artifacts) / f"{meta['language']}-{key}"


LINK_COLUMNS = ("title", "slug", "url", "language")


class _SharedLinks(Mapping):
    """Article id -> ArticleLink, read from the artifact's string columns (in the engine's document
    order) as asked: no private copy of 10,000 links in every worker."""

    def __init__(self, engine: AnswerEngine, tables: dict) -> None:
        self._index = engine.index
        self._columns = [tables[name] for name in LINK_COLUMNS]

    def __getitem__(self, pk) -> ArticleLink:
        position = self._index.position(pk)
        if position is None:
            raise KeyError(pk)
        return ArticleLink(*(column[position] for column in self._columns))

    def __contains__(self, pk) -> bool:
        return self._index.position(pk) is not None

    def __iter__(self):
        return (self._index.doc_id(i) for i in range(len(self._index)))

    def __len__(self) -> int:
        return len(self._index)


def _load_artifact(path: Path, meta: dict, version: tuple, seq: int) -> _Built | None:
    """The engine saved at `path`, if it is there and sound (a broken one is removed)."""
    try:
        engine, _meta, extra = artifact.load(path, expect=meta, encoder=sentence_encoder())
    except artifact.ArtifactMissing:
        return None
    except artifact.ArtifactError as exc:
        logger.warning("Engine artifact %s is unusable and will be rebuilt: %s", path, exc)
        artifact.discard(path)
        return None
    if sorted(extra["tables"]) != sorted(LINK_COLUMNS):
        logger.warning("Engine artifact %s has no article links and will be rebuilt", path)
        artifact.discard(path)
        return None
    engine.offtopic_reference = _offtopic_reference(meta["language"])
    return _Built(version, engine, _SharedLinks(engine, extra["tables"]), seq, meta["documents"])


def _version_record_path(language: str, version: tuple) -> Path:
    conf = helpcenter_settings()
    key = json.dumps([language, _json_version(version), conf.release], sort_keys=True)
    name = f"{language}-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"
    return Path(conf.engine_artifacts) / "versions" / name


def _json_version(version: tuple) -> list:
    return [value.isoformat() if hasattr(value, "isoformat") else value for value in version]


def _version_record(language: str, version: tuple, digest: str) -> None:
    """Note which documents the content `version` gives `language` (written atomically): web workers
    then learn it from this small file instead of each reading every article to work it out."""
    path = _version_record_path(language, version)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temporary.write_text(json.dumps({"version": _json_version(version), "documents": digest}))
    os.replace(temporary, path)
    records = sorted(path.parent.glob(f"{language}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in records[VERSION_RECORDS_KEPT:]:
        old.unlink(missing_ok=True)


# Per language: workers that have not yet looked at the newest version still find theirs.
VERSION_RECORDS_KEPT = 50


def _recorded(language: str, version: tuple, seq: int) -> _Built | None:
    """The engine for `version` as recorded by the process that prepared it (the task worker, a
    `build_engines` child): this process's own engine when the language's documents did not change,
    else the artifact, loaded; None when nothing is recorded yet."""
    try:
        digest = json.loads(_version_record_path(language, version).read_text())["documents"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    current = _indexes.get(language)
    if current is not None and current.digest == digest:
        # The edit was elsewhere: this engine is the new version's too.
        return replace(current, version=version, seq=seq)
    meta = _artifact_meta(language, digest)
    return _load_artifact(_artifact_path(meta), meta, version, seq)


def engine_obtain(
    language: str, version: tuple, seq: int = 0, *, load: bool = True, locking: bool = True
) -> _Built | None:
    """The engine for `language` at `version`.

    Without an artifact directory: this process's own engine if the language's documents did not
    change, else built here. With one (`load`: a web worker): what the task worker recorded for the
    version, else, under the language's build lock, what a `build_engines` child process prepares,
    loaded from the shared files; built here only as the last resort. `load=False` (the task
    worker, `build_engines`): makes sure the artifact and the version's record exist, keeps nothing."""
    directory = helpcenter_settings().engine_artifacts
    if not directory:
        inputs = _Inputs(language)
        current = _indexes.get(language)
        if current is not None and current.digest == inputs.digest:
            return replace(current, version=version, seq=seq)
        return _build(language, version, seq, inputs)
    if load and (built := _recorded(language, version, seq)) is not None:
        return built
    lock = artifact.build_lock(Path(directory), language) if locking else contextlib.nullcontext()
    with lock:
        # Another process may have prepared it while this one waited.
        if load and (built := _recorded(language, version, seq)) is not None:
            return built
        if load and helpcenter_settings().engine_build_in_child:
            # A web worker: neither the build's peak memory (several times the engine) nor the
            # documents read to know whether anything changed should stay with the worker; a
            # short-lived child process does both and records what it found.
            _build_in_child(language)
            if (built := _recorded(language, version, seq)) is not None:
                return built
            # The content moved on while the child worked: serve what it recorded for the newer version.
            _forget_version()
            latest = content_version()
            if (built := _recorded(language, latest, seq)) is not None:
                return built
        inputs = _Inputs(language)
        current = _indexes.get(language)
        if load and current is not None and current.digest == inputs.digest:
            _version_record(language, version, inputs.digest)
            return replace(current, version=version, seq=seq)
        meta = _artifact_meta(language, inputs.digest)
        path = _artifact_path(meta)
        fresh = None
        if not _sound(path, meta):
            fresh = _build(language, version, seq, inputs)
            # In the engine's document order (_SharedLinks finds them by the engine's positions).
            ordered = [fresh.links[fresh.engine.index.doc_id(i)] for i in range(len(fresh.engine.index))]
            tables = {name: [getattr(link, name) for link in ordered] for name in LINK_COLUMNS}
            artifact.save(fresh.engine, path, meta=meta, tables=tables)
            # The previous version stays for workers still loading it; older ones go.
            artifact.prune(Path(directory), f"{language}-", keep=2)
        _version_record(language, version, inputs.digest)
    if not load:
        return None
    # This process, too, maps the shared files rather than keeping its private copy.
    return _load_artifact(path, meta, version, seq) or fresh or _build(language, version, seq, inputs)


# Engine builds run at a lower CPU priority than the web workers that keep answering meanwhile.
BUILD_NICENESS = 10


def _build_engines_command(language: str, *, caller_holds_lock: bool) -> list[str]:
    command = [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "build_engines"]
    command += ["--language", language, "--verbosity", "0", "--niceness", str(BUILD_NICENESS)]
    return command + (["--caller-holds-lock"] if caller_holds_lock else [])


def _build_in_child(language: str) -> None:
    """`manage.py build_engines --language <language>` in a child process, which relies on this
    process's build lock (held by the caller)."""
    done = subprocess.run(
        _build_engines_command(language, caller_holds_lock=True),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        logger.error("Building the %s engine in a child process failed: %s", language, done.stderr[-2000:])


def _build_in_children(languages: list[str], processes: int) -> None:
    """Build several languages at once, each by `build_engines` in its own child process (which takes
    the language's build lock), at most `processes` at a time. A child that fails is logged; the
    caller then builds what is still missing itself."""
    waiting, running = list(languages), []
    while waiting or running:
        while waiting and len(running) < processes:
            language = waiting.pop(0)
            child = subprocess.Popen(
                _build_engines_command(language, caller_holds_lock=False),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            running.append((language, child))
        language, child = running.pop(0)
        _out, errors = child.communicate()
        if child.returncode != 0:
            logger.error("Building the %s engine in a child process failed: %s", language, errors[-2000:])


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
    conf = helpcenter_settings()
    if not conf.engine_artifacts:
        return []
    _forget_version()
    version = content_version()
    languages = list(languages)
    if conf.engine_build_processes > 1 and locking and len(languages) > 1:
        # An edit that changed several languages' documents (a category renamed, an article
        # published): their builds share the machine's cores instead of queueing one after another.
        missing = [language for language in languages if not _artifact_current(language)]
        if len(missing) > 1:
            _build_in_children(missing, conf.engine_build_processes)
    for language in languages:
        # Every edit queues this task: the ones after the first find the artifacts there.
        engine_obtain(language, version, load=False, locking=locking)
    return languages


def _artifact_current(language: str) -> bool:
    meta = _artifact_meta(language, _Inputs(language).digest)
    return _sound(_artifact_path(meta), meta)


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
        # The same lock as a request that builds: one build of a language at a time in this process.
        with _build_locks.setdefault(language, threading.Lock()):
            current = _indexes.get(language)
            # Built meanwhile by whoever held the lock (the start-up warm-up): not built twice.
            if current is None or current.version != version:
                _install(language, engine_obtain(language, version, seq))
        _stand_ins.pop(language, None)
    except Exception:  # noqa: BLE001 - the old engine keeps serving; the next request tries again
        logger.exception("Rebuilding the %s answer engine failed", language)
    finally:
        _rebuilding.discard(language)
        connection.close()  # this thread's own database connection


def answer_engine(language: str) -> AnswerEngine:
    """The engine for `language`, rebuilt when the published content changed since it was built.

    With HELPCENTER_ENGINE_BACKGROUND_REBUILD on, no request waits for an engine with the sentence
    encoder: while the first one of a language is built (or loaded) in a background thread, the
    lexical engine (words only, built in a fraction of a second for a small help center) answers,
    marked `provisional` so that the transcript says so; later rebuilds also run in the background
    while the previous engine keeps answering. With it off (the test suite) the request builds."""
    version = content_version()
    built = _indexes.get(language)
    if built is not None and built.version == version:
        return built.engine
    background = helpcenter_settings().engine_background_rebuild
    if built is not None and background:
        _start_background_build(language, version)
        return built.engine
    if built is None and background and sentence_encoder() is not None:
        _start_background_build(language, version)
        return _stand_in(language, version)
    return _obtain_now(language, version)


def _obtain_now(language: str, version: tuple) -> AnswerEngine:
    """The engine for `version`, built (or loaded) here if this process does not hold it yet."""
    seq = next(_sequence)
    with _build_locks.setdefault(language, threading.Lock()):
        built = _indexes.get(language)
        if built is None or built.version != version:
            built = _install(language, engine_obtain(language, version, seq))
    return built.engine


def _start_background_build(language: str, version: tuple) -> None:
    with _lock:
        start = language not in _rebuilding
        _rebuilding.add(language)
    if start:
        thread = threading.Thread(
            target=_rebuild_in_background,
            args=(language, version, next(_sequence)),
            name=f"engine-{language}",
            daemon=True,
        )
        _threads.append(thread)
        thread.start()


# Per language: the lexical engine that answers while the full one is first built, with its version.
_stand_ins: dict[str, tuple[tuple, AnswerEngine]] = {}
_threads: list[threading.Thread] = []


def _stand_in(language: str, version: tuple) -> AnswerEngine:
    with _stand_in_locks.setdefault(language, threading.Lock()):
        held = _stand_ins.get(language)
        if held is not None and held[0] == version:
            return held[1]
        inputs = _Inputs(language)
        engine = engine_build([document for document, _link in inputs.entries], language, [], lexical=True)
        engine.provisional = True
        _stand_ins[language] = (version, engine)
        return engine


_stand_in_locks: dict[str, threading.Lock] = {}


def engines_wait() -> None:
    """Wait for this process's background engine builds to end (commands, tests)."""
    while _threads:
        _threads.pop().join()


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
        # The full engine, here and now: nobody is waiting for this process's answers yet.
        _obtain_now(language, content_version())


def clear_indexes() -> None:
    engines_wait()
    _offtopic_reference.cache_clear()
    _forget_version()
    _indexes.clear()
    _stand_ins.clear()
    _documents.clear()
