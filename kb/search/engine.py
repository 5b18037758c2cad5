"""The answering engine: term weighting (BM25F, typo tolerant), a classifier trained on the sample
questions and, with a sentence encoder, matching by meaning, fused into one ranking; and a confidence
that is a probability, calibrated on each help center's own content when the engine is built.

Pure Python + numpy/scikit-learn, no Django.

Calibration: the engine is built again on folds with some of the help center's own sample questions
(or titles) held out; each held-out question, and each question of a shipped set of off-topic
questions, is ranked, and a small logistic regression learns from the ranking's evidence (fused score,
margin, each learner's probability, similarity, word coverage) how often the first article is right.
The answer and suggest thresholds are then the lowest probabilities at which that help center's own
held-out questions reach the target precisions (settings: "answer when at least 85 % likely right").
A help center with 18 articles × 6 phrasings and one with 5,000 imported articles and no phrasings
get different thresholds from the same settings.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from .index import Document, SearchIndex, body_passages
from .intent import IntentModel, normalise
from .semantic import Example, SemanticModel

# Fused ranking score, tuned on ../shared/eval (bench/chatbot_dev.py). Lexical alone: classifier
# and BM25F half and half. With an encoder, banking77 10-shot top-1 0.750 (lexical) -> about 0.83.
LEXICAL_WEIGHTS = {"classifier": 0.5, "bm25": 0.5}
# Realistic set (bench/data/realistic-queries.jsonl, six languages) top-1 0.73 at 0.2/0.2/0.4/0.2,
# 0.76 at 0.15/0.15/0.35/0.35, 0.79 here (the best, 0.80, gave the words nothing: too narrow a set
# to trust over banking77, where the words carry more).
SEMANTIC_WEIGHTS = {"classifier": 0.1, "bm25": 0.1, "semantic": 0.6, "neighbours": 0.2}
# Nearest neighbours over tf-idf (very large help centers) are a weaker learner than the classifier.
TFIDF_NEIGHBOUR_SHARE = 0.6
CANDIDATES = 20

# Calibration: how many held-out questions at most (a help center of 10,000 articles is calibrated
# on a sample), in how many folds.
MAX_HELD_OUT = 400
# Four folds for a small help center (each builds quickly); two past a few hundred phrasings, where
# every fold costs a classifier fit of seconds. A large one is calibrated on a sample of its articles
# (those of the held-out questions first), so that calibrating costs a small build, not a second
# full one.
SMALL_HELD_OUT = 200
CALIBRATION_MAX_ARTICLES = 1000
# Where the source language is there to find by, one held-out question in this many is asked of its
# article as if that article were not translated.
CROSS_EVERY = 3
# One article in this many leaves each fold, its questions asked as questions the help center cannot
# answer.
ARTICLE_OUT_EVERY = 5
# Not in a small help center: with 18 articles, each one gone is a topic customers do ask about, and
# the thresholds collapse (realistic set: off-topic questions got suggestions). banking77-oos (50
# articles): out-of-scope recall 0.40 -> 0.65, in-scope 0.89 -> 0.85.
ARTICLE_OUT_MIN = 30
# Off-topic questions count as this share of all questions when precision is worked out: a third of
# what the bot is asked (weather, jokes, other companies' products) is taken to be off-topic.
OFFTOPIC_SHARE = 0.5
# A second logistic regression on the same evidence learns how likely a message is off-topic (every
# shipped off-topic question, near-domain ones, small talk and non-questions included, and the
# questions of articles held out, against the help center's own held-out questions). It is a gate
# on top of the answer probability, which it never retrains: the answer probability and its
# thresholds learn from the general off-topic questions only, as before the gate existed (teaching
# them near-domain questions too cost the realistic set a third of its right answers in Spanish).
# Suggestions are withheld at or above the probability that keeps this share of the help center's
# own held-out questions...
KEEP_IN_SCOPE = 0.98
# ...and a confident answer only where the evidence is strong: above every held-out question of the
# help center and at least this probability. Customers' real questions are longer and looser than
# sample questions and look more off-topic to the detector (realistic set, es: right answers at
# P(off-topic) 0.46-0.82 under a quantile threshold of 0.45), so the gate does not touch an answer
# on weaker evidence.
STRONG_OFFTOPIC = 0.95
# The evidence the off-topic detector reads: how close the message is to the articles' texts and to
# the off-topic questions, and how much of it the words of the best article cover. Not the rankers'
# probabilities, which are low for any long question (customers' real ones included).
OFFTOPIC_EVIDENCE = (
    "similarity",
    "standardised",
    "coverage",
    "term_match",
    "offtopic_lexical",
    "offtopic_semantic",
)
# With too few held-out questions to calibrate (a help center of one or two articles), these
# thresholds apply to the classifier's probability above chance.
FALLBACK_THRESHOLDS = (0.6, 0.35)
NO_TERM_MATCH_DISCOUNT = 0.5
NEVER = 1.000001


@dataclass(frozen=True)
class Targets:
    answer: float = 0.85  # precision of answers the thresholds must reach on held-out questions
    suggest: float = 0.5  # share of suggestion lists that contain the right article


@dataclass(frozen=True)
class RankedArticle:
    id: int | str
    score: float  # fused ranking score, the best article's normalised to about 1
    confidence: float  # calibrated probability that this article answers the question
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    matched: bool = True  # shares a word with the question (allowing for typos), not only its meaning


@dataclass(frozen=True)
class CalibrationReport:
    """What the thresholds do to the help center's own held-out questions and to off-topic ones."""

    questions: int = 0
    answered_right: int = 0
    answered_wrong: int = 0
    suggested: int = 0  # of which the right article was among the suggestions: suggested_right
    suggested_right: int = 0
    refused: int = 0
    offtopic: int = 0
    offtopic_refused: int = 0


