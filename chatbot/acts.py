"""What a chat message does in the conversation, besides asking about an article: a greeting, "that
didn't help" / "no, the other one" (a retry), or a question about support itself (its hours, weekends,
languages, the wait). Learned from examples, not from a list of words.

"hi" is a greeting, "hi, I can't log in" a question; "what hours do your agents work?" asks about
support, "which hours am I billed for a stopped instance?" about an article. A logistic regression
over character n-grams (any script, typos), with a sentence encoder also over embeddings, is trained
on examples of each act in every site language (chatbot/data/turns.jsonl) against ordinary questions,
requests for a person and off-topic questions. Pure Python + scikit-learn.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from enum import StrEnum
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kb.search.intent import normalise

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
    def __init__(self, vectorizer, lexical, semantic, encoder) -> None:
        self._vectorizer = vectorizer
        self._lexical = lexical
        self._semantic = semantic
        self._encoder = encoder
        self.classes = [Act(label) for label in lexical.classes_]

    @classmethod
    def train(cls, labelled: Sequence[tuple[str, str]], *, encoder=None) -> ActDetector:
        texts = [text for text, _act in labelled]
        y = np.array([act for _text, act in labelled])
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, preprocessor=normalise
        )
        # The acts are a minority of what customers write: balanced weights keep every side heard.
        lexical = LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")
        semantic = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lexical.fit(vectorizer.fit_transform(texts), y)
            if encoder is not None:
                semantic = LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")
                semantic.fit(encoder.embed([("query", text) for text in texts]), y)
        return cls(vectorizer, lexical, semantic, encoder)

    def probabilities(self, text: str) -> dict[Act, float]:
        """P(act) for each act; an empty message is OTHER."""
        if not text.strip():
            return {act: float(act == Act.OTHER) for act in Act}
        p = self._lexical.predict_proba(self._vectorizer.transform([text]))[0]
        if self._semantic is not None:
            # The same vector as the engine's and the person detector's (the encoder's query cache).
            vector = self._encoder.query(text)[None, :].astype(np.float64)
            p = (p + self._semantic.predict_proba(vector)[0]) / 2
        found = dict.fromkeys(Act, 0.0)
        found.update({act: float(value) for act, value in zip(self.classes, p, strict=True)})
        return found

    def act(self, text: str) -> Act:
        """The act `text` most likely is, OTHER unless one is LIKELY."""
        probabilities = self.probabilities(text)
        best = max(probabilities, key=probabilities.get)
        return best if probabilities[best] >= LIKELY else Act.OTHER
