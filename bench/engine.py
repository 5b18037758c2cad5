"""Our engine vs Okapi BM25 (rank-bm25) vs a database icontains search, at 1,000 / 10,000 / 50,000
articles in one language (banking77 + clinc150 topics with synthetic variations).

Run: .venv/bin/python bench/engine.py [--sizes 1000 10000 50000]
(needs `pip install rank-bm25`; the database search uses a throwaway SQLite file)
Prints build time, memory, per-query p50/p95 and top-1 on a fixed sample of 200 real queries.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
EVAL = ROOT.parent / "shared" / "eval"

from kb.search import AnswerEngine, Document  # noqa: E402
from kb.search.text import tokenize  # noqa: E402


def knowledge_base(size: int) -> list[Document]:
    base = []
    for name in ("banking77/articles-full.jsonl", "clinc150/articles.jsonl"):
        for line in (EVAL / name).read_text(encoding="utf-8").splitlines():
            article = json.loads(line)
            tr = article["translations"]["en"]
            base.append((article["slug"], tr["title"], tr["questions"]))
    rng = random.Random(0)
    docs = []
    for i in range(size):
        slug, title, questions = base[i % len(base)]
        copy = i // len(base)
        # Copy 0 is the real topic; later copies are variations about other "products".
        suffix = "" if copy == 0 else f" for product {copy}"
        chosen = rng.sample(questions, min(10, len(questions)))
        docs.append(
            Document(
                slug if copy == 0 else f"{slug}~{copy}", title + suffix, tuple(q + suffix for q in chosen)
            )
        )
    return docs


def sample_queries() -> list[tuple[str, str]]:
    rows = []
    for name in ("banking77/dev.jsonl", "clinc150/dev.jsonl"):
        rows += [json.loads(line) for line in (EVAL / name).read_text(encoding="utf-8").splitlines()]
    rows = [r for r in rows if r["expected"]]
    return [(r["text"], r["expected"]) for r in random.Random(1).sample(rows, 200)]


def measure(build, search, queries):
    started = time.perf_counter()
    handle = build()
    build_s = time.perf_counter() - started
    # Memory from a second build under tracemalloc, which would slow the timed one several times over.
    del handle
    tracemalloc.start()
    handle = build()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    latencies, right = [], 0
    for text, expected in queries:
        started = time.perf_counter()
        best = search(handle, text)
        latencies.append((time.perf_counter() - started) * 1000)
        # A query names no product, so any variation of the expected topic is a right answer.
        right += best is not None and str(best).split("~")[0] == expected
    latencies.sort()
    return (
        build_s,
        peak / 1e6,
        statistics.median(latencies),
        latencies[int(len(latencies) * 0.95)],
        right / len(queries),
    )


BENCH_DB = Path(tempfile.mkdtemp(prefix="engine-bench-")) / "engine-bench.sqlite3"


def database_search(docs):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")
    # Always a throwaway file: build() deletes every article in the database it is given.
    os.environ["DATABASE_URL"] = f"sqlite:///{BENCH_DB}"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Q

    from kb.models import Article, Category

    if Article._meta.db_table not in connection.introspection.table_names():
        call_command("migrate", verbosity=0)

    def build():
        Article.objects.all().delete()
        Category.objects.all().delete()
        category = Category.objects.create(slug_en="bench", name_en="Bench")
        Article.objects.bulk_create(
            [
                Article(
                    category=category,
                    slug_en=f"a{i}",
                    title_en=d.title,
                    questions_en="\n".join(d.questions),
                    status="published",
                )
                for i, d in enumerate(docs)
            ],
            batch_size=2000,
        )
        return {f"a{i}": d.id for i, d in enumerate(docs)}

    def search(slugs, text):
        words = [w for w in tokenize(text, "en") if len(w) > 2][:6]
        if not words:
            return None
        # What a naive help center does: every word must appear somewhere in title or questions.
        condition = Q()
        for word in words:
            condition &= Q(title_en__icontains=word) | Q(questions_en__icontains=word)
        found = Article.objects.filter(condition).values_list("slug_en", flat=True).first()
        return slugs.get(found)

    return build, search


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    args = parser.parse_args()
    if not EVAL.exists():
        print(f"engine: {EVAL} not found")
        return 1
    try:
        from rank_bm25 import BM25Okapi
    except ImportError:
        print("engine: pip install rank-bm25 to compare with Okapi BM25")
        return 1
    queries = sample_queries()
    print(
        f"{'articles':>8} {'method':12} {'build s':>8} {'peak MB':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'top-1':>6}"
    )
    for size in args.sizes:
        docs = knowledge_base(size)
        rows = {
            "ours": measure(
                lambda docs=docs: AnswerEngine.build(docs, "en"),
                lambda e, t: (r := e.rank(t, 1)) and r[0].id,
                queries,
            ),
            "rank-bm25": measure(
                lambda docs=docs: BM25Okapi(
                    [tokenize(" ".join((d.title, *d.questions)), "en") or ["_"] for d in docs]
                ),
                lambda bm, t, docs=docs: docs[int(bm.get_scores(tokenize(t, "en")).argmax())].id,
                queries,
            ),
        }
        build, search = database_search(docs)
        rows["db icontains"] = measure(build, search, queries)
        for method, (build_s, peak, p50, p95, top1) in rows.items():
            print(f"{size:8d} {method:12} {build_s:8.2f} {peak:8.0f} {p50:8.2f} {p95:8.2f} {top1:6.3f}")
        print(
            f"{'':8} ratio ours/bm25 p95: {rows['ours'][3] / rows['rank-bm25'][3]:.2f}, top-1 "
            f"+{rows['ours'][4] - rows['rank-bm25'][4]:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