@dataclass(frozen=True)
class Calibration:
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    answer: float  # probability thresholds
    suggest: float
    report: CalibrationReport = field(default_factory=CalibrationReport)
    fitted: bool = True
    # P(off-topic) from the same standardised features, and the probabilities from which to withhold
    # suggestions (`refuse_at`) and an answer (`refuse_answer_at`).
    offtopic_weights: np.ndarray | None = None
    offtopic_bias: float = 0.0
    refuse_at: float = NEVER
    refuse_answer_at: float = NEVER

    def gated(self, probability: np.ndarray, offtopic: float) -> np.ndarray:
        """The articles' probabilities after the off-topic gate, for a message whose P(off-topic) is
        `offtopic`: all 0 when it withholds the reply the probabilities would give."""
        top = float(probability[0]) if len(probability) else 0.0
        if offtopic >= self.refuse_answer_at or (offtopic >= self.refuse_at and top < self.answer):
            return np.zeros_like(probability)
        return probability

    def offtopic(self, features: np.ndarray) -> np.ndarray:
        """P(the message is one the help center does not answer), per row; 0 without a model."""
        if not self.fitted or self.offtopic_weights is None:
            return np.zeros(len(features))
        z = ((features - self.mean) / self.scale) @ self.offtopic_weights + self.offtopic_bias
        return 1.0 / (1.0 + np.exp(-z))

    def probability(self, features: np.ndarray) -> np.ndarray:
        if not self.fitted:
            # Not one word in common, even allowing for typos: the classifier alone is guessing from
            # letter shapes, which is how unrelated questions get confident answers.
            above_chance = features[:, FEATURES.index("classifier_above_chance")].clip(0.0, 1.0)
            return above_chance * np.where(
                features[:, FEATURES.index("term_match")] > 0, 1.0, NO_TERM_MATCH_DISCOUNT
            )
        z = ((features - self.mean) / self.scale) @ self.weights + self.bias
        return 1.0 / (1.0 + np.exp(-z))


FEATURES = (
    "fused",
    "margin",
    "classifier",
    "classifier_above_chance",
    "semantic",
    "similarity",
    "standardised",
    "coverage",
    "term_match",
    # How close the message is to the shipped off-topic questions (OfftopicReference): by letters,
    # and by meaning with an encoder. Near-domain questions ("do you sell laptops?", "what is
    # kubernetes?") rank like real ones; what they resemble is what tells them apart.
    "offtopic_lexical",
    "offtopic_semantic",
)


