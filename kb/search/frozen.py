"""Strings kept as numpy arrays instead of Python objects, so that an engine loaded from an artifact
(kb/search/artifact.py) keeps its vocabularies, titles and passages in memory-mapped pages that every
worker on the machine shares, instead of a private copy per worker.

A Python str costs about 50 bytes besides its characters, and a dict entry as much again: the term
dictionaries of one language's engine at 10,000 articles came to about 25 MB of private objects per
worker, the same in every worker. Here a table is one UTF-8 byte array plus offsets; a lookup table
adds a sorted array of 64-bit hashes (blake2b: stable across processes, unlike hash()) with each
hash's string number, and checks the string itself, so that a hash collision can never match the
wrong string.

Pure Python + numpy, no Django.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

# Joins the strings in the byte array, so that a table whose strings never contain it decodes in one
# split (the typo corrector reads the whole vocabulary).
SEPARATOR = "\n"


def _hash(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")


def _hashes(strings: Sequence[str]) -> np.ndarray:
    blake2b = hashlib.blake2b
    return np.frombuffer(
        b"".join(blake2b(s.encode("utf-8"), digest_size=8).digest() for s in strings), dtype="<u8"
    ).copy()


class StringTable(Sequence):
    """An immutable sequence of strings: table[i] decodes one."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray) -> None:
        self._data = data  # uint8: the strings' UTF-8 bytes, SEPARATOR after each but the last
        self._offsets = offsets  # int64, len + 1: string i is data[offsets[i]:offsets[i + 1] - 1]
        self._buffer = memoryview(data)

    @classmethod
    def of(cls, strings: Iterable[str]) -> StringTable:
        strings = list(strings)
        encoded = [s.encode("utf-8") for s in strings]
        lengths = np.fromiter((len(e) + 1 for e in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
        data = np.frombuffer(b"\n".join(encoded) + b"\n" if encoded else b"", dtype=np.uint8).copy()
        return cls(data, offsets)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_data": self._data, f"{prefix}_offsets": self._offsets}

    @classmethod
    def from_arrays(cls, array, prefix: str) -> StringTable:
        data, offsets = array(f"{prefix}_data"), array(f"{prefix}_offsets")
        if offsets is None or data is None or len(offsets) < 1 or offsets[0] != 0 or offsets[-1] != len(data):
            raise ValueError(f"{prefix}: offsets do not match the data")
        return cls(data, offsets)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        start, end = int(self._offsets[i]), int(self._offsets[i + 1]) - 1
        return str(self._buffer[start:end], "utf-8")

    def strings(self) -> list[str]:
        """Every string, decoded (a short-lived list: the table itself stays in the shared pages)."""
        if not len(self):
            return []
        found = str(self._buffer[: len(self._data) - 1], "utf-8").split(SEPARATOR)
        if len(found) == len(self):
            return found
        return [self[i] for i in range(len(self))]  # some string holds a separator

    def __iter__(self):
        return iter(self.strings())


class StringIndex(StringTable):
    """A StringTable that also finds a string's number: index.get(text) -> int | None."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray, hashes: np.ndarray, order: np.ndarray) -> None:
        super().__init__(data, offsets)
        self._hashes = hashes  # uint64, sorted
        self._order = order  # int64: the number of the string with each hash

    @classmethod
    def of(cls, strings: Iterable[str]) -> StringIndex:
        strings = list(strings)
        table = StringTable.of(strings)
        hashes = _hashes(strings)
        order = np.argsort(hashes, kind="stable").astype(np.int64)
        return cls(table._data, table._offsets, hashes[order], order)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {**super().arrays(prefix), f"{prefix}_hashes": self._hashes, f"{prefix}_order": self._order}

    @classmethod
    def from_arrays(cls, array, prefix: str) -> StringIndex:
        table = StringTable.from_arrays(array, prefix)
        hashes, order = array(f"{prefix}_hashes"), array(f"{prefix}_order")
        if hashes is None or order is None or len(hashes) != len(table) or len(order) != len(table):
            raise ValueError(f"{prefix}: hashes do not match the strings")
        return cls(table._data, table._offsets, hashes, order)

    def get(self, text: str, default=None):
        if not len(self._hashes):
            return default
        value = np.uint64(_hash(text))
        at = int(np.searchsorted(self._hashes, value))
        while at < len(self._hashes) and self._hashes[at] == value:
            number = int(self._order[at])
            if self[number] == text:
                return number
            at += 1
        return default

    def numbers(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's number, -1 for those not in the table (one vectorised search for them all)."""
        found = np.full(len(texts), -1, dtype=np.int64)
        if not len(texts) or not len(self._hashes):
            return found
        wanted = _hashes(texts)
        at = np.searchsorted(self._hashes, wanted)
        inside = at < len(self._hashes)
        candidates = np.flatnonzero(inside)
        hit = candidates[self._hashes[at[candidates]] == wanted[candidates]]
        for i in hit.tolist():
            # Almost always the first candidate; a collision falls back to the careful lookup.
            number = int(self._order[at[i]])
            found[i] = number if self[number] == texts[i] else (self.get(texts[i], -1))
        return found

    def __contains__(self, text) -> bool:
        return isinstance(text, str) and self.get(text) is not None


class IdTable(Sequence):
    """Article ids in order (table[i] is the id at position i) and their positions
    (table.positions[id]): integers as arrays, strings as a StringIndex, a mix of both as a
    StringIndex of tagged strings ("i7", "sreset-password"), anything else as a list."""

    def __init__(self, values, *, sorted_values=None, order=None, tagged: bool = False) -> None:
        self._values = values  # int64 array, StringIndex, or list
        self._sorted = sorted_values
        self._order = order
        self._tagged = tagged
        self._lookup = None
        if isinstance(values, list):
            self._lookup = {value: i for i, value in enumerate(values)}
        self.positions = _Positions(self)

    @classmethod
    def of(cls, ids: Iterable) -> IdTable:
        ids = list(ids)
        if all(type(value) is int for value in ids):
            values = np.asarray(ids, dtype=np.int64).reshape(len(ids))
            order = np.argsort(values, kind="stable").astype(np.int64)
            return cls(values, sorted_values=values[order], order=order)
        if all(type(value) is str for value in ids):
            return cls(StringIndex.of(ids))
        if all(type(value) in (int, str) for value in ids):
            return cls(StringIndex.of(_tag(value) for value in ids), tagged=True)
        return cls(ids)

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        if isinstance(self._values, np.ndarray):
            return {
                f"{prefix}_int": self._values,
                f"{prefix}_int_sorted": self._sorted,
                f"{prefix}_int_order": self._order,
            }
        if isinstance(self._values, StringIndex):
            return self._values.arrays(f"{prefix}_{'tagged' if self._tagged else 'str'}")
        raise TypeError("only integer or string ids can be saved")

    @classmethod
    def from_arrays(cls, array, prefix: str) -> IdTable:
        values = array(f"{prefix}_int")
        if values is not None:
            sorted_values, order = array(f"{prefix}_int_sorted"), array(f"{prefix}_int_order")
            if sorted_values is None or order is None or not len(values) == len(sorted_values) == len(order):
                raise ValueError(f"{prefix}: id arrays do not match")
            return cls(values, sorted_values=sorted_values, order=order)
        if array(f"{prefix}_tagged_data") is not None:
            return cls(StringIndex.from_arrays(array, f"{prefix}_tagged"), tagged=True)
        return cls(StringIndex.from_arrays(array, f"{prefix}_str"))

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if isinstance(self._values, np.ndarray):
            return int(self._values[i])
        return _untag(self._values[i]) if self._tagged else self._values[i]

    def __iter__(self):
        if isinstance(self._values, np.ndarray):
            return iter(self._values.tolist())
        if isinstance(self._values, StringIndex):
            strings = self._values.strings()
            return iter([_untag(s) for s in strings] if self._tagged else strings)
        return iter(self._values)

    def position(self, doc_id) -> int | None:
        if self._lookup is not None:
            return self._lookup.get(doc_id)
        if self._tagged:
            return self._values.get(_tag(doc_id)) if type(doc_id) in (int, str) else None
        if isinstance(self._values, StringIndex):
            return self._values.get(doc_id) if isinstance(doc_id, str) else None
        if type(doc_id) is not int and not isinstance(doc_id, np.integer):
            return None
        at = int(np.searchsorted(self._sorted, doc_id))
        if at < len(self._sorted) and self._sorted[at] == doc_id:
            return int(self._order[at])
        return None


def _tag(value: int | str) -> str:
    return f"i{value}" if type(value) is int else f"s{value}"


def _untag(text: str) -> int | str:
    return int(text[1:]) if text[0] == "i" else text[1:]


class _Positions(Mapping):
    """id -> position, read-only, over an IdTable."""

    def __init__(self, table: IdTable) -> None:
        self._table = table

    def __getitem__(self, doc_id) -> int:
        position = self._table.position(doc_id)
        if position is None:
            raise KeyError(doc_id)
        return position

    def get(self, doc_id, default=None):
        position = self._table.position(doc_id)
        return default if position is None else position

    def __contains__(self, doc_id) -> bool:
        return self._table.position(doc_id) is not None

    def __iter__(self):
        return iter(self._table)

    def __len__(self) -> int:
        return len(self._table)
