"""Search quality and speed of kb/search on the development sets in ../shared/eval.

Run: .venv/bin/python bench/search_dev.py
Prints top-1/top-3 of the expected article and per-query latency; one document per article
(title + sample questions + body), the same engine the search page uses.
"""

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kb.search import Document, SearchIndex  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
SETS = [
    ("banking77 10-shot", "banking77/articles-10shot.jsonl", "banking77/dev.jsonl", "en"),
    ("banking77 full", "banking77/articles-full.jsonl", "banking77/dev.jsonl", "en"),
    ("banking77-oos (answerable)", "banking77-oos/articles.jsonl", "banking77-oos/dev.jsonl", "en"),
    ("clinc150 (answerable)", "clinc150/articles.jsonl", "clinc150/dev.jsonl", "en"),
    ("xsid en", "xsid/articles-en.jsonl", "xsid/dev-en.jsonl", "en"),
    ("xsid zh-hans", "xsid/articles-zh-hans.jsonl", "xsid/dev-zh-hans.jsonl", "zh-hans"),
]


def load_documents(path: Path, language: str) -> list[Document]:
    documents = []
    for line in path.read_text(encoding="utf-8").splitlines():
        article = json.loads(line)
        tr = article["translations"][language]
        documents.append(
            Document(
                article["slug"],
                tr["title"],
                tuple(tr.get("questions", [])),
                tr.get("summary", ""),
                tr.get("body", ""),
            )
        )
    return documents


def main() -> int:
    if not EVAL.exists():
        print(f"search_dev: {EVAL} not found (the shared eval sets sit beside the repository)")
        return 1
    print(f"{'set':30} {'queries':>7} {'top1':>6} {'top3':>6} {'build s':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for name, articles, queries, language in SETS:
        started = time.perf_counter()
        index = SearchIndex.build(load_documents(EVAL / articles, language), language)
        build = time.perf_counter() - started
        rows = [json.loads(line) for line in (EVAL / queries).read_text(encoding="utf-8").splitlines()]
        rows = [row for row in rows if row["expected"]]
        top1 = top3 = 0
        latencies = []
        for row in rows:
            started = time.perf_counter()
            hits = index.search(row["text"], limit=3)
            latencies.append((time.perf_counter() - started) * 1000)
            ids = [hit.id for hit in hits]
            top1 += bool(ids) and ids[0] == row["expected"]
            top3 += row["expected"] in ids
        latencies.sort()
        print(
            f"{name:30} {len(rows):7d} {top1 / len(rows):6.3f} {top3 / len(rows):6.3f} {build:8.2f} "
            f"{statistics.median(latencies):7.2f} {latencies[int(len(latencies) * 0.95)]:7.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
