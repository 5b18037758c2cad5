"""Matching by meaning: sentence embeddings of each article's title, sample questions, summary and
body passages, scored two ways against a customer's message.

- A logistic regression on the embeddings (while it is cheap to train: few articles × examples),
  which learns what each article's phrasings have in common (bench/chatbot_dev.py: banking77 10-shot
  0.75 -> 0.83 top-1 fused with the lexical engine).
- Nearest neighbours: per article, its most similar text. Texts are grouped by the language they are
  written in, and each group's similarities are standardised on their own, because a multilingual
  encoder finds a Spanish question closer to *unrelated* Spanish text than to the right English text
  (../shared/NOTES.md). An article missing in the customer's language is then still found through
  its source-language texts.

Pure Python + numpy/scikit-learn, no Django.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

REGULARISATION_C = 100.0  # embeddings are unit vectors with small components: weak regularisation
MAX_ITERATIONS = 200
# Training cost grows with examples × articles; past this the model keeps to nearest neighbours.
MAX_TRAINING_CELLS = 3_000_000
# Standardised similarities (about -1..4) into a distribution over articles.
NEIGHBOUR_TEMPERATURE = 1.5


@dataclass(frozen=True)
class Example:
    text: str
    kind: str  # "query" for things customers ask (titles, sample questions), "passage" for article text
    id: object  # the article
    group: str  # the language the text is written in


@dataclass(frozen=True)
class LinearClassifier:
    """A fitted logistic regression as its arrays (coef_, intercept_, classes_): what an engine
    artifact stores instead of a pickle, and the same arithmetic as scikit-learn's predict_proba."""

    coef: np.ndarray  # (classes, features), one row for two classes
    intercept: np.ndarray
    classes: np.ndarray

    @classmethod
    def of(cls, fitted: LogisticRegression) -> LinearClassifier:
        return cls(
            np.asarray(fitted.coef_, dtype=np.float64),
            np.asarray(fitted.intercept_, dtype=np.float64),
            np.asarray(fitted.classes_),
        )

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        decision = x @ self.coef.T + self.intercept
        if len(self.classes) <= 2:
            p = 1.0 / (1.0 + np.exp(-decision[:, 0]))
            return np.column_stack([1.0 - p, p])
        decision = np.exp(decision - decision.max(axis=1, keepdims=True))
        return decision / decision.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SemanticScores:
    probabilities: np.ndarray  # P(article | message), aligned with the model's ids
    similarity: np.ndarray  # best cosine per article (any group)
    standardised: np.ndarray  # best per-group standardised similarity per article


class SemanticModel:
    def __init__(
        self,
        ids: Sequence,
        vectors: np.ndarray,
        labels: np.ndarray,
        groups: np.ndarray,
        classifier: LinearClassifier | None,
    ) -> None:
        self.ids = list(ids)
        self.vectors = vectors  # (examples, dim) float32, unit rows
        self.labels = labels  # article position per example
        self.groups = groups  # group number per example
        self._classifier = classifier
        self._group_rows = (
            [np.flatnonzero(groups == g) for g in range(int(groups.max()) + 1)] if len(groups) else []
        )

    @property
    def kind(self) -> str:
        return "classifier" if self._classifier is not None else "neighbours"

    @classmethod
    def train(
        cls, examples: Sequence[Example], ids: Sequence, embed, *, classifier_group: str = ""
    ) -> SemanticModel:
        """`embed` takes [(kind, text)] and returns their unit vectors (a CachedEncoder.embed).
        With `classifier_group` (the source language, which every article is written in), the
        classifier learns from that group's texts only: trained on a mix, it favours the articles
        translated into the customer's language whatever the question (realistic set, es: 0.6 -> 0.8
        top-1 of the classifier alone; fr and zh-hans unchanged)."""
        position = {doc_id: i for i, doc_id in enumerate(ids)}
        examples = [e for e in examples if e.id in position and e.text.strip()]
        vectors = (
            embed([(e.kind, e.text) for e in examples]) if examples else np.zeros((0, 1), dtype=np.float32)
        )
        labels = np.array([position[e.id] for e in examples], dtype=np.int64)
        group_names = sorted({e.group for e in examples})
        groups = np.array([group_names.index(e.group) for e in examples], dtype=np.int64)
        classifier = None
        rows = np.arange(len(examples))
        if classifier_group in group_names:
            in_group = np.flatnonzero(groups == group_names.index(classifier_group))
            if len(set(labels[in_group].tolist())) == len(set(labels.tolist())):
                rows = in_group
        distinct = len(set(labels[rows].tolist()))
        if distinct >= 2 and len(rows) * distinct <= MAX_TRAINING_CELLS:
            classifier = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
                classifier.fit(vectors[rows], labels[rows])
            classifier = LinearClassifier.of(classifier)
        return cls(ids, vectors, labels, groups, classifier)

    def scores(self, query: np.ndarray) -> SemanticScores:
        n = len(self.ids)
        similarity = np.full(n, -1.0)
        standardised = np.full(n, -10.0)
        if not len(self.labels):
            flat = np.full(n, 1.0 / max(n, 1))
            return SemanticScores(flat, np.zeros(n), np.zeros(n))
        cosines = self.vectors @ query.astype(np.float32)
        for rows in self._group_rows:
            best = np.full(n, -np.inf)
            np.maximum.at(best, self.labels[rows], cosines[rows])
            present = np.isfinite(best)
            values = best[present]
            spread = values.std() if len(values) > 1 else 0.0
            z = (values - values.mean()) / spread if spread > 1e-6 else np.zeros(len(values))
            similarity[present] = np.maximum(similarity[present], values)
            standardised[present] = np.maximum(standardised[present], z)
        if self._classifier is not None:
            probabilities = np.zeros(n)
            probabilities[self._classifier.classes] = self._classifier.predict_proba(
                query[None, :].astype(np.float64)
            )[0]
        else:
            weights = np.exp(NEIGHBOUR_TEMPERATURE * (standardised - standardised.max()))
            probabilities = weights / weights.sum()
        return SemanticScores(probabilities, similarity, standardised)
