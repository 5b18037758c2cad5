"""Per-process search indexes over the published articles, one per language.

Each web worker keeps its own indexes and rebuilds one when the published content changes: the
version (article/category counts and last update times) costs one small aggregate query per search,
so several workers or machines need no coordination to see an edit.
"""

import threading
from dataclasses import dataclass

from django.db.models import Count, Max
from django.utils import translation

from .models import Article, Category
from .rendering import markdown_to_text
from .search import AnswerEngine, Document, SearchIndex


@dataclass(frozen=True)
class _Built:
    version: tuple
    engine: AnswerEngine


_lock = threading.Lock()
_indexes: dict[str, _Built] = {}


def content_version() -> tuple:
    """A value that changes whenever anything the index is built from changes."""
    articles = Article.objects.published().aggregate(n=Count("id"), last=Max("updated_at"))
    categories = Category.objects.aggregate(n=Count("id"), last=Max("updated_at"))
    return (articles["n"], articles["last"], categories["n"], categories["last"])


# Documents already made, by (language, article id): an edit re-renders only the article it touched.
_documents: dict[tuple[str, int], tuple[tuple, Document]] = {}


def article_documents(language: str) -> list[Document]:
    """The published articles as search documents in `language`, falling back to the source text."""
    documents = []
    seen = set()
    with translation.override(language):
        for article in Article.objects.published().select_related("category"):
            key, stamp = (language, article.pk), (article.updated_at, article.category.updated_at)
            cached = _documents.get(key)
            if cached is None or cached[0] != stamp:
                cached = (
                    stamp,
                    Document(
                        id=article.pk,
                        title=article.title,
                        questions=tuple(article.question_list()),
                        summary=article.summary,
                        body=markdown_to_text(article.body),
                        category=article.category.name,
                    ),
                )
                _documents[key] = cached
            seen.add(key)
            documents.append(cached[1])
    for key in [k for k in _documents if k[0] == language and k not in seen]:
        del _documents[key]  # unpublished or deleted
    return documents


def answer_engine(language: str) -> AnswerEngine:
    """The engine for `language`, rebuilt first if the published content changed since it was built."""
    version = content_version()
    built = _indexes.get(language)
    if built is not None and built.version == version:
        return built.engine
    with _lock:
        built = _indexes.get(language)
        if built is None or built.version != version:
            built = _Built(version, AnswerEngine.build(article_documents(language), language))
            _indexes[language] = built
    return built.engine


def search_index(language: str) -> SearchIndex:
    """The term-weighting index behind the search page (the engine's first stage)."""
    return answer_engine(language).index


def clear_indexes() -> None:
    _indexes.clear()
    _documents.clear()
