"""The bot's own training examples never contain the questions it is measured on (bench/data)."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MEASURED = ["bench/data/realistic-queries.jsonl", "bench/data/realistic-multiturn.jsonl"]


def _plain(text: str) -> str:
    return "".join(c for c in text.casefold() if c.isalnum())


def _measured() -> set[str]:
    texts = set()
    for name in MEASURED:
        for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            texts.update(_plain(text) for text in ([row["text"]] if "text" in row else row["turns"]))
    return texts


@pytest.mark.parametrize("name", ["chatbot/data/turns.jsonl", "chatbot/data/person_requests.jsonl"])
def test_training_examples_share_no_text_with_the_measured_questions(name):
    measured = _measured()
    rows = [
        json.loads(line) for line in (ROOT / name).read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    assert [row["text"] for row in rows if _plain(row["text"]) in measured] == []


def test_gate_only_offtopic_questions_share_no_text_with_the_measured_questions():
    # The general off-topic questions predate the realistic set (two one-word greetings of them,
    # "bonjour" and "こんにちは", are also a multi-turn case's first turn); the near-domain ones,
    # small talk and non-questions added for the gate share nothing with it.
    measured = _measured()
    path = ROOT / "kb" / "search" / "data" / "offtopic.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert [row["text"] for row in rows if row.get("kind") and _plain(row["text"]) in measured] == []
