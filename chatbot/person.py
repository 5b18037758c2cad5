"""Does a chat message mainly ask for a person? Learned from examples, not from a list of words.

"I want to talk to a human", "je veux parler à quelqu'un", "转人工" are requests for a person; "how do
I give someone else access?", "Personne ne reçoit le mail" (nobody gets the e-mail) and "你们客服几点
上班？" merely contain such words. A text classifier (chatbot/classifier.py: character n-grams, and
embeddings with a sentence encoder) is trained on requests in every site language against
questions that contain person-words but ask something else and against off-topic questions
(chatbot/data/person_requests.jsonl, kb/search/data/offtopic.jsonl). Pure Python + scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path

from .classifier import TextClassifier

EXAMPLES = Path(__file__).resolve().parent / "data" / "person_requests.jsonl"


@cache
def examples(path: Path = EXAMPLES) -> tuple[tuple[str, bool], ...]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple((row["text"], bool(row["person"])) for row in rows)


class PersonDetector:
    def __init__(self, classifier: TextClassifier) -> None:
        self._classifier = classifier
        self._request = classifier.classes.index(True)

    @classmethod
    def train(cls, labelled: Sequence[tuple[str, bool]], *, encoder=None) -> PersonDetector:
        return cls(TextClassifier.train(labelled, encoder=encoder))

    def probability(self, text: str) -> float:
        """P(the message mainly asks to talk to a person)."""
        if not text.strip():
            return 0.0
        return float(self._classifier.probabilities(text)[self._request])
