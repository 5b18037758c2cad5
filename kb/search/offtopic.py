"""Off-topic questions in every site language, written for this project and shipped with it
(data/offtopic.jsonl): the calibration learns from them what the bot must refuse."""

import json
from functools import cache
from pathlib import Path

from .text import base_language

PATH = Path(__file__).resolve().parent / "data" / "offtopic.jsonl"


@cache
def _all() -> dict[str, tuple[str, ...]]:
    by_language: dict[str, list[str]] = {}
    for line in PATH.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            by_language.setdefault(row["language"], []).append(row["text"])
    return {code: tuple(texts) for code, texts in by_language.items()}


def offtopic_questions(language: str) -> tuple[str, ...]:
    """Those in `language` (or its base language); for a language the set does not have, all of them."""
    found = _all()
    for code in (language, base_language(language)):
        if code in found:
            return found[code]
    return tuple(text for texts in found.values() for text in texts)
