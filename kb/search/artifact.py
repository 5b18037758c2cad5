"""An answer engine saved to a directory and loaded back, so that one process builds it and every
web worker on the machine maps the same files instead of building its own copy.

Pure Python + numpy/scipy, no Django. Layout of one artifact (a directory):

- ``manifest.json``: the format number, what the engine was built for (``meta``: language, content
  version, encoder, ...), and the size and SHA-256 of every other file;
- ``engine.json``: the strings (documents' titles, passages, vocabularies, ids) and small values
  (calibration);
- ``*.npy``: the numeric state (postings, idf, classifier weights, nearest-neighbour matrices,
  sentence embeddings), loaded with ``mmap_mode="r"``: the pages are the operating system's page
  cache, shared by every process that maps them and counted once.

Nothing is pickled: the logistic regressions are stored as their arrays (coef_, intercept_,
classes_), and a loaded file never runs code. A directory is written under a temporary name and
renamed into place, so a reader sees a whole artifact or none; a reader checks the manifest's
format, meta and checksums before using any file, so a corrupt, truncated or foreign artifact
raises ArtifactError instead of being loaded.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import scipy.sparse

from .engine import AnswerEngine, Calibration, CalibrationReport, _Learners
from .index import Document, SearchIndex
from .intent import IntentModel
from .semantic import LinearClassifier, SemanticModel

# Bump whenever what is written changes meaning: older artifacts are then foreign and rebuilt.
FORMAT = 1
MANIFEST = "manifest.json"
STRINGS = "engine.json"
CHUNK = 1 << 20


class ArtifactError(Exception):
    """The artifact is missing, incomplete, corrupt, or was built for something else."""


class ArtifactMissing(ArtifactError):
    pass


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _terms_in_column_order(vocabulary: Mapping[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[int(column)] = term
    return terms


def _engine_state(engine: AnswerEngine) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-able strings and small values, named arrays) of an engine."""
    index, intents, semantic = engine.index, engine.intents, engine.semantic
    arrays: dict[str, np.ndarray] = {}
    terms = list(index._postings)
    lengths = np.fromiter((len(index._postings[t][0]) for t in terms), dtype=np.int64, count=len(terms))
    arrays["postings_offsets"] = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    arrays["postings_docs"] = (
        np.concatenate([index._postings[t][0] for t in terms]) if terms else np.zeros(0, np.int32)
    ).astype(np.int32)
    arrays["postings_weights"] = (
        np.concatenate([index._postings[t][1] for t in terms]) if terms else np.zeros(0)
    ).astype(np.float64)
    arrays["idf"] = np.fromiter((index._idf[t] for t in terms), dtype=np.float64, count=len(terms))
    strings: dict = {
        "language": engine.language,
        "index": {
            "language": index.language,
            # Only what answering reads: bodies are kept as their passages, questions and categories
            # live on in the postings and the classifier.
            "documents": [[d.id, d.title, d.summary, d.language] for d in index._docs],
            "passages": index._passages,
            "terms": terms,
            "vocabulary": index._vocabulary,
            "surface_terms": index._surface_terms,
        },
    }
    state = intents.arrays()
    strings["intents"] = {
        "ids": state["ids"],
        "vocabularies": None
        if state["parts"] is None
        else [_terms_in_column_order(vocabulary) for vocabulary, _idf in state["parts"]],
        "kind": intents.kind,
    }
    for n, (_vocabulary, idf) in enumerate(state["parts"] or ()):
        arrays[f"intents_idf_{n}"] = np.asarray(idf, dtype=np.float64)
    if state["weights"] is not None:
        # Feature-major (coef_ transposed), as the model reads it.
        arrays["intents_coef_t"] = state["weights"]
        arrays["intents_intercept"] = state["intercept"]
    if state["neighbours"] is not None:
        matrix, targets = state["neighbours"]
        strings["intents"]["neighbours_shape"] = list(matrix.shape)
        arrays["intents_neighbours_data"] = matrix.data
        arrays["intents_neighbours_indices"] = matrix.indices
        arrays["intents_neighbours_indptr"] = matrix.indptr
        arrays["intents_neighbours_targets"] = np.asarray(targets, dtype=np.int64)
    if semantic is not None:
        strings["semantic"] = {"ids": semantic.ids}
        arrays["semantic_vectors"] = semantic.vectors
        arrays["semantic_labels"] = semantic.labels
        arrays["semantic_groups"] = semantic.groups
        if semantic._classifier is not None:
            arrays["semantic_coef"] = semantic._classifier.coef
            arrays["semantic_intercept"] = semantic._classifier.intercept
            arrays["semantic_classes"] = semantic._classifier.classes
    c = engine.calibration
    strings["calibration"] = {
        "mean": c.mean.tolist(),
        "scale": c.scale.tolist(),
        "weights": c.weights.tolist(),
        "bias": c.bias,
        "answer": c.answer,
        "suggest": c.suggest,
        "report": vars(c.report),
        "fitted": c.fitted,
    }
    return strings, arrays


