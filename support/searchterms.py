"""The terms of the agents' ticket search: what a ticket is indexed under, what a query looks for,
and where to highlight. Pure Python (no Django): the index itself is support/search.py.

Text goes through the project's own pipeline (kb/search/text.py): Latin-script words are folded,
stemmed per language and stop words dropped; Chinese and Japanese runs give character unigrams and
bigrams, so "密码" is found inside "我忘记了密码怎么办" without a segmenter. Whole e-mail addresses
and ticket references are terms of their own, so that they match exactly.

Typos: each Latin term of 4 or more letters is also stored under its one-letter deletions (the
symmetric-deletion method of SymSpell); a query word's deletions then find every indexed term within
one edit (insertion, deletion, substitution or swap of neighbours), checked with rapidfuzz."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from kb.search.stopwords import STOP_WORDS
from kb.search.text import fold, is_cjk, normalise_word, tokens_with_offsets

# A query word too common in any site language is left out (when other words remain): a French
# ticket's index has no "le", so requiring it would find nothing.
ALL_STOP_WORDS = frozenset().union(*STOP_WORDS.values())

_COMBINING_RE = re.compile(r"[\u0300-\u036f]")
MAX_TERM = 64
MAX_WEIGHT = 10_000
TYPO_MIN_LENGTH = 4
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
REFERENCE_RE = re.compile(r"^[a-z]{1,5}-\d{3,}$", re.IGNORECASE)

# How much a word counts for where it was found: the subject and the requester over the bodies.
WEIGHT_SUBJECT = 4
WEIGHT_REQUESTER = 4
WEIGHT_MESSAGE = 1


def _exact_term(chunk: str) -> str | None:
    """The whole-chunk term of an e-mail address or a ticket reference, else None."""
    folded = chunk.strip().strip(",;:()<>[]\"'").casefold()
    if (EMAIL_RE.match(folded) or REFERENCE_RE.match(folded)) and len(folded) <= MAX_TERM:
        return folded
    return None


def document_terms(parts: Iterable[tuple[str, int]], language: str) -> dict[str, int]:
    """term -> weight for a ticket made of (text, weight) parts written in `language`."""
    weights: dict[str, int] = {}
    for text, weight in parts:
        if not text:
            continue
        for chunk in text.split():
            exact = _exact_term(chunk)
            if exact:
                weights[exact] = weights.get(exact, 0) + weight
        for term, _start, _end in tokens_with_offsets(text, language, keep_stop_words=False):
            if len(term) <= MAX_TERM:
                weights[term] = weights.get(term, 0) + weight
    return {term: min(weight, MAX_WEIGHT) for term, weight in weights.items()}


def typo_eligible(term: str) -> bool:
    return len(term) >= TYPO_MIN_LENGTH and term.isalpha() and not is_cjk(term)


def deletions(term: str) -> set[str]:
    """The term and every string one deletion away from it."""
    return {term} | {term[:i] + term[i + 1 :] for i in range(len(term))}


def within_one_edit(a: str, b: str) -> bool:
    return OSA.distance(a, b, score_cutoff=1) <= 1


@dataclass(frozen=True)
class QueryWord:
    surface: str  # as typed, folded: what a highlight and a typo are about
    terms: frozenset[str]  # index terms that match it exactly (one stem per language)
    fuzzy: bool  # may match indexed terms one edit away


def query_words(query: str, languages: Iterable[str]) -> list[QueryWord]:
    """The words of an agent's query: each one must be found (in any of its terms) in a ticket.

    An agent searches tickets of every language, so a Latin word stands for its stem in each site
    language; a Chinese or Japanese run stands for its character bigrams (its single character when
    it has one), each a word of its own."""
    languages = list(languages)
    words: list[QueryWord] = []
    seen: set[frozenset[str]] = set()

    def add(word: QueryWord) -> None:
        if word.terms and word.terms not in seen:
            seen.add(word.terms)
            words.append(word)

    chunks = query.split()
    latin = [
        fold(chunk[start:end])
        for chunk in chunks
        if not _exact_term(chunk)
        for _term, start, end in tokens_with_offsets(chunk, languages[0])
        if not is_cjk(chunk[start:end])
    ]
    keep_stop = all(word in ALL_STOP_WORDS for word in latin)
    for chunk in chunks:
        exact = _exact_term(chunk)
        if exact:
            add(QueryWord(surface=exact, terms=frozenset({exact}), fuzzy=False))
            continue
        tokens = tokens_with_offsets(chunk, languages[0])
        cjk = [(term, start, end) for term, start, end in tokens if is_cjk(term)]
        bigrams = [t for t in cjk if len(t[0]) == 2]
        for term, _start, _end in bigrams or cjk:
            add(QueryWord(surface=term, terms=frozenset({term}), fuzzy=False))
        for _term, start, end in tokens:
            surface = chunk[start:end]
            if is_cjk(surface) or (not keep_stop and fold(surface) in ALL_STOP_WORDS):
                continue
            stems = {normalise_word(surface, language) for language in languages} - {""}
            stems = {s for s in stems if len(s) <= MAX_TERM}
            add(
                QueryWord(surface=fold(surface), terms=frozenset(stems), fuzzy=any(map(typo_eligible, stems)))
            )
    return words


def may_contain(text: str, terms: set[str]) -> bool:
    """A quick test before tokenising `text` for highlights: does any term occur in it at all
    (stems are prefixes of the folded words they come from)?"""
    folded = text.casefold()
    if not folded.isascii():
        folded = _COMBINING_RE.sub("", unicodedata.normalize("NFKD", folded))
    # A stem may end differently from its word ("company" from "companies"): drop its last letter.
    return any((term[:-1] if len(term) >= 4 else term) in folded for term in terms)


def spans(text: str, language: str, terms: set[str]) -> list[tuple[int, int]]:
    """Character spans of `text` whose index term is one of `terms` (for highlighting)."""
    found = [(start, end) for term, start, end in tokens_with_offsets(text, language) if term in terms]
    lowered = text.casefold()
    for term in terms:
        if "@" in term or "-" in term:
            start = lowered.find(term)
            while start >= 0:
                found.append((start, start + len(term)))
                start = lowered.find(term, start + 1)
    # Overlapping CJK unigrams and bigrams: merge them into runs.
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, marks: list[tuple[int, int]], width: int = 180) -> tuple[str, list[tuple[int, int]]]:
    """A window of `text` around its first mark, with the marks moved into it."""
    if len(text) <= width:
        return text, marks
    first = marks[0][0] if marks else 0
    start = max(0, min(first - width // 3, len(text) - width))
    end = start + width
    prefix = "…" if start else ""
    suffix = "…" if end < len(text) else ""
    moved = [(s - start + len(prefix), e - start + len(prefix)) for s, e in marks if s >= start and e <= end]
    return prefix + text[start:end] + suffix, moved
