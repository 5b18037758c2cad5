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

from .frozen import IdTable, StringIndex, StringTable
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


# Tokenised passages of this many recently shown documents are kept per worker: the popular articles
# are few, and each entry costs tens of kilobytes of Python objects in every worker.
PASSAGE_CACHE_DOCUMENTS = 256
# Typo corrections remembered per worker (customers misspell the same words).
CORRECTION_CACHE_WORDS = 10_000


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
    """Build once from documents in one language, then search many times.

    Everything a search reads is numpy arrays (kb/search/frozen.py): terms with their postings and
    idf, the typo corrector's vocabulary, the documents' ids, titles, summaries and passages. An
    index loaded from an artifact keeps them memory-mapped, shared by every worker on the machine;
    a built one holds the same arrays in its own memory."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._ids = IdTable.of([])
        self._titles = StringTable.of([])
        self._summaries = StringTable.of([])
        self._languages = StringTable.of([])
        self._passages = StringTable.of([])  # every document's passages, in document order
        self._passage_offsets = np.zeros(1, dtype=np.int64)  # document i: passages[off[i]:off[i + 1]]
        # Term number -> its posting list (document positions, saturated BM25F weights) and idf: a
        # query adds whole posting lists at once instead of one document at a time.
        self._terms = StringIndex.of([])
        self._postings_offsets = np.zeros(1, dtype=np.int64)
        self._postings_docs = np.zeros(0, dtype=np.int32)
        self._postings_weights = np.zeros(0, dtype=np.float64)
        self._idf = np.zeros(0, dtype=np.float64)
        # Folded surface words, candidates for typo correction, with the number of each one's term.
        self._vocabulary = StringTable.of([])
        self._vocabulary_terms = np.zeros(0, dtype=np.int64)
        self._corrections: dict[str, tuple[tuple[int, float], ...]] = {}
        # Tokenised passages of recently shown documents: the same popular articles are snippeted
        # again and again, and tokenising their bodies was most of the cost of a chat answer.
        self._passage_tokens: dict[int, list[tuple[str, list[tuple[str, int, int]], Counter]]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    STATE = (
        "_titles",
        "_summaries",
        "_languages",
        "_passages",
        "_terms",
        "_vocabulary",
    )
    ARRAYS = ("_passage_offsets", "_postings_offsets", "_postings_docs", "_postings_weights", "_idf")

    def arrays(self) -> dict[str, np.ndarray]:
        """The index as named arrays (kb/search/artifact.py saves them; from_arrays reads them back)."""
        found = dict(self._ids.arrays("ids"))
        for name in self.STATE:
            found.update(getattr(self, name).arrays(name.lstrip("_")))
        for name in self.ARRAYS:
            found[name.lstrip("_")] = getattr(self, name)
        found["vocabulary_terms"] = self._vocabulary_terms
        return found

    @classmethod
    def from_arrays(cls, language: str, array) -> "SearchIndex":
        """An index over the arrays `array(name)` returns (None for a missing one); ValueError when
        they do not fit together."""
        index = cls(language)
        index._ids = IdTable.from_arrays(array, "ids")
        for name in cls.STATE:
            kind = StringIndex if name == "_terms" else StringTable
            setattr(index, name, kind.from_arrays(array, name.lstrip("_")))
        for name in (*cls.ARRAYS, "_vocabulary_terms"):
            value = array(name.lstrip("_"))
            if value is None:
                raise ValueError(f"{name} is missing")
            setattr(index, name, value)
        n, terms = len(index._ids), len(index._terms)
        if not (len(index._titles) == len(index._summaries) == len(index._languages) == n):
            raise ValueError("document columns differ in length")
        if len(index._passage_offsets) != n + 1 or index._passage_offsets[-1] != len(index._passages):
            raise ValueError("passages do not match their documents")
        offsets = index._postings_offsets
        if len(offsets) != terms + 1 or offsets[-1] != len(index._postings_docs):
            raise ValueError("postings do not match their terms")
        if len(index._postings_weights) != len(index._postings_docs) or len(index._idf) != terms:
            raise ValueError("posting weights or idf do not match")
        if len(index._vocabulary_terms) != len(index._vocabulary):
            raise ValueError("vocabulary terms do not match the vocabulary")
        if len(index._postings_docs) and (index._postings_docs.min() < 0 or index._postings_docs.max() >= n):
            raise ValueError("postings name documents that are not there")
        return index

    @classmethod
    def build(cls, documents: Iterable[Document], language: str) -> "SearchIndex":
        index = cls(language)
        documents = list(documents)
        surface_terms: dict[str, str] = {}
        fields_tf: list[dict[str, Counter]] = []
        lengths: dict[str, list[int]] = defaultdict(list)
        passages: list[list[str]] = []
        for doc in documents:
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
                    surface_terms.setdefault(word, term)
                terms = [t for t, _s, _e in tokens_with_offsets(text, language)]
                per_field[name] = Counter(terms)
                lengths[name].append(len(terms))
            fields_tf.append(per_field)
            passages.append(body_passages(doc.body))
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
        n = len(documents)
        index._ids = IdTable.of(doc.id for doc in documents)
        index._titles = StringTable.of(doc.title for doc in documents)
        index._summaries = StringTable.of(doc.summary for doc in documents)
        index._languages = StringTable.of(doc.language for doc in documents)
        index._passages = StringTable.of(p for doc_passages in passages for p in doc_passages)
        index._passage_offsets = np.concatenate(([0], np.cumsum([len(p) for p in passages]))).astype(np.int64)
        terms = list(postings)
        counts = np.fromiter((len(postings[t]) for t in terms), dtype=np.int64, count=len(terms))
        index._terms = StringIndex.of(terms)
        index._postings_offsets = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        index._postings_docs = np.fromiter(
            (i for t in terms for i, _w in postings[t]), dtype=np.int32, count=int(counts.sum())
        )
        weights = np.fromiter(
            (w for t in terms for _i, w in postings[t]), dtype=np.float64, count=int(counts.sum())
        )
        index._postings_weights = weights * (K1 + 1) / (weights + K1)
        index._idf = np.log(1.0 + (n - counts + 0.5) / (counts + 0.5))
        # Typos are corrected against the words as written (not stems, not stop words); CJK text
        # relies on its unigrams and bigrams instead.
        words = [w for w in surface_terms if len(w) >= FUZZY_MIN_LENGTH - 1]
        index._vocabulary = StringTable.of(words)
        index._vocabulary_terms = index._terms.numbers([surface_terms[w] for w in words])
        return index

    def doc_id(self, position: int):
        return self._ids[position]

    def position(self, doc_id) -> int | None:
        """Where the document with this id is in the index (the order it was built in)."""
        return self._ids.position(doc_id)

    def titles(self) -> list[str]:
        return self._titles.strings()

    def _posting(self, term: int) -> tuple[np.ndarray, np.ndarray]:
        start, end = int(self._postings_offsets[term]), int(self._postings_offsets[term + 1])
        return self._postings_docs[start:end], self._postings_weights[start:end]

    def _expand(self, term: str, surface: str) -> tuple[tuple[int, float], ...]:
        """The term itself if indexed, else the terms of close vocabulary words, at a discount (as
        (term number, weight) pairs)."""
        number = self._terms.get(term)
        if number is not None:
            return ((number, 1.0),)
        if len(surface) < FUZZY_MIN_LENGTH or is_cjk(surface) or not len(self._vocabulary):
            return ()
        cached = self._corrections.get(surface)
        if cached is None:
            matches = process.extract(
                surface, self._vocabulary.strings(), scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF, limit=3
            )
            corrections: dict[int, float] = {}
            if matches:
                best = matches[0][1]
                for _word, score, at in matches:
                    corrected = int(self._vocabulary_terms[at])
                    if score >= best - 5 and corrected >= 0:
                        corrections[corrected] = max(
                            corrections.get(corrected, 0.0), FUZZY_DISCOUNT * score / 100.0
                        )
            cached = tuple(corrections.items())
            if len(self._corrections) < CORRECTION_CACHE_WORDS:
                self._corrections[surface] = cached
        return cached

    def _weighted_terms(self, query: str) -> dict[str, float]:
        weights: dict[str, float] = {}
        for term, surface in query_terms(query[:MAX_QUERY_CHARS], self.language):
            for number, weight in self._expand(term, surface):
                word = self._terms[number]
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
        terms: dict[int, float] = {}
        for _term, expansions in units:
            for number, weight in expansions:
                terms[number] = max(terms.get(number, 0.0), weight)
        if not terms:
            return []
        scores = np.zeros(len(self._ids))
        for number, weight in terms.items():
            doc_indexes, saturated = self._posting(number)
            scores[doc_indexes] += (
                weight * self._idf[number]
            ) * saturated  # a document appears once per list
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
        words = {self._terms[number]: weight for number, weight in terms.items()} if snippets else {}
        return [
            SearchHit(
                id=self._ids[i],
                score=score,
                coverage=coverage.get(i, 0.0),
                **(self._snippet(i, words) if snippets else no_snippet),
            )
            for i, score in ranked
        ]

    def _coverage(self, units, doc_indexes: set[int]) -> dict[int, float]:
        """For each document, the idf-weighted share of the query words it contains."""
        rare = math.log(1.0 + (len(self._ids) + 0.5) / 0.5)  # what an unknown word is worth
        wanted = np.fromiter(sorted(doc_indexes), dtype=np.int32, count=len(doc_indexes))
        total = 0.0
        found: dict[int, float] = defaultdict(float)
        for _term, expansions in units:
            unit_idf = max((float(self._idf[number]) for number, _w in expansions), default=rare)
            total += unit_idf
            best: dict[int, float] = {}
            for number, weight in expansions:
                value = weight * float(self._idf[number])
                in_list = np.intersect1d(self._posting(number)[0], wanted, assume_unique=True)
                for doc_index in in_list.tolist():
                    if value > best.get(doc_index, 0.0):
                        best[doc_index] = value
            for doc_index, value in best.items():
                found[doc_index] += value
        return {i: min(1.0, value / total) for i, value in found.items()} if total else {}

    def passages(self) -> list[list[str]]:
        """Each document's body passages, in document order."""
        every = self._passages.strings()
        bounds = self._passage_offsets.tolist()
        return [every[bounds[i] : bounds[i + 1]] for i in range(len(self._ids))]

    def _doc_passages(self, doc_index: int) -> list[str]:
        start, end = int(self._passage_offsets[doc_index]), int(self._passage_offsets[doc_index + 1])
        return self._passages[start:end]

    def snippet(self, doc_id: int | str, query: str) -> tuple[str, tuple[tuple[int, int], ...]]:
        """The best passage of one document for `query`, with highlights."""
        return self.snippets([doc_id], query)[0]

    def snippets(self, doc_ids, query: str) -> list[tuple[str, tuple[tuple[int, int], ...]]]:
        """The best passage of each document for `query`, with highlights (the query analysed once)."""
        terms = self._weighted_terms(query)
        found = []
        for doc_id in doc_ids:
            position = self._ids.position(doc_id)
            if position is None:
                found.append(("", ()))
                continue
            best = self._snippet(position, terms)
            found.append((best["snippet"], best["highlights"]))
        return found

    def _tokenised_passages(self, doc_index: int) -> list[tuple[str, list[tuple[str, int, int]], Counter]]:
        cached = self._passage_tokens.get(doc_index)
        if cached is None:
            passages = self._doc_passages(doc_index) or [
                self._summaries[doc_index] or self._titles[doc_index]
            ]
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
        weights = []
        for term, weight in terms.items():
            number = self._terms.get(term)
            weights.append((term, weight * (float(self._idf[number]) if number is not None else 0.0)))
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
