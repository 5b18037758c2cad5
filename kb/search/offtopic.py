"""Off-topic questions in every site language, written for this project and shipped with it
(data/offtopic.jsonl): the calibration learns from them what the bot must refuse."""

import json
from functools import cache
from pathlib import Path

from .text import base_language

PATH = Path(__file__).resolve().parent / "data" / "offtopic.jsonl"


@cache
def _all() -> dict[str, tuple[tuple[str, str], ...]]:
    by_language: dict[str, list[tuple[str, str]]] = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_language.setdefault(row["language"], []).append((row["text"], row.get("kind", "")))
    return {code: tuple(rows) for code, rows in by_language.items()}


# The kinds of off-topic question the set holds: "" general knowledge and everyday life, "near" the
# help center's own field but not answered by it (products it does not sell, neighbouring services,
# general knowledge of the field), "talk" small talk, "junk" input that is not a question at all
# (markup, code, random characters).
KINDS = ("", "near", "talk", "junk")


def offtopic_questions(language: str, *, kinds: tuple[str, ...] = KINDS) -> tuple[str, ...]:
    """Those in `language` (or its base language) of `kinds`; for a language the set does not have,
    all of them."""
    found = _all()
    for code in (language, base_language(language)):
        if code in found:
            return tuple(text for text, kind in found[code] if kind in kinds)
    return tuple(text for rows in found.values() for text, kind in rows if kind in kinds)
