"""The help center's search engine: pure Python (no Django), one index per language."""

from .index import Document, SearchHit, SearchIndex, highlight_spans
from .text import tokenize

__all__ = ["Document", "SearchHit", "SearchIndex", "highlight_spans", "tokenize"]
