"""Group what customers asked and did not get answered into topics, so editors see which articles
are missing. Pure Python (rapidfuzz), no Django."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from kb.search.text import tokenize

SIMILARITY = 70.0  # token-set similarity (0-100) above which two questions are one topic
MAX_EXAMPLES = 3


@dataclass
class Gap:
    representative: str
    count: int = 0
    sources: set[str] = field(default_factory=set)
    examples: list[str] = field(default_factory=list)


def group_questions(items: Iterable[tuple[str, str]], language: str) -> list[Gap]:
    """Cluster (text, source) pairs greedily by similarity of their normalised terms; biggest first."""
    gaps: list[tuple[str, Gap]] = []
    for text, source in items:
        text = " ".join(text.split())
        if not text:
            continue
        key = " ".join(tokenize(text, language)) or text.casefold()
        for representative_key, gap in gaps:  # noqa: B007 - the gap found is used after the break
            if fuzz.token_set_ratio(key, representative_key) >= SIMILARITY:
                break
        else:
            gap = Gap(representative=text)
            gaps.append((key, gap))
        gap.count += 1
        gap.sources.add(source)
        if text not in gap.examples and len(gap.examples) < MAX_EXAMPLES:
            gap.examples.append(text)
    return sorted((gap for _key, gap in gaps), key=lambda g: (-g.count, g.representative))
