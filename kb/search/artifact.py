"""An answer engine saved to a directory and loaded back, so that one process builds it and every
web worker on the machine maps the same files instead of building its own copy.

Pure Python + numpy/scipy, no Django. Layout of one artifact (a directory):

- ``manifest.json``: the format number, what the engine was built for (``meta``: language, content
  version, encoder, ...), and the size and SHA-256 of every other file;
- ``engine.json``: small values (calibration, what the caller keeps alongside);
- ``*.npy``: everything else, loaded with ``mmap_mode="r"``: the numeric state (postings, idf,
  classifier weights, nearest-neighbour matrices, sentence embeddings) and the strings too
  (documents' titles and passages, vocabularies, ids; the caller's string columns), as UTF-8 bytes
  with offsets and hash tables (kb/search/frozen.py). The pages are the operating system's page
  cache, shared by every process that maps them and counted once; a worker's private share of a
  loaded engine is a few small objects.

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
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import scipy.sparse

from .engine import AnswerEngine, Calibration, CalibrationReport, _Learners
from .frozen import IdTable, StringIndex, StringTable
from .index import SearchIndex
from .intent import IntentModel
from .semantic import LinearClassifier, SemanticModel

# Bump whenever what is written changes meaning: older artifacts are then foreign and rebuilt.
# 3: the calibration has the off-topic similarity features and its off-topic detector (the reference
# questions are not stored: the loader sets `offtopic_reference` again from the shipped file).
# 4: the gate's threshold for answers (`refuse_answer_at`).
FORMAT = 4
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


def _engine_state(engine: AnswerEngine) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-able small values, named arrays) of an engine: every string table and dictionary is
    arrays (kb/search/frozen.py), so that a loaded engine keeps almost nothing private."""
    index, intents, semantic = engine.index, engine.intents, engine.semantic
    arrays: dict[str, np.ndarray] = {f"index_{name}": value for name, value in index.arrays().items()}
    strings: dict = {"language": engine.language, "index": {"language": index.language}}
    state = intents.arrays()
    strings["intents"] = {
        "fitted": state["parts"] is not None,
        "parts": len(state["parts"] or ()),
        "kind": intents.kind,
    }
    arrays.update(intents.ids.arrays("intents_ids"))
    for n, (vocabulary, idf) in enumerate(state["parts"] or ()):
        arrays.update(vocabulary.arrays(f"intents_vocabulary_{n}"))
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
        if list(semantic.ids) != list(intents.ids):
            raise ArtifactError("the meaning model's articles differ from the classifier's")
        strings["semantic"] = {}
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
        "offtopic_weights": None if c.offtopic_weights is None else c.offtopic_weights.tolist(),
        "offtopic_bias": c.offtopic_bias,
        "refuse_at": c.refuse_at,
        "refuse_answer_at": c.refuse_answer_at,
    }
    return strings, arrays


def save(
    engine: AnswerEngine,
    directory: Path,
    *,
    meta: Mapping,
    extra: Mapping | None = None,
    tables: Mapping[str, Sequence[str]] | None = None,
) -> Path:
    """Write `engine` as an artifact at `directory` (replacing any there), atomically.

    `meta` (JSON-able) says what it was built for and is checked by `load`; `extra` (JSON-able) and
    `tables` (columns of strings, e.g. the articles' titles and addresses) are kept alongside: what
    the caller needs with the engine. `load` gives the tables back as StringTables in
    extra["tables"]."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    temporary = directory.parent / f".{directory.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    temporary.mkdir()
    try:
        strings, arrays = _engine_state(engine)
        strings["extra"] = dict(extra or {})
        strings["tables"] = sorted(tables or {})
        for name, column in (tables or {}).items():
            arrays.update(StringTable.of(column).arrays(f"table_{name}"))
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
        extra = dict(strings.get("extra") or {})
        extra["tables"] = {
            name: StringTable.from_arrays(array, f"table_{name}") for name in strings["tables"]
        }
    except ArtifactError:
        raise
    except (KeyError, TypeError, ValueError, IndexError, OSError) as exc:
        raise ArtifactError(f"artifact at {directory} cannot be read: {exc!r}") from None
    return engine, manifest["meta"], extra


def _engine_from(strings: dict, array, encoder) -> AnswerEngine:
    language = strings["language"]
    index = SearchIndex.from_arrays(strings["index"]["language"], lambda name: array(f"index_{name}"))
    saved = strings["intents"]
    parts = None
    if saved["fitted"]:
        parts = [
            (StringIndex.from_arrays(array, f"intents_vocabulary_{n}"), array(f"intents_idf_{n}"))
            for n in range(int(saved["parts"]))
        ]
        for vocabulary, idf in parts:
            if idf is None or len(idf) != len(vocabulary):
                raise ArtifactError("intent vocabulary and idf differ in length")
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
        IdTable.from_arrays(array, "intents_ids"),
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
            intents.ids,
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
        offtopic_weights=None
        if c["offtopic_weights"] is None
        else np.array(c["offtopic_weights"], dtype=np.float64),
        offtopic_bias=float(c["offtopic_bias"]),
        refuse_at=float(c["refuse_at"]),
        refuse_answer_at=float(c["refuse_answer_at"]),
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