class OfftopicReference:
    """The shipped off-topic questions (kb/search/data/offtopic.jsonl) as character n-gram vectors
    and, with an encoder, sentence embeddings: a message's highest similarity to them is evidence
    that the bot must refuse it. Not stored in an engine artifact: made again from the shipped file
    (a few hundred short texts, embeddings cached) by whoever loads one."""

    def __init__(self, texts: Sequence[str], encoder=None) -> None:
        self.texts = list(dict.fromkeys(text for text in texts if text.strip()))
        self.encoder = encoder
        self._vectorizer = self._lexical = self._vectors = None
        if not self.texts:
            return
        self._vectorizer = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, preprocessor=normalise
        )
        self._lexical = self._vectorizer.fit_transform(self.texts).tocsr()
        if encoder is not None:
            self._vectors = encoder.embed([("query", text) for text in self.texts])

    def scores(self, query: str, exclude: np.ndarray | None = None) -> tuple[float, float]:
        """(highest letter similarity, highest meaning similarity) of `query` to the reference
        questions, leaving out those at the positions `exclude` (calibration: the questions asked)."""
        if self._vectorizer is None:
            return 0.0, 0.0
        lexical = (self._lexical @ self._vectorizer.transform([query]).T).toarray().ravel()
        semantic = self._vectors @ self.encoder.query(query) if self._vectors is not None else None
        if exclude is not None and len(exclude):
            lexical[exclude] = 0.0
            if semantic is not None:
                semantic[exclude] = 0.0
        return float(lexical.max()), float(semantic.max()) if semantic is not None else 0.0


def offtopic_sets(offtopic: Sequence[str], refuse: Sequence[str]) -> tuple[list[str], list[str]]:
    """The general off-topic questions and the gate-only ones, each once and in order: an engine's
    reference holds them in this order (a loaded engine's is made again from the same sets)."""
    general = list(dict.fromkeys(text for text in offtopic if text.strip()))
    known = set(general)
    return general, [text for text in dict.fromkeys(refuse) if text.strip() and text not in known]


def _fallback_calibration(n_features: int) -> Calibration:
    zeros = np.zeros(n_features)
    return Calibration(zeros, np.ones(n_features), zeros, 0.0, *FALLBACK_THRESHOLDS, fitted=False)


