"""The help center's search engine: pure Python (no Django), one index per language."""

from .engine import AnswerEngine, RankedArticle
from .index import Document, SearchHit, SearchIndex, highlight_spans
from .text import tokenize

__all__ = [
    "AnswerEngine",
    "Document",
    "RankedArticle",
    "SearchHit",
    "SearchIndex",
    "highlight_spans",
    "tokenize",
]
