"""A small text classifier shared by the chat's detectors (chatbot/person.py, chatbot/acts.py).

A logistic regression over character n-grams (any script, typos), with a sentence encoder also one
over embeddings, the two probabilities averaged. The labels a detector learns are its own; what a
message is *like* is learned the same way for all of them. Pure Python + scikit-learn.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from kb.search.intent import normalise


def _model() -> LogisticRegression:
    # What a detector looks for is a minority of what customers write: balanced weights keep every
    # side heard.
    return LogisticRegression(C=10.0, max_iter=1000, class_weight="balanced")


class TextClassifier:
    def __init__(self, vectorizer, lexical, semantic, encoder) -> None:
        self._vectorizer = vectorizer
        self._lexical = lexical
        self._semantic = semantic
        self._encoder = encoder
        self.classes = list(lexical.classes_)

    @classmethod
    def train(cls, labelled: Sequence[tuple[str, Hashable]], *, encoder=None) -> TextClassifier:
        texts = [text for text, _label in labelled]
        y = np.array([label for _text, label in labelled])
        vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(1, 4), sublinear_tf=True, preprocessor=normalise
        )
        lexical, semantic = _model(), None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            lexical.fit(vectorizer.fit_transform(texts), y)
            if encoder is not None:
                semantic = _model()
                semantic.fit(encoder.embed([("query", text) for text in texts]), y)
        return cls(vectorizer, lexical, semantic, encoder)

    def probabilities(self, text: str) -> np.ndarray:
        """P(label) for each of `classes`, in their order."""
        p = self._lexical.predict_proba(self._vectorizer.transform([text]))[0]
        if self._semantic is not None:
            # The same vector as the engine's and the other detectors' (the encoder's query cache).
            vector = self._encoder.query(text)[None, :].astype(np.float64)
            p = (p + self._semantic.predict_proba(vector)[0]) / 2
        return p