class _Learners:
    """The ranking part of an engine: what one build learns from the documents."""

    def __init__(
        self, index: SearchIndex, intents: IntentModel, semantic: SemanticModel | None, encoder
    ) -> None:
        self.index = index
        self.intents = intents
        self.semantic = semantic
        self.encoder = encoder
        self.ids = intents.ids
        self.position = intents.position

    @classmethod
    def build(cls, documents: list[Document], language: str, encoder, source_documents: dict) -> _Learners:
        index = SearchIndex.build(documents, language)
        passages = index.passages()
        # Sample questions are the best examples, but many articles have few or none: their summary
        # and body passages teach the classifier the article's vocabulary too.
        examples = [
            (text, doc.id)
            for doc, doc_passages in zip(documents, passages, strict=True)
            for text in (doc.title, *doc.questions, doc.summary, *doc_passages)
            if text.strip()
        ]
        intents = IntentModel.train(examples, language)
        semantic = None
        if encoder is not None and len(intents.ids) >= 2:
            semantic_examples = []
            source_group = next((group for _doc, group in source_documents.values()), "")
            for doc, doc_passages in zip(documents, passages, strict=True):
                group = doc_language(doc, language)
                semantic_examples += _semantic_examples(doc, doc_passages, group)
                source = source_documents.get(doc.id)
                if source is not None and group != source[1]:
                    semantic_examples += _semantic_examples(
                        source[0], body_passages(source[0].body), source[1]
                    )
            semantic = SemanticModel.train(
                semantic_examples, intents.ids, encoder.embed, classifier_group=source_group
            )
        return cls(index, intents, semantic, encoder)

    def evidence(
        self, query: str, offtopic: tuple[float, float] = (0.0, 0.0)
    ) -> tuple[list, np.ndarray, dict]:
        """Candidate ids, their feature rows (FEATURES) sorted by fused score, and the BM25 hits by id.
        `offtopic`: the message's similarities to the off-topic reference (OfftopicReference.scores)."""
        hits = self.index.search(query, limit=CANDIDATES, snippets=False)
        n = len(self.ids)
        probabilities = self.intents.probabilities(query)
        top_p = float(probabilities.max()) if n else 0.0
        by_id = {hit.id: hit for hit in hits}
        top_bm25 = hits[0].score if hits else 1.0
        candidates = set(by_id)
        semantic = None
        if self.semantic is not None:
            semantic = self.semantic.scores(self.encoder.query(query))
        for values in (probabilities, semantic.probabilities if semantic else None):
            if values is None or not n:
                continue
            order = np.argpartition(-values, CANDIDATES - 1)[:CANDIDATES] if n > CANDIDATES else np.arange(n)
            candidates.update(self.ids[i] for i in order.tolist())
        if semantic is not None:
            weights = SEMANTIC_WEIGHTS
            top_semantic = float(semantic.probabilities.max()) or 1.0
            neighbour_soft = np.exp(semantic.standardised - semantic.standardised.max())
        else:
            weights = LEXICAL_WEIGHTS
        classifier_weight = weights["classifier"] * (
            TFIDF_NEIGHBOUR_SHARE if self.intents.kind == "neighbours" else 1.0
        )
        rows = []
        for doc_id in candidates:
            at = self.position[doc_id]
            p = float(probabilities[at])
            hit = by_id.get(doc_id)
            bm25 = hit.score / top_bm25 if hit else 0.0
            fused = classifier_weight * (p / top_p if top_p else 0.0) + weights["bm25"] * bm25
            sem = sim = std = 0.0
            if semantic is not None:
                sem = float(semantic.probabilities[at])
                sim, std = float(semantic.similarity[at]), float(semantic.standardised[at])
                fused += weights["semantic"] * sem / top_semantic + weights["neighbours"] * float(
                    neighbour_soft[at]
                )
            rows.append(
                (
                    doc_id,
                    [
                        fused,
                        0.0,
                        p,
                        _above_chance(p, n),
                        sem,
                        sim,
                        std,
                        hit.coverage if hit else 0.0,
                        float(hit is not None),
                        *offtopic,
                    ],
                )
            )
        rows.sort(key=lambda row: (-row[1][0], -row[1][2], str(row[0])))
        features = np.array([values for _id, values in rows], dtype=np.float64).reshape(
            len(rows), len(FEATURES)
        )
        if len(rows):
            best, second = features[0, 0], (features[1, 0] if len(rows) > 1 else 0.0)
            # Each candidate against the best of the others: only the first has a positive margin.
            features[:, 1] = features[:, 0] - np.where(np.arange(len(rows)) == 0, second, best)
        return [doc_id for doc_id, _values in rows], features, by_id


def doc_language(doc: Document, default: str) -> str:
    return doc.language or default


def _semantic_examples(doc: Document, passages: Sequence[str], group: str) -> list[Example]:
    asked = [Example(text, "query", doc.id, group) for text in (doc.title, *doc.questions) if text.strip()]
    told = [Example(text, "passage", doc.id, group) for text in (doc.summary, *passages) if text.strip()]
    return asked + told


