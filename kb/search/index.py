"""An in-memory BM25F index with typo tolerance.

Term weighting ranks (NOTES.md: plain fuzzy similarity is a poor ranker); rapidfuzz only maps query
words missing from the vocabulary to close vocabulary words, which then count at a discount.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from .text import is_cjk, query_terms, surface_words, tokens_with_offsets

# Field weights for BM25F, tuned on the development sets in ../shared/eval.
FIELD_WEIGHTS = {"title": 3.0, "questions": 1.5, "summary": 1.5, "body": 1.0, "category": 0.5}
K1 = 1.2
B = 0.75
FUZZY_CUTOFF = 80.0
FUZZY_DISCOUNT = 0.7
FUZZY_MIN_LENGTH = 4
SNIPPET_CHARS = 240
MAX_QUERY_CHARS = 1000


@dataclass(frozen=True)
class Document:
    id: int | str
    title: str
    questions: tuple[str, ...] = ()
    summary: str = ""
    body: str = ""
    category: str = ""
    # The language the text is written in, when it is not the index's own (an untranslated article
    # shown in the source language); "" for the index's language.
    language: str = ""


@dataclass(frozen=True)
class SearchHit:
    id: int | str
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    # Share of the query's information (idf-weighted words, unknown words counting as rare ones)
    # that this document contains: 1.0 when every word of the question is in it.
    coverage: float = 0.0


PASSAGE_CACHE_DOCUMENTS = 2048


def body_passages(body: str) -> list[str]:
    """Paragraphs, with long ones split at sentence ends into pieces of about SNIPPET_CHARS."""
    passages = []
    for paragraph in re.split(r"\n\s*\n", body):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) <= SNIPPET_CHARS:
            passages.append(paragraph)
            continue
        current = ""
        for sentence in re.split(r"(?<=[.!?。！？])\s*", paragraph):
            if current and len(current) + len(sentence) > SNIPPET_CHARS:
                passages.append(current.strip())
                current = ""
            current += sentence + ("" if is_cjk(sentence[-1:]) else " ")
        if current.strip():
            passages.append(current.strip())
    return passages


def _cut(text: str, around: int) -> tuple[str, int]:
    """A window of about SNIPPET_CHARS around position `around`, cut at spaces; returns (text, offset)."""
    if len(text) <= SNIPPET_CHARS:
        return text, 0
    start = max(0, around - SNIPPET_CHARS // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < around else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start + SNIPPET_CHARS // 2 else end
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    return prefix + text[start:end] + suffix, start - len(prefix)


class SearchIndex:
    """Build once from documents in one language, then search many times."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._docs: list[Document] = []
        # term -> (document indexes, saturated BM25F term weights), as arrays: a query adds whole
        # posting lists at once instead of one document at a time.
        self._postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._idf: dict[str, float] = {}
        self._vocabulary: list[str] = []  # folded surface words, candidates for typo correction
        self._surface_terms: dict[str, str] = {}
        self._corrections: dict[str, tuple[tuple[str, float], ...]] = {}
        self._passages: list[list[str]] = []
        # Tokenised passages of recently shown documents: the same popular articles are snippeted
        # again and again, and tokenising their bodies was most of the cost of a chat answer.
        self._passage_tokens: dict[int, list[tuple[str, list[tuple[str, int, int]], Counter]]] = {}
        self._positions: dict[int | str, int] = {}

    def __len__(self) -> int:
        return len(self._docs)

    @classmethod
    def build(cls, documents: Iterable[Document], language: str) -> "SearchIndex":
        index = cls(language)
        fields_tf: list[dict[str, Counter]] = []
        lengths: dict[str, list[int]] = defaultdict(list)
        for doc in documents:
            index._docs.append(doc)
            texts = {
                "title": doc.title,
                "questions": "\n".join(doc.questions),
                "summary": doc.summary,
                "body": doc.body,
                "category": doc.category,
            }
            per_field = {}
            for name, text in texts.items():
                for word, term in surface_words(text, language).items():
                    index._surface_terms.setdefault(word, term)
                terms = [t for t, _s, _e in tokens_with_offsets(text, language)]
                per_field[name] = Counter(terms)
                lengths[name].append(len(terms))
            fields_tf.append(per_field)
            index._passages.append(body_passages(doc.body))
        avg = (
            {name: (sum(values) / len(values) or 1.0) for name, values in lengths.items()} if lengths else {}
        )
        postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for doc_index, per_field in enumerate(fields_tf):
            weighted: Counter = Counter()
            for name, counter in per_field.items():
                norm = 1.0 - B + B * (lengths[name][doc_index] / avg[name])
                for term, tf in counter.items():
                    weighted[term] += FIELD_WEIGHTS[name] * tf / norm
            for term, wtf in weighted.items():
                postings[term].append((doc_index, wtf))
        n = len(index._docs)
        index._positions = {doc.id: i for i, doc in enumerate(index._docs)}
        index._postings = {
            term: (
                np.fromiter((i for i, _w in p), dtype=np.int32, count=len(p)),
                np.fromiter((w * (K1 + 1) / (w + K1) for _i, w in p), dtype=np.float64, count=len(p)),
            )
            for term, p in postings.items()
        }
        index._idf = {t: math.log(1.0 + (n - len(p) + 0.5) / (len(p) + 0.5)) for t, p in postings.items()}
        # Typos are corrected against the words as written (not stems, not stop words); CJK text
        # relies on its unigrams and bigrams instead.
        index._vocabulary = [w for w in index._surface_terms if len(w) >= FUZZY_MIN_LENGTH - 1]
        return index

    def _expand(self, term: str, surface: str) -> tuple[tuple[str, float], ...]:
        """The term itself if indexed, else the terms of close vocabulary words, at a discount."""
        if term in self._postings:
            return ((term, 1.0),)
        if len(surface) < FUZZY_MIN_LENGTH or is_cjk(surface) or not self._vocabulary:
            return ()
        cached = self._corrections.get(surface)
        if cached is None:
            matches = process.extract(
                surface, self._vocabulary, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
            )
            corrections: dict[str, float] = {}
            if matches:
                best = matches[0][1]
                for word, score, _i in matches:
                    if score >= best - 5:
                        corrected = self._surface_terms[word]
                        corrections[corrected] = max(
                            corrections.get(corrected, 0.0), FUZZY_DISCOUNT * score / 100.0
                        )
            cached = tuple(corrections.items())
            if len(self._corrections) < 100_000:
                self._corrections[surface] = cached
        return cached

    def _weighted_terms(self, query: str) -> dict[str, float]:
        weights: dict[str, float] = {}
        for term, surface in query_terms(query[:MAX_QUERY_CHARS], self.language):
            for word, weight in self._expand(term, surface):
                weights[word] = max(weights.get(word, 0.0), weight)
        return weights

    def search(
        self, query: str, limit: int = 10, *, min_relative_score: float = 0.0, snippets: bool = True
    ) -> list[SearchHit]:
        """The best `limit` documents for `query`, dropping those scoring under `min_relative_score`
        times the best score (weak matches on one common word clutter a results page)."""
        units = [
            (term, self._expand(term, surface))
            for term, surface in dict.fromkeys(query_terms(query[:MAX_QUERY_CHARS], self.language))
        ]
        terms: dict[str, float] = {}
        for _term, expansions in units:
            for word, weight in expansions:
                terms[word] = max(terms.get(word, 0.0), weight)
        if not terms:
            return []
        scores = np.zeros(len(self._docs))
        for term, weight in terms.items():
            doc_indexes, saturated = self._postings[term]
            scores[doc_indexes] += (weight * self._idf[term]) * saturated  # a document appears once per list
        matched = np.flatnonzero(scores)
        if len(matched) > limit:
            # Every document scoring at least the limit-th best, ties included, then an exact sort.
            kth = -np.partition(-scores[matched], limit - 1)[limit - 1]
            matched = matched[scores[matched] >= kth]
        ranked = sorted(((int(i), float(scores[i])) for i in matched), key=lambda item: (-item[1], item[0]))[
            :limit
        ]
        if ranked and min_relative_score > 0:
            floor = ranked[0][1] * min_relative_score
            ranked = [(i, score) for i, score in ranked if score >= floor]
        coverage = self._coverage(units, {i for i, _score in ranked})
        no_snippet = {"snippet": "", "highlights": ()}
        return [
            SearchHit(
                id=self._docs[i].id,
                score=score,
                coverage=coverage.get(i, 0.0),
                **(self._snippet(i, terms) if snippets else no_snippet),
            )
            for i, score in ranked
        ]

    def _coverage(self, units, doc_indexes: set[int]) -> dict[int, float]:
        """For each document, the idf-weighted share of the query words it contains."""
        rare = math.log(1.0 + (len(self._docs) + 0.5) / 0.5)  # what an unknown word is worth
        wanted = np.fromiter(sorted(doc_indexes), dtype=np.int32, count=len(doc_indexes))
        total = 0.0
        found: dict[int, float] = defaultdict(float)
        for _term, expansions in units:
            unit_idf = max((self._idf[word] for word, _w in expansions), default=rare)
            total += unit_idf
            best: dict[int, float] = {}
            for word, weight in expansions:
                value = weight * self._idf[word]
                for doc_index in np.intersect1d(self._postings[word][0], wanted, assume_unique=True).tolist():
                    if value > best.get(doc_index, 0.0):
                        best[doc_index] = value
            for doc_index, value in best.items():
                found[doc_index] += value
        return {i: min(1.0, value / total) for i, value in found.items()} if total else {}

    def passages(self) -> list[list[str]]:
        """Each document's body passages, in document order."""
        return [list(p) for p in self._passages]

    def snippet(self, doc_id: int | str, query: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        """The best passage of one document for `query`, with highlights."""
        return self.snippets([doc_id], query)[0]

    def snippets(self, doc_ids, query: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
        """The best passage of each document for `query`, with highlights (the query analysed once)."""
        terms = self._weighted_terms(query)
        found = []
        for doc_id in doc_ids:
            position = self._positions.get(doc_id)
            if position is None:
                found.append(("", ()))
                continue
            best = self._snippet(position, terms)
            found.append((best["snippet"], best["highlights"]))
        return found

    def _tokenised_passages(self, doc_index: int) -> list[tuple[str, list[tuple[str, int, int]], Counter]]:
        cached = self._passage_tokens.get(doc_index)
        if cached is None:
            doc = self._docs[doc_index]
            passages = self._passages[doc_index] or [doc.summary or doc.title]
            cached = []
            for passage in passages:
                tokens = list(tokens_with_offsets(passage, self.language))
                # Term counts: a passage is scored by looking up the query's few terms, not by
                # walking all its tokens.
                cached.append((passage, tokens, Counter(t for t, _s, _e in tokens)))
            if len(self._passage_tokens) >= PASSAGE_CACHE_DOCUMENTS:
                try:  # oldest first; another thread may be evicting too
                    self._passage_tokens.pop(next(iter(self._passage_tokens)), None)
                except (RuntimeError, StopIteration):
                    pass
            self._passage_tokens[doc_index] = cached
        return cached

    def _snippet(self, doc_index: int, terms: dict[str, float]) -> dict:
        candidates = self._tokenised_passages(doc_index)
        (best, best_tokens, _counts), best_score = candidates[0], -1.0
        weights = [(term, weight * self._idf.get(term, 0.0)) for term, weight in terms.items()]
        for passage, tokens, counts in candidates:
            score = sum(weight * counts[term] for term, weight in weights if term in counts)
            if score > best_score:
                best, best_tokens, best_score = passage, tokens, score
        spans = [(s, e) for t, s, e in best_tokens if t in terms]
        snippet, offset = _cut(best, spans[0][0] if spans else 0)
        shifted = []
        for s, e in spans:
            s, e = s - offset, e - offset
            if 0 <= s and e <= len(snippet):
                shifted.append((s, e))
        return {"snippet": snippet, "highlights": _merge(shifted)}


def _merge(spans: list[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    merged: list[list[int]] = []
    for s, e in sorted(spans):
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple((s, e) for s, e in merged)


def highlight_spans(text: str, query: str, language: str) -> tuple[tuple[int, int], ...]:
    """Spans of `text` that match the query's terms (exact terms after normalisation)."""
    terms = {term for term, _surface in query_terms(query[:MAX_QUERY_CHARS], language)}
    return _merge([(s, e) for t, s, e in tokens_with_offsets(text, language) if t in terms])
