"""The translation workflow's rules, without Django: which fields are translated, which state a
translation is in, and what changed in the source since it was made. kb/translations/services.py
and selectors.py apply them to the database; formats.py is the files exchanged with translators."""

from __future__ import annotations

import difflib
import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass

# The fields whose source text is tracked by revisions and translated; slugs are exchanged too, but
# a new source slug does not make a translation outdated.
SOURCE_FIELDS = {"article": ("title", "summary", "body", "questions"), "category": ("name", "description")}
EXCHANGED_FIELDS = {
    "article": ("title", "slug", "summary", "body", "questions"),
    "category": ("name", "slug", "description"),
    # An article image's words (kb.ArticleImage): translated like the rest, without revisions.
    "image": ("alt", "caption"),
}


class State(enum.StrEnum):
    MISSING = "missing"
    OUTDATED = "outdated"
    NEEDS_REVIEW = "needs_review"
    UP_TO_DATE = "up_to_date"


def derive_state(*, has_text: bool, made_from: int | None, current: int, machine: bool) -> State:
    """A translation's state. `made_from` is the source revision it was made from (None when
    unknown: written before revisions were kept, or outside the application), `current` the source's
    latest revision (0 when none was recorded)."""
    if not has_text:
        return State.MISSING
    if made_from is None:
        # Nothing says which text it was made from: only safe if the source never changed.
        return State.UP_TO_DATE if current <= 1 else State.OUTDATED
    if made_from < current:
        return State.OUTDATED
    if machine:
        return State.NEEDS_REVIEW
    return State.UP_TO_DATE


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str
    # For a changed line paired with its old or new self: (changed?, text) pieces, so that a page can
    # mark the words that changed inside a long paragraph. Empty when the whole line is new or gone.
    segments: tuple[tuple[bool, str], ...] = ()


# Words, runs of spaces, single punctuation marks; Chinese and Japanese characters one by one, since
# those scripts do not separate words with spaces.
_TOKEN = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]|[^\W_]+|\s+|.", re.DOTALL)


def _inline(before: str, after: str) -> tuple[tuple[tuple[bool, str], ...], tuple[tuple[bool, str], ...]]:
    """The pieces of a changed line, old and new, with the words that differ marked."""
    a, b = _TOKEN.findall(before), _TOKEN.findall(after)
    old: list[tuple[bool, str]] = []
    new: list[tuple[bool, str]] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if i2 > i1:
            old.append((tag != "equal", "".join(a[i1:i2])))
        if j2 > j1:
            new.append((tag != "equal", "".join(b[j1:j2])))
    return tuple(old), tuple(new)


@dataclass(frozen=True)
class FieldDiff:
    field: str
    lines: tuple[DiffLine, ...]

    @property
    def changed(self) -> bool:
        return any(line.kind != "same" for line in self.lines)


def source_diff(old: dict[str, str], new: dict[str, str], fields: Sequence[str]) -> list[FieldDiff]:
    """Line by line, what changed in each source field between two revisions (changed fields only)."""
    diffs = []
    for name in fields:
        before, after = (old.get(name) or "").splitlines(), (new.get(name) or "").splitlines()
        if before == after:
            continue
        lines = []
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
            if tag == "equal":
                lines += [DiffLine("same", text) for text in before[i1:i2]]
                continue
            removed, added = before[i1:i2], after[j1:j2]
            pieces = [_inline(old, new) for old, new in zip(removed, added, strict=False)]
            lines += [
                DiffLine("removed", text, pieces[n][0] if n < len(pieces) else ())
                for n, text in enumerate(removed)
            ]
            lines += [
                DiffLine("added", text, pieces[n][1] if n < len(pieces) else ())
                for n, text in enumerate(added)
            ]
        diffs.append(FieldDiff(name, tuple(lines)))
    return diffs
