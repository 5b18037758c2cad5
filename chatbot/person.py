"""Does a chat message mainly ask for a person? Learned from examples, not from a list of words.

"I want to talk to a human", "je veux parler à quelqu'un", "转人工" are requests for a person; "how do
I give someone else access?", "Personne ne reçoit le mail" (nobody gets the e-mail) and "你们客服几点
上班？" merely contain such words. A logistic regression over character n-grams (any script, typos),
with a sentence encoder also over embeddings, is trained on requests in every site language against
questions that contain person-words but ask something else and against off-topic questions
(chatbot/data/person_requests.jsonl, kb/search/data/offtopic.jsonl). Pure Python + scikit-learn.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kb.search.intent import normalise

EXAMPLES = Path(__file__).resolve().parent / "data" / "person_requests.jsonl"


@cache
def examples(path: Path = EXAMPLES) -> tuple[tuple[str, bool], ...]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return tuple((row["text"], bool(row["person"])) for row in rows)


class PersonDetector:
    def __init__(self, vectorizer, lexical, semantic, encoder) -> None:
        self._vectorizer = vectorizer
        self._lexical = lexical
        self._semantic = semantic
        self._encoder = encoder

    @classmethod
    def train(cls, labelled: Sequence[tuple[str, bool]], *, encoder=None) -> PersonDetector:
        texts = [text for text, _person in labelled]
        y = np.array([person for _text, person in labelled])
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, preprocessor=normalise
        )
        # Requests are a minority of what customers write: balanced weights keep both sides heard.
        lexical = LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")
        semantic = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lexical.fit(vectorizer.fit_transform(texts), y)
            if encoder is not None:
                semantic = LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")
                semantic.fit(encoder.embed([("query", text) for text in texts]), y)
        return cls(vectorizer, lexical, semantic, encoder)

    def probability(self, text: str) -> float:
        """P(the message mainly asks to talk to a person)."""
        if not text.strip():
            return 0.0
        p = float(self._lexical.predict_proba(self._vectorizer.transform([text]))[0, 1])
        if self._semantic is not None:
            vector = self._encoder.query(text)[None, :].astype(np.float64)
            p = (p + float(self._semantic.predict_proba(vector)[0, 1])) / 2
        return p