class AnswerEngine:
    # True for the words-only engine that answers while a language's full engine is being built.
    provisional = False
    # The off-topic questions the calibration compared messages with (set again on a loaded engine).
    offtopic_reference: OfftopicReference | None = None

    def __init__(self, learners: _Learners, calibration: Calibration, language: str) -> None:
        self.learners = learners
        self.index = learners.index
        self.intents = learners.intents
        self.semantic = learners.semantic
        self.calibration = calibration
        self.language = language

    @classmethod
    def build(
        cls,
        documents: Iterable[Document],
        language: str,
        *,
        encoder=None,
        source_documents: Iterable[Document] = (),
        offtopic: Sequence[str] = (),
        refuse: Sequence[str] = (),
        targets: Targets = Targets(),
        calibrate: bool = True,
    ) -> AnswerEngine:
        """An engine over `documents` (each in `language`, or its `language` field says which it
        falls back to). `encoder` (a CachedEncoder) adds matching by meaning; `source_documents`,
        the same articles in the source language, let a question find an article by meaning through
        either language; `offtopic` questions teach the calibration what must be refused, and
        `refuse` ones (near-domain questions, small talk, non-questions) teach only the off-topic
        gate."""
        documents = list(documents)
        source_language = next((d.language for d in source_documents if d.language), "")
        sources = {d.id: (d, d.language or source_language) for d in source_documents}
        learners = _Learners.build(documents, language, encoder, sources)
        offtopic, refuse = offtopic_sets(offtopic, refuse)
        reference = OfftopicReference([*offtopic, *refuse], encoder)
        calibration = _fallback_calibration(len(FEATURES))
        if calibrate and len(learners.ids) >= 3:
            calibration = (
                _calibrate(documents, language, encoder, sources, reference, len(offtopic), targets)
                or calibration
            )
        engine = cls(learners, calibration, language)
        engine.offtopic_reference = reference
        return engine

    def __len__(self) -> int:
        return len(self.index)

    @property
    def thresholds(self) -> tuple[float, float]:
        return self.calibration.answer, self.calibration.suggest

    def rank(self, query: str, limit: int = 5, *, gate: bool = True) -> list[RankedArticle]:
        """Articles for `query`, best first, each with its calibrated confidence; [] for nothing to search.
        `gate`: apply the off-topic gate (the bot's replies); the search page, where the customer asked
        for a list, ranks without it."""
        if not query.strip() or not self.learners.ids:
            return []
        reference = self.offtopic_reference
        offtopic = reference.scores(query) if reference is not None else (0.0, 0.0)
        ids, features, _hits = self.learners.evidence(query, offtopic)
        if not ids:
            return []
        probability = self.calibration.probability(features[:limit])
        if gate:
            probability = self.calibration.gated(
                probability, float(self.calibration.offtopic(features[:1])[0])
            )
        chosen = ids[:limit]
        top = features[0, 0] or 1.0
        snippets = self.index.snippets(chosen, query)
        return [
            RankedArticle(
                doc_id,
                round(float(features[i, 0] / top), 6),
                round(float(probability[i]), 6),
                snippet,
                highlights,
                bool(features[i, FEATURES.index("term_match")]),
            )
            for i, (doc_id, (snippet, highlights)) in enumerate(zip(chosen, snippets, strict=True))
        ]


def _above_chance(p: float, n: int) -> float:
    """How far the probability is above picking at random among n articles, scaled to [0, 1]."""
    if n < 2:
        return 1.0
    chance = 1.0 / n
    return max(0.0, (p - chance) / (1.0 - chance))


def _held_out(documents: list[Document]) -> list[tuple[int, str, int]]:
    """(document position, "question"/"title", question position) of the phrasings to hold out:
    sample questions, or the title of an article that has none but has other text to be found by."""
    items = []
    for at, doc in enumerate(documents):
        if len(doc.questions) >= 1:
            items += [(at, "question", q) for q in range(len(doc.questions)) if doc.questions[q].strip()]
        elif doc.title.strip() and (doc.body.strip() or doc.summary.strip()):
            items.append((at, "title", 0))
    rng = random.Random(len(documents))
    rng.shuffle(items)
    return items[:MAX_HELD_OUT]


def _sample(documents: list[Document], size: int) -> list[Document]:
    """A reproducible sample of `size` documents, in their order."""
    keep = set(random.Random(len(documents)).sample(range(len(documents)), size))
    return [doc for at, doc in enumerate(documents) if at in keep]


def _without(doc: Document, kind: str, positions: set[int]) -> Document:
    if kind == "title":
        return replace(doc, title="")
    return replace(doc, questions=tuple(q for i, q in enumerate(doc.questions) if i not in positions))