def save(engine: AnswerEngine, directory: Path, *, meta: Mapping, extra: Mapping | None = None) -> Path:
    """Write `engine` as an artifact at `directory` (replacing any there), atomically.

    `meta` (JSON-able) says what it was built for and is checked by `load`; `extra` is kept
    alongside (what the caller needs with the engine, e.g. the articles' links)."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = directory.parent / f".{directory.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        strings, arrays = _engine_state(engine)
        strings["extra"] = dict(extra or {})
        files = {}
        with (temporary / STRINGS).open("w", encoding="utf-8") as f:
            json.dump(strings, f, ensure_ascii=False, separators=(",", ":"))
        files[STRINGS] = temporary / STRINGS
        for name, array in arrays.items():
            path = temporary / f"{name}.npy"
            np.save(path, np.ascontiguousarray(array), allow_pickle=False)
            files[path.name] = path
        manifest = {
            "format": FORMAT,
            "meta": dict(meta),
            "files": {
                name: {"bytes": path.stat().st_size, "sha256": _sha256(path)} for name, path in files.items()
            },
        }
        with (temporary / MANIFEST).open("w", encoding="utf-8") as f:
            json.dump(manifest, f, ensure_ascii=False, indent=1)
        for path in [*files.values(), temporary / MANIFEST]:
            with path.open("rb") as f:
                os.fsync(f.fileno())
        if directory.exists():
            discard(directory)
        os.rename(temporary, directory)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise
    return directory


def discard(directory: Path) -> None:
    """Remove an artifact (a broken one, or one no longer current). Processes that mapped its files
    keep reading them: the files live on until unmapped."""
    directory = Path(directory)
    trash = directory.parent / f".{directory.name}.trash-{uuid.uuid4().hex[:8]}"
    try:
        os.rename(directory, trash)
    except FileNotFoundError:
        return
    shutil.rmtree(trash, ignore_errors=True)


def read_manifest(directory: Path) -> dict:
    try:
        manifest = json.loads((Path(directory) / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtifactMissing(f"no artifact at {directory}") from None
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"unreadable manifest in {directory}: {exc}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ArtifactError(f"malformed manifest in {directory}")
    return manifest


def verify(directory: Path, expect: Mapping) -> dict:
    """The manifest, once the format, every `expect`ed meta value and every file's size and checksum
    are as they should be; ArtifactError otherwise."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    if manifest.get("format") != FORMAT:
        raise ArtifactError(f"artifact format {manifest.get('format')!r}, expected {FORMAT}")
    meta = manifest.get("meta") or {}
    for key, value in expect.items():
        if meta.get(key) != value:
            raise ArtifactError(f"artifact built for {key}={meta.get(key)!r}, expected {value!r}")
    if STRINGS not in manifest["files"]:
        raise ArtifactError(f"{STRINGS} missing from the manifest")
    for name, entry in manifest["files"].items():
        path = directory / name
        if Path(name).name != name:
            raise ArtifactError(f"bad file name {name!r} in the manifest")
        try:
            size = path.stat().st_size
        except OSError:
            raise ArtifactError(f"{name} is missing") from None
        if size != entry.get("bytes"):
            raise ArtifactError(f"{name} is {size} bytes, the manifest says {entry.get('bytes')}")
        if _sha256(path) != entry.get("sha256"):
            raise ArtifactError(f"{name} does not match its checksum")
    return manifest


