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

from .frozen import IdTable, StringIndex
from .text import tokenize

_CJK_SPACE = re.compile(
    r"(?<=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])\s+(?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])"
)
REGULARISATION_C = 20.0  # weak regularisation: sample questions are few and precise
MAX_ITERATIONS = 100
# Character n-grams seen in one example only say little and triple the model size.
MIN_DF = 2
# Logistic regression keeps a dense weight per (article, feature). Past this many weights (about
# 160 MB of float64) the model switches to nearest neighbours over the sparse example vectors.
MAX_DENSE_WEIGHTS = 20_000_000
NEIGHBOUR_TEMPERATURE = 25.0  # turns cosine similarities into a probability-like distribution
# Nearest neighbours leave out the features that thousands of examples share (" t", "th", "how"):
# they hold most of the postings a query touches but barely tell examples apart. Synthetic sets of
# bench/engine.py: 10,000 articles, leaving out those in over 5% (and over 2,000) of the examples
# drops 58% of the postings, p50 7.7 -> 2.1 ms, top-1 0.880 -> 0.900; 1,000 articles, 0.840 ->
# 0.835 (one query of 200). A floor of 500 examples cost 1,000 articles 0.03 of top-1.
COMMON_FEATURE_SHARE = 0.05
COMMON_FEATURE_MIN_EXAMPLES = 2000


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


_SPACES = re.compile(r"\s\s+")
CHAR_NGRAMS = (2, 5)


class _CharNgrams:
    """scikit-learn's "char_wb" analyzer over `normalise`d text (the same n-grams, checked in
    tests/kb/test_intent.py), which while a model is trained remembers each word's n-grams: a help
    center repeats its words thousands of times (10,000 articles: 1.8 of 7.4 CPU seconds saved)."""

    def __init__(self, *, remember: bool = False) -> None:
        self._memo: dict[str, list[str]] | None = {} if remember else None

    def forget(self) -> None:
        self._memo = None

    def __call__(self, text: str) -> list[str]:
        found: list[str] = []
        memo = self._memo
        low, high = CHAR_NGRAMS
        for word in _SPACES.sub(" ", normalise(text)).split():
            grams = memo.get(word) if memo is not None else None
            if grams is None:
                padded = f" {word} "
                length = len(padded)
                grams = []
                for n in range(low, high + 1):
                    if length <= n:  # a short word counts once, whole
                        grams.append(padded)
                        break
                    grams.extend(padded[i : i + n] for i in range(length - n + 1))
                if memo is not None:
                    memo[word] = grams
            found.extend(grams)
        return found


def _vectorizers(
    language: str, min_df: int = MIN_DF, *, training: bool = False
) -> list[tuple[str, TfidfVectorizer]]:
    return [
        (
            "chars",
            TfidfVectorizer(
                analyzer=_CharNgrams(remember=training),
                sublinear_tf=True,
                min_df=min_df,
                dtype=np.float32,
            ),
        ),
        ("words", TfidfVectorizer(analyzer=_WordNgrams(language), sublinear_tf=True, dtype=np.float32)),
    ]


def _analyzers(language: str) -> list:
    """The vectorizers' analyzers, which need no fitting: a model read from arrays gets the same."""
    return [(name, vectorizer.build_analyzer()) for name, vectorizer in _vectorizers(language)]


