"""The answering engine: term weighting (BM25F, typo tolerant) fused with a classifier trained on
the sample questions. Serves the chatbot; pure Python + numpy/scikit-learn, no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .index import Document, SearchIndex
from .intent import IntentModel

# Weight of the classifier against BM25 in the fused ranking score, tuned on ../shared/eval.
CLASSIFIER_WEIGHT = 0.5
# Nearest neighbours (very large knowledge bases) are a weaker learner: they weigh less
# (bench/engine.py: top-1 0.80 at 0.5, 0.84 at 0.3 with 1,000 articles).
NEIGHBOUR_WEIGHT = 0.3
CANDIDATES = 20
NO_TERM_MATCH_DISCOUNT = 0.5
FULL_TRUST_PHRASINGS = 5.0  # title + 4 sample questions per article on average


@dataclass(frozen=True)
class RankedArticle:
    id: int | str
    score: float  # fused ranking score in [0, 1]
    confidence: float  # the classifier's probability for this article, above chance (1/n), in [0, 1]
    snippet: str
    highlights: tuple[tuple[int, int], ...]


class AnswerEngine:
    def __init__(self, index: SearchIndex, intents: IntentModel, classifier_trust: float = 1.0) -> None:
        self.index = index
        self.intents = intents
        self.language = index.language
        # How far the classifier's probabilities can be trusted as confidence, from how many
        # customer phrasings it learned per article; the rest comes from how much of the question
        # the article covers. Articles without sample questions lean on coverage.
        self.classifier_trust = classifier_trust

    @classmethod
    def build(cls, documents: Iterable[Document], language: str) -> AnswerEngine:
        documents = list(documents)
        index = SearchIndex.build(documents, language)
        # Sample questions are the best examples, but many articles have few or none: their summary
        # and body passages teach the classifier the article's vocabulary too.
        examples = [
            (text, doc.id)
            for doc, passages in zip(documents, index.passages(), strict=True)
            for text in (doc.title, *doc.questions, doc.summary, *passages)
            if text.strip()
        ]
        phrasings = sum(1 + len(doc.questions) for doc in documents) / max(len(documents), 1)
        trust = min(1.0, max(0.0, (phrasings - 1.0) / (FULL_TRUST_PHRASINGS - 1.0)))
        return cls(index, IntentModel.train(examples, language), trust)

    def __len__(self) -> int:
        return len(self.index)

    def rank(self, query: str, limit: int = 5) -> list[RankedArticle]:
        """Articles for `query`, best first; [] for a query with nothing to search."""
        # Snippets only for the articles returned, not for every candidate.
        hits = self.index.search(query, limit=CANDIDATES, snippets=False)
        if not hits and not query.strip():
            return []
        probabilities = self.intents.probabilities(query) if query.strip() else np.zeros(len(self.intents.ids))
        by_id = {hit.id: hit for hit in hits}
        top_bm25 = hits[0].score if hits else 1.0
        top_p = float(probabilities.max()) if len(probabilities) else 0.0
        position = self.intents.position
        candidates = set(by_id)
        if top_p > 0:
            if len(probabilities) > CANDIDATES:
                order = np.argpartition(-probabilities, CANDIDATES - 1)[:CANDIDATES]
            else:
                order = np.arange(len(probabilities))
            candidates.update(self.intents.ids[i] for i in order.tolist())
        weight = NEIGHBOUR_WEIGHT if self.intents.kind == "neighbours" else CLASSIFIER_WEIGHT
        scored = []
        for doc_id in candidates:
            at = position.get(doc_id)
            p = float(probabilities[at]) if at is not None and len(probabilities) else 0.0
            bm25 = by_id[doc_id].score / top_bm25 if doc_id in by_id else 0.0
            fused = weight * (p / top_p if top_p else 0.0) + (1 - weight) * bm25
            scored.append((fused, p, doc_id))
        scored.sort(key=lambda item: (-item[0], -item[1], str(item[2])))
        n = len(self.intents.ids)
        results = []
        chosen = scored[:limit]
        snippets = self.index.snippets([doc_id for _f, _p, doc_id in chosen], query)
        for (fused, p, doc_id), (snippet, highlights) in zip(chosen, snippets, strict=True):
            hit = by_id.get(doc_id)
            confidence = self.classifier_trust * _above_chance(p, n, bool(hit)) + (1 - self.classifier_trust) * (
                hit.coverage if hit else 0.0
            )
            if hit is None:
                # Not one word in common, even allowing for typos: the classifier alone is guessing
                # from letter shapes, which is how unrelated questions get confident answers.
                confidence *= NO_TERM_MATCH_DISCOUNT
            results.append(RankedArticle(doc_id, round(fused, 6), round(confidence, 6), snippet, highlights))
        return results


def _above_chance(p: float, n: int, term_match: bool) -> float:
    """How far the probability is above picking at random among n articles, scaled to [0, 1].
    With 2 articles a probability of 0.5 means nothing; with 150 it would be a strong signal."""
    if n < 2:
        return 1.0 if term_match else 0.0
    chance = 1.0 / n
    return max(0.0, (p - chance) / (1.0 - chance))
