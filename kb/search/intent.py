"""A classifier learned from the sample questions: which article does a customer's sentence ask for?

NOTES.md measured that learning from the sample questions pays: logistic regression over character
2-5-grams and word 1-2-grams beats term weighting on customers' own phrasing, while BM25 stays better
on some Chinese sets. The engine fuses both (kb/search/engine.py)."""

from __future__ import annotations

import re
import unicodedata
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from .text import tokenize

_CJK_SPACE = re.compile(r"(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])")
REGULARISATION_C = 20.0  # weak regularisation: sample questions are few and precise
MAX_ITERATIONS = 100
# Character n-grams seen in one example only say little and triple the model size.
MIN_DF = 2
# Logistic regression keeps a dense weight per (article, feature). Past this many weights (about
# 160 MB of float64) the model switches to nearest neighbours over the sparse example vectors.
MAX_DENSE_WEIGHTS = 20_000_000
NEIGHBOUR_TEMPERATURE = 25.0  # turns cosine similarities into a probability-like distribution


def normalise(text: str) -> str:
    """Case-folded NFKC text with the spaces between CJK characters removed (users type none)."""
    return _CJK_SPACE.sub("", unicodedata.normalize("NFKC", text).casefold())


class _WordNgrams:
    """Picklable analyzer: the search tokens of a text plus adjacent pairs."""

    def __init__(self, language: str) -> None:
        self.language = language

    def __call__(self, text: str) -> list[str]:
        tokens = tokenize(text, self.language)
        return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


class IntentModel:
    """Probabilities over documents for a query, learned from (text, document id) examples."""

    def __init__(
        self,
        ids: Sequence,
        vectorizer: FeatureUnion | None,
        classifier: LogisticRegression | None,
        neighbours: tuple | None = None,
    ) -> None:
        self.ids = list(ids)
        self._vectorizer = vectorizer
        self._classifier = classifier
        self._neighbours = neighbours  # (feature-major normalised example matrix, label index per example)

    @property
    def kind(self) -> str:
        return "classifier" if self._classifier is not None else "neighbours" if self._neighbours else "constant"

    @classmethod
    def train(cls, examples: Sequence[tuple[str, object]], language: str) -> IntentModel:
        """Fit on (text, id) pairs; with fewer than two distinct ids every query gets probability 1."""
        labels = sorted({label for _text, label in examples}, key=str)
        if len(labels) < 2:
            return cls(labels, None, None)
        vectorizer = FeatureUnion(
            [
                ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=normalise, min_df=MIN_DF, dtype=np.float32)),
                ("words", TfidfVectorizer(analyzer=_WordNgrams(language), sublinear_tf=True, dtype=np.float32)),
            ]
        )
        matrix = vectorizer.fit_transform([text for text, _label in examples])
        index = {label: i for i, label in enumerate(labels)}
        targets = np.array([index[label] for _text, label in examples])
        if len(labels) * matrix.shape[1] > MAX_DENSE_WEIGHTS:
            # Stored feature-major, like an inverted index: a query touches only its own features' rows.
            return cls(labels, vectorizer, None, (normalize(matrix).T.tocsr(), targets))
        classifier = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS)
        with warnings.catch_warnings():
            # A few hundred iterations rank as well as full convergence and keep builds short.
            warnings.simplefilter("ignore", ConvergenceWarning)
            # One example per article is normal for a help center without sample questions.
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            classifier.fit(matrix, targets)
        return cls([labels[i] for i in classifier.classes_], vectorizer, classifier)

    def probabilities(self, query: str) -> np.ndarray:
        """P(document | query), aligned with `self.ids`."""
        if self._neighbours is not None:
            by_feature, targets = self._neighbours
            vector = normalize(self._vectorizer.transform([query])).tocsr()
            similarities = by_feature[vector.indices].T.dot(vector.data)
            best = np.zeros(len(self.ids))
            np.maximum.at(best, targets, similarities)
            weights = np.exp(NEIGHBOUR_TEMPERATURE * (best - best.max()))
            return weights / weights.sum()
        if self._classifier is None:
            return np.ones(len(self.ids))
        return self._classifier.predict_proba(self._vectorizer.transform([query]))[0]
