"""The string tables an engine keeps in shared, memory-mapped arrays (kb/search/frozen.py)."""

import numpy as np
import pytest

from kb.search import frozen
from kb.search.frozen import IdTable, StringIndex, StringTable

WORDS = ["password", "mot de passe", "密码", "", "réinitialiser", "a\nb", "password2"]


def _reloaded(table, kind, prefix="t"):
    arrays = table.arrays(prefix)
    return kind.from_arrays(lambda name: arrays.get(name), prefix)


def test_a_table_gives_back_every_string_as_written():
    table = _reloaded(StringTable.of(WORDS), StringTable)
    assert len(table) == len(WORDS)
    assert [table[i] for i in range(len(WORDS))] == WORDS
    assert table.strings() == WORDS  # one holds the separator: decoded one by one
    assert table[-1] == "password2"
    assert table[1:3] == WORDS[1:3]
    with pytest.raises(IndexError):
        table[len(WORDS)]


def test_an_empty_table_round_trips():
    assert _reloaded(StringTable.of([]), StringTable).strings() == []
    assert _reloaded(StringIndex.of([]), StringIndex).get("x") is None


def test_an_index_finds_each_string_and_nothing_else():
    index = _reloaded(StringIndex.of(WORDS), StringIndex)
    for number, word in enumerate(WORDS):
        assert index.get(word) == number
        assert word in index
    assert index.get("passwor") is None
    assert "PASSWORD" not in index
    assert index.numbers(["密码", "nope", "password"]).tolist() == [2, -1, 0]


def test_a_hash_collision_never_matches_the_wrong_string(monkeypatch):
    # Every string hashes alike: only comparing the strings themselves tells them apart.
    monkeypatch.setattr(frozen, "_hash", lambda text: 7)
    monkeypatch.setattr(frozen, "_hashes", lambda strings: np.full(len(strings), 7, dtype=np.uint64))
    index = StringIndex.of(["alpha", "beta", "gamma"])
    assert [index.get(word) for word in ("alpha", "beta", "gamma", "delta")] == [0, 1, 2, None]
    assert index.numbers(["gamma", "delta", "alpha"]).tolist() == [2, -1, 0]


def test_a_corrupt_table_is_refused():
    arrays = StringTable.of(WORDS).arrays("t")
    arrays["t_offsets"] = arrays["t_offsets"][:-1]
    with pytest.raises(ValueError):
        StringTable.from_arrays(lambda name: arrays.get(name), "t")


@pytest.mark.parametrize(
    "ids", [[12, 7, 300, 1], ["reset-password", "refunds", "dns"], ["dns", 7, "7"]], ids=str
)
def test_ids_round_trip_with_their_positions(ids):
    table = _reloaded(IdTable.of(ids), IdTable, "ids")
    assert list(table) == ids
    assert [table[i] for i in range(len(ids))] == ids
    for position, doc_id in enumerate(ids):
        assert table.positions[doc_id] == position
    assert table.position(999) is None
    assert table.position("missing") is None
    assert 7.5 not in table.positions
