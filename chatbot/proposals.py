"""What customers asked in their own words, offered to editors as new sample phrasings of the article
that answered them ("customers also ask"): which customer texts make a phrasing, which articles an
agent's reply links, and near-duplicates grouped. Pure Python (rapidfuzz and kb's text pipeline)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from kb.search.text import tokenize

# Token-set similarity (0-100) of the normalised terms at or above which two phrasings say the same
# thing: stricter than the content gaps' topics (70), since each accepted line should add wording.
SIMILARITY = 88.0
# A sample phrasing is a question, not an e-mail: longer customer texts are not offered.
MAX_CHARS = 200
MIN_CHARS = 3
MAX_VARIANTS = 5

# An article's address in a link, absolute or not: /fr/articles/reinitialiser-mot-de-passe/
ARTICLE_LINK = re.compile(
    r"/(?P<language>[a-z]{2,3}(?:-[a-z0-9]{2,8})?)/articles/(?P<slug>[-\w]+)", re.IGNORECASE
)


def article_links(text: str) -> list[tuple[str, str]]:
    """(language, slug) of each article an agent's reply links, in order, each once."""
    found: list[tuple[str, str]] = []
    for match in ARTICLE_LINK.finditer(text or ""):
        link = (match.group("language").lower(), match.group("slug"))
        if link not in found:
            found.append(link)
    return found


def phrasing_text(text: str) -> str | None:
    """The customer's text as one line, or None when it is no sample phrasing (too long or empty)."""
    line = " ".join((text or "").split())
    if not MIN_CHARS <= len(line) <= MAX_CHARS:
        return None
    return line


def phrasing_key(text: str, language: str) -> str:
    """What two phrasings are compared by: their normalised terms (stems, no case or accents)."""
    return " ".join(tokenize(text, language)) or " ".join(text.casefold().split())


def same_phrasing(a: str, b: str) -> bool:
    """Whether two keys (phrasing_key) say the same thing."""
    return a == b or fuzz.token_set_ratio(a, b) >= SIMILARITY


@dataclass(frozen=True)
class Candidate:
    id: int
    text: str
    source: str


@dataclass
class Group:
    """Near-duplicate phrasings of one article in one language; `text` is the one offered first
    (the most frequent, then the shortest), `variants` every distinct wording with its count."""

    key: str
    ids: list[int] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    wordings: Counter = field(default_factory=Counter)

    @property
    def count(self) -> int:
        return len(self.ids)

    @property
    def variants(self) -> list[tuple[str, int]]:
        ranked = sorted(self.wordings.items(), key=lambda item: (-item[1], len(item[0]), item[0]))
        return ranked[:MAX_VARIANTS]

    @property
    def source_list(self) -> list[str]:
        return sorted(self.sources)

    @property
    def text(self) -> str:
        return self.variants[0][0]


def group_phrasings(
    candidates: Iterable[Candidate], language: str, *, known: Iterable[str] = ()
) -> tuple[list[Group], list[int]]:
    """Near-duplicates grouped, the most asked first, and the ids of candidates that say what one of
    the article's `known` sample questions already says (nothing to add)."""
    known_keys = [phrasing_key(text, language) for text in known]
    groups: list[Group] = []
    redundant: list[int] = []
    for candidate in candidates:
        key = phrasing_key(candidate.text, language)
        if any(same_phrasing(key, other) for other in known_keys):
            redundant.append(candidate.id)
            continue
        group = next((g for g in groups if same_phrasing(key, g.key)), None)
        if group is None:
            group = Group(key)
            groups.append(group)
        group.ids.append(candidate.id)
        group.sources.add(candidate.source)
        group.wordings[candidate.text] += 1
    groups.sort(key=lambda g: (-g.count, g.text))
    return groups, redundant