def _calibrate(documents, language, encoder, sources, reference, general, targets) -> Calibration | None:
    """`reference.texts[:general]` are the general off-topic questions the answer probability learns
    from; the rest teach only the off-topic gate."""
    if len(documents) > CALIBRATION_MAX_ARTICLES:
        documents = _sample(documents, CALIBRATION_MAX_ARTICLES)
    held = _held_out(documents)
    if len(held) < 10:
        return None
    folds = 4 if len(held) <= SMALL_HELD_OUT else 2
    rows, right, in_top3, weights, is_offtopic, for_answer = [], [], [], [], [], []
    for fold in range(folds):
        part = held[fold::folds]
        removed: dict[tuple[int, str], set[int]] = {}
        for at, kind, q in part:
            removed.setdefault((at, kind), set()).add(q)
        docs = list(documents)
        fold_sources = dict(sources)
        for (at, kind), positions in removed.items():
            docs[at] = _without(docs[at], kind, positions)
            source = fold_sources.get(docs[at].id)
            if source is not None:
                # The held-out question's translation would give the answer away.
                fold_sources[docs[at].id] = (_without(source[0], kind, positions), source[1])
        # Some held-out questions ask for an article as if it had no translation yet (its text in the
        # source language only): without them, the calibration would learn that a question sharing
        # no word with the article is never right, and refuse exactly what matching by meaning finds.
        for at, kind, q in part:
            doc = documents[at]
            if (
                kind == "question"
                and not doc.language
                and doc.id in fold_sources
                and (at + q) % CROSS_EVERY == 0
            ):
                source_doc, source_group = fold_sources[doc.id]
                docs[at] = replace(source_doc, language=source_group)
        # A few articles leave the fold altogether: their questions are about the help center's own
        # domain but have no answer in it, the hardest off-topic questions ("other banking topics",
        # "how do I center a div" on a hosting help center), which general off-topic ones do not teach.
        gone = set()
        if len(documents) >= ARTICLE_OUT_MIN:
            # Only articles customers' phrasings are known for: a title held out looks to the engine
            # just like a title kept in (django-faq, no sample questions: in-scope 0.87 -> 0.53).
            gone = {
                at
                for at in range(len(documents))
                if at % ARTICLE_OUT_EVERY == fold and documents[at].questions
            }
        near_misses = [
            (text, None) for at in sorted(gone) for text in documents[at].questions[:2] if text.strip()
        ]
        docs = [doc for at, doc in enumerate(docs) if at not in gone]
        learners = _Learners.build(docs, language, encoder, fold_sources)
        if len(learners.ids) < 2:
            return None
        offtopic = reference.texts
        # The fold's off-topic questions are asked, and left out of the reference they are compared
        # with (each would find itself).
        asked_offtopic = np.r_[
            np.arange(fold, general, folds), np.arange(general + fold, len(offtopic), folds)
        ]
        questions = (
            [
                (documents[at].questions[q] if kind == "question" else documents[at].title, documents[at].id)
                for at, kind, q in part
                if at not in gone
            ]
            + [(text, None) for text in offtopic[:general][fold::folds]]
            + near_misses
        )
        asked = sum(expected is not None for _text, expected in questions)
        offtopic_weight = OFFTOPIC_SHARE * asked / max(1, len(questions) - asked)
        gate_only = [(text, None) for text in offtopic[general:][fold::folds]]
        for n, (text, expected) in enumerate(questions + gate_only):
            ids, features, _hits = learners.evidence(text, reference.scores(text, asked_offtopic))
            if not ids:
                continue
            rows.append(features[0])
            right.append(ids[0] == expected)
            in_top3.append(expected in ids[:3])
            weights.append(1.0 if expected is not None else offtopic_weight)
            is_offtopic.append(expected is None)
            for_answer.append(n < len(questions))
    x_all, y_all, w_all = np.array(rows), np.array(right), np.array(weights)
    answering = np.array(for_answer, dtype=bool)
    x, y, w = x_all[answering], y_all[answering], w_all[answering]
    if y.sum() < 3 or (~y).sum() < 3:
        return None
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=1.0, max_iter=500)
    # How likely the first article is right is learned from the ranking's evidence; how off-topic a
    # message is, by the detector below (the similarities to off-topic questions stay out of it).
    ranking = [at for at, name in enumerate(FEATURES) if not name.startswith("offtopic_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(((x - mean) / scale)[:, ranking], y, sample_weight=w)
    answer_weights = np.zeros(len(FEATURES))
    answer_weights[ranking] = model.coef_[0]
    gate_mask = np.array(is_offtopic, dtype=bool)
    offtopic_weights, offtopic_bias = None, 0.0
    if gate_mask.sum() >= 3 and (~gate_mask).sum() >= 3:
        detector = LogisticRegression(C=1.0, max_iter=500)
        # Only the evidence columns: the others' weights stay 0.
        columns = [FEATURES.index(name) for name in OFFTOPIC_EVIDENCE]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            detector.fit(((x_all - mean) / scale)[:, columns], gate_mask, sample_weight=w_all)
        offtopic_weights = np.zeros(len(FEATURES))
        offtopic_weights[columns] = detector.coef_[0]
        offtopic_bias = float(detector.intercept_[0])
    fitted = Calibration(
        mean,
        scale,
        answer_weights,
        float(model.intercept_[0]),
        NEVER,
        NEVER,
        offtopic_weights=offtopic_weights,
        offtopic_bias=offtopic_bias,
    )
    # The thresholds come from the answer probability alone, as without the gate.
    p = fitted.probability(x)
    answer = _lowest_threshold(p, y.astype(float), w, targets.answer, np.ones(len(p), dtype=bool))
    suggest = _lowest_threshold(p, np.array(in_top3, dtype=float)[answering], w, targets.suggest, p < answer)
    suggest = min(suggest, answer)
    fitted = replace(fitted, answer=answer, suggest=suggest)
    if offtopic_weights is not None:
        kept = fitted.offtopic(x_all[~gate_mask])
        # Just above the in-scope questions' KEEP_IN_SCOPE quantile (and, for answers, above all of
        # them and STRONG_OFFTOPIC): those below are kept.
        fitted = replace(
            fitted,
            refuse_at=float(np.quantile(kept, KEEP_IN_SCOPE)) + 1e-9,
            refuse_answer_at=max(float(kept.max()) + 1e-9, STRONG_OFFTOPIC),
        )
    # What the bot does with every question asked, the gate included (the editors' report).
    p_all = fitted.probability(x_all)
    p_off = fitted.offtopic(x_all)
    p_all = np.array([fitted.gated(p_all[i : i + 1], p_off[i])[0] for i in range(len(p_all))])
    y, p, offtopic_mask = y_all, p_all, gate_mask
    top3 = np.array(in_top3)
    inscope = ~offtopic_mask
    answered, suggested = p >= answer, (p >= suggest) & (p < answer)
    report = CalibrationReport(
        questions=int(inscope.sum()),
        answered_right=int((answered & y & inscope).sum()),
        answered_wrong=int((answered & ~y & inscope).sum()),
        suggested=int((suggested & inscope).sum()),
        suggested_right=int((suggested & top3 & inscope).sum()),
        refused=int((~answered & ~suggested & inscope).sum()),
        offtopic=int(offtopic_mask.sum()),
        offtopic_refused=int((~answered & ~suggested & offtopic_mask).sum()),
    )
    return replace(fitted, report=report)


def _lowest_threshold(
    p: np.ndarray, good: np.ndarray, w: np.ndarray, target: float, among: np.ndarray
) -> float:
    """The lowest probability t such that the items of `among` at or above t are `good` for at least
    `target` of their weight; NEVER when no t reaches it."""
    order = np.argsort(-p[among], kind="stable")
    probabilities, good, w = p[among][order], good[among][order], w[among][order]
    if not len(probabilities):
        return NEVER
    precision = np.cumsum(good * w) / np.maximum(np.cumsum(w), 1e-12)
    # A threshold sits between distinct probabilities: only the last of a run of ties counts.
    last_of_tie = np.r_[probabilities[1:] < probabilities[:-1], True]
    reaching = np.flatnonzero((precision >= target) & last_of_tie)
    if not len(reaching):
        return NEVER
    return float(probabilities[reaching[-1]])