def load(directory: Path, *, expect: Mapping, encoder=None) -> tuple[AnswerEngine, dict, dict]:
    """(engine, meta, extra) of the artifact at `directory`, after `verify`. `encoder`: the one the
    engine embeds customers' messages with (the same the artifact was built with; put its name in
    `expect`)."""
    directory = Path(directory)
    manifest = verify(directory, expect)
    try:
        strings = json.loads((directory / STRINGS).read_text(encoding="utf-8"))
        names = set(manifest["files"])

        def array(name: str) -> np.ndarray | None:
            if f"{name}.npy" not in names:
                return None
            return np.load(directory / f"{name}.npy", mmap_mode="r", allow_pickle=False)

        engine = _engine_from(strings, array, encoder)
    except ArtifactError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        raise ArtifactError(f"artifact at {directory} cannot be read: {exc!r}") from None
    return engine, manifest["meta"], strings.get("extra") or {}


def _engine_from(strings: dict, array, encoder) -> AnswerEngine:
    language = strings["language"]
    saved = strings["index"]
    index = SearchIndex(saved["language"])
    index._docs = [Document(id=i, title=t, summary=s, language=lang) for i, t, s, lang in saved["documents"]]
    index._positions = {doc.id: i for i, doc in enumerate(index._docs)}
    index._passages = saved["passages"]
    index._vocabulary = saved["vocabulary"]
    index._surface_terms = saved["surface_terms"]
    terms = saved["terms"]
    offsets, docs, weights = array("postings_offsets"), array("postings_docs"), array("postings_weights")
    if len(offsets) != len(terms) + 1 or len(docs) != offsets[-1] or len(weights) != len(docs):
        raise ArtifactError("postings do not match their terms")
    bounds = offsets.tolist()
    # Views into the mapped files: the dictionary is this process's, the postings are shared.
    index._postings = {
        term: (docs[bounds[n] : bounds[n + 1]], weights[bounds[n] : bounds[n + 1]])
        for n, term in enumerate(terms)
    }
    index._idf = dict(zip(terms, array("idf").tolist(), strict=True))

    saved = strings["intents"]
    parts = None
    if saved["vocabularies"] is not None:
        parts = [
            ({term: column for column, term in enumerate(vocabulary)}, array(f"intents_idf_{n}"))
            for n, vocabulary in enumerate(saved["vocabularies"])
        ]
    neighbours = None
    if array("intents_neighbours_data") is not None:
        matrix = scipy.sparse.csr_matrix(
            (
                array("intents_neighbours_data"),
                array("intents_neighbours_indices"),
                array("intents_neighbours_indptr"),
            ),
            shape=tuple(saved["neighbours_shape"]),
            copy=False,
        )
        neighbours = (matrix, array("intents_neighbours_targets"))
    intents = IntentModel.from_arrays(
        saved["ids"],
        language,
        parts,
        array("intents_coef_t"),
        array("intents_intercept"),
        neighbours,
    )
    if intents.kind != saved["kind"]:
        raise ArtifactError(f"intent model is {intents.kind}, the artifact says {saved['kind']}")

    semantic = None
    if "semantic" in strings:
        if encoder is None:
            raise ArtifactError("the engine matches by meaning but no sentence encoder was given")
        classifier = None
        if array("semantic_coef") is not None:
            classifier = LinearClassifier(
                array("semantic_coef"), array("semantic_intercept"), array("semantic_classes")
            )
        semantic = SemanticModel(
            strings["semantic"]["ids"],
            array("semantic_vectors"),
            array("semantic_labels"),
            array("semantic_groups"),
            classifier,
        )
    c = strings["calibration"]
    calibration = Calibration(
        np.array(c["mean"], dtype=np.float64),
        np.array(c["scale"], dtype=np.float64),
        np.array(c["weights"], dtype=np.float64),
        float(c["bias"]),
        float(c["answer"]),
        float(c["suggest"]),
        CalibrationReport(**c["report"]),
        fitted=bool(c["fitted"]),
    )
    return AnswerEngine(_Learners(index, intents, semantic, encoder), calibration, language)


@contextlib.contextmanager
def build_lock(directory: Path, name: str) -> Iterator[None]:
    """An exclusive lock (flock) on `directory`/.lock-`name`, waited for: the one process holding it
    builds, the others then load what it wrote. Released when the process dies, whatever happens."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / f".lock-{name}").open("a") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)


def prune(directory: Path, prefix: str, keep: int = 2) -> list[Path]:
    """Remove all but the `keep` newest artifacts whose names start with `prefix`; the removed ones."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = sorted(
        (p for p in directory.iterdir() if p.name.startswith(prefix) and p.is_dir()),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for path in found[keep:]:
        discard(path)
    return found[keep:]
