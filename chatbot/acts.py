"""What a chat message does in the conversation, besides asking about an article: a greeting, "that
didn't help" / "no, the other one" (a retry), or a question about support itself (its hours, weekends,
languages, the wait). Learned from examples, not from a list of words.

"hi" is a greeting, "hi, I can't log in" a question; "what hours do your agents work?" asks about
support, "which hours am I billed for a stopped instance?" about an article. A text classifier
(chatbot/classifier.py: character n-grams, and embeddings with a sentence encoder) is trained on
examples of each act in every site language (chatbot/data/turns.jsonl) against ordinary questions,
requests for a person and off-topic questions. Pure Python + scikit-learn.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path

from .classifier import TextClassifier

EXAMPLES = Path(__file__).resolve().parent / "data" / "turns.jsonl"
# At or above this probability the message is taken to be that act.
LIKELY = 0.5


class Act(StrEnum):
    GREETING = "greeting"
    RETRY = "retry"  # the articles shown did not help: the next ones, or a person
    SUPPORT = "support"  # a question about support itself: hours, weekends, languages, the wait
    OTHER = "other"  # anything else: searched in the articles


@cache
def examples(path: Path = EXAMPLES) -> tuple[tuple[str, str], ...]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple((row["text"], Act(row["act"]).value) for row in rows)


class ActDetector:
    def __init__(self, classifier: TextClassifier) -> None:
        self._classifier = classifier
        self.classes = [Act(label) for label in classifier.classes]

    @classmethod
    def train(cls, labelled: Sequence[tuple[str, str]], *, encoder=None) -> ActDetector:
        return cls(TextClassifier.train(labelled, encoder=encoder))

    def probabilities(self, text: str) -> dict[Act, float]:
        """P(act) for each act; an empty message is OTHER."""
        if not text.strip():
            return {act: float(act == Act.OTHER) for act in Act}
        found = dict.fromkeys(Act, 0.0)
        found.update(
            {
                act: float(value)
                for act, value in zip(self.classes, self._classifier.probabilities(text), strict=True)
            }
        )
        return found

    def act(self, text: str) -> Act:
        """The act `text` most likely is, OTHER unless one is LIKELY."""
        probabilities = self.probabilities(text)
        best = max(probabilities, key=probabilities.get)
        return best if probabilities[best] >= LIKELY else Act.OTHER