class IntentModel:
    """Probabilities over documents for a query, learned from (text, document id) examples."""

    def __init__(
        self,
        ids: Sequence,
        vectorizer: FeatureUnion | None,
        classifier: LogisticRegression | None,
        neighbours: tuple | None = None,
    ) -> None:
        self._vectorizer = vectorizer
        self._classifier = classifier
        # Per query, scikit-learn's transform/predict_proba spend most of their time validating
        # inputs; the same arithmetic on the fitted vocabularies and weights is several times faster
        # (tests/kb/test_intent.py checks the two agree).
        parts = []
        if vectorizer is not None:
            parts = [
                (part.build_analyzer(), part.vocabulary_, part.idf_.astype(np.float64))
                for _name, part in vectorizer.transformer_list
            ]
        weights = intercept = None
        if classifier is not None:
            # Feature-major, so that a query reads only the rows of its own features.
            weights = np.ascontiguousarray(classifier.coef_.T, dtype=np.float64)
            intercept = classifier.intercept_.astype(np.float64)
        self._setup(ids, parts if vectorizer is not None else None, weights, intercept, neighbours)

    def _setup(self, ids, parts, weights, intercept, neighbours) -> None:
        self.ids = ids if isinstance(ids, IdTable) else IdTable.of(ids)
        self.position = self.ids.positions
        self._neighbours = neighbours  # (feature-major normalised example matrix, label index per example)
        self._fitted = parts is not None
        self._parts = []
        offset = 0
        for analyzer, vocabulary, idf in parts or ():
            if not isinstance(vocabulary, StringIndex):
                # A fitted vectorizer's dict, as numbered strings (column order): no private
                # dictionary of every n-gram in each worker.
                vocabulary = StringIndex.of(_terms_in_column_order(vocabulary))
            self._parts.append((analyzer, vocabulary, idf, offset))
            offset += len(vocabulary)
        if neighbours is not None:
            targets = neighbours[1]
            self._group_starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
        self._weights = weights
        self._intercept = intercept

    @classmethod
    def from_arrays(
        cls,
        ids: Sequence,
        language: str,
        parts: Sequence[tuple[dict, np.ndarray]] | None,
        weights: np.ndarray | None = None,
        intercept: np.ndarray | None = None,
        neighbours: tuple | None = None,
    ) -> IntentModel:
        """A model from what `arrays` returned (kb/search/artifact.py): no fitting, no unpickling.
        `parts`: (vocabulary, idf) of the character and word vectorizers, None for a constant model."""
        model = cls.__new__(cls)
        model._vectorizer = model._classifier = None
        if parts is not None:
            parts = [
                (analyzer, vocabulary, idf)
                for (_name, analyzer), (vocabulary, idf) in zip(_analyzers(language), parts, strict=True)
            ]
        model._setup(ids, parts, weights, intercept, neighbours)
        return model

    def arrays(self) -> dict:
        """What from_arrays needs, as plain values and numpy arrays."""
        return {
            "ids": self.ids,
            "parts": None
            if not self._fitted
            else [(vocabulary, idf) for _a, vocabulary, idf, _o in self._parts],
            "weights": self._weights,
            "intercept": self._intercept,
            "neighbours": self._neighbours,
        }

    @property
    def kind(self) -> str:
        return (
            "classifier"
            if self._weights is not None
            else "neighbours"
            if self._neighbours is not None
            else "constant"
        )

    @classmethod
    def train(cls, examples: Sequence[tuple[str, object]], language: str) -> IntentModel:
        """Fit on (text, id) pairs; with fewer than two distinct ids every query gets probability 1."""
        labels = sorted({label for _text, label in examples}, key=str)
        if len(labels) < 2:
            return cls(labels, None, None)
        texts = [text for text, _label in examples]
        vectorizer = FeatureUnion(_vectorizers(language, training=True))
        try:
            matrix = vectorizer.fit_transform(texts)
        except ValueError:
            # A tiny help center ("Old title", "Invoices") may share no character n-gram at all, and
            # min_df then leaves nothing: keep every n-gram rather than fail the whole engine build.
            vectorizer = FeatureUnion(_vectorizers(language, min_df=1, training=True))
            matrix = vectorizer.fit_transform(texts)
        for _name, part in vectorizer.transformer_list:
            if isinstance(part.analyzer, _CharNgrams):
                part.analyzer.forget()  # a model answering customers remembers nothing of theirs
        index = {label: i for i, label in enumerate(labels)}
        targets = np.array([index[label] for _text, label in examples])
        if len(labels) * matrix.shape[1] > MAX_DENSE_WEIGHTS:
            # Stored feature-major, like an inverted index: a query touches only its own features' rows.
            # Examples grouped by article, so that each article's best example is one reduceat.
            order = np.argsort(targets, kind="stable")
            by_feature = normalize(matrix[order]).T.tocsr()  # normalised with every feature, then pruned
            return cls(labels, vectorizer, None, (_without_common_features(by_feature), targets[order]))
        classifier = LogisticRegression(C=REGULARISATION_C, max_iter=MAX_ITERATIONS)
        with warnings.catch_warnings():
            # A few hundred iterations rank as well as full convergence and keep builds short.
            warnings.simplefilter("ignore", ConvergenceWarning)
            # One example per article is normal for a help center without sample questions.
            warnings.filterwarnings("ignore", message="The number of unique classes is greater than 50%")
            classifier.fit(matrix, targets)
        return cls([labels[i] for i in classifier.classes_], vectorizer, classifier)

    def vector(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """The query's tf-idf features as (feature indices, values), as the fitted vectorizer makes them:
        sublinear tf times idf, each part L2-normalised, parts side by side."""
        indices: list[int] = []
        values: list[float] = []
        for analyzer, vocabulary, idf, offset in self._parts:
            numbers = vocabulary.numbers(analyzer(query))
            columns, counts = np.unique(numbers[numbers >= 0], return_counts=True)
            if not len(columns):
                continue
            weights = (1.0 + np.log(counts.astype(np.float64))) * idf[columns]
            weights /= np.sqrt(np.dot(weights, weights))
            indices.extend((columns + offset).tolist())
            values.extend(weights.tolist())
        return np.asarray(indices, dtype=np.int64), np.asarray(values, dtype=np.float64)

    def probabilities(self, query: str) -> np.ndarray:
        """P(document | query), aligned with `self.ids`."""
        if not self._fitted:
            return np.ones(len(self.ids))
        indices, values = self.vector(query)
        if self._neighbours is not None:
            by_feature, _targets = self._neighbours
            norm = np.sqrt(np.dot(values, values))
            best = np.zeros(len(self.ids))
            if norm:
                similarities = by_feature[indices].T.dot((values / norm).astype(by_feature.dtype))
                best = np.maximum.reduceat(similarities, self._group_starts)
            weights = np.exp(NEIGHBOUR_TEMPERATURE * (best - best.max()))
            return weights / weights.sum()
        scores = values @ self._weights[indices] + self._intercept if len(indices) else self._intercept.copy()
        if len(scores) == 1:  # two articles: one logistic score for the second
            p = 1.0 / (1.0 + np.exp(-scores[0]))
            return np.array([1.0 - p, p])
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()


def _terms_in_column_order(vocabulary) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[int(column)] = term
    return terms


def _without_common_features(by_feature):
    """The feature-major example matrix with the rows of very common features emptied (same shape, so
    feature numbers stay those of the vectorizer)."""
    lengths = np.diff(by_feature.indptr)
    common = lengths > max(COMMON_FEATURE_SHARE * by_feature.shape[1], COMMON_FEATURE_MIN_EXAMPLES)
    if not common.any():
        return by_feature
    lengths[common] = 0
    keep = np.repeat(~common, np.diff(by_feature.indptr))
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(by_feature.indptr.dtype)
    return type(by_feature)((by_feature.data[keep], by_feature.indices[keep], indptr), shape=by_feature.shape)
