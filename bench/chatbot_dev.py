"""The chatbot's engine + policy next to term weighting alone, on every development set.

Run: .venv/bin/python bench/chatbot_dev.py [--sets banking77-oos clinc150]   (default: every set)
For each set: our engine (BM25F fused with the question classifier, production thresholds) as
`evaluate_bot` measures it, and the BM25F index alone (one document per article) for top-1/top-3.
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.test")

import django  # noqa: E402

django.setup()

from io import StringIO  # noqa: E402

from django.core.management import call_command  # noqa: E402

from chatbot.management.commands.evaluate_bot import load_documents  # noqa: E402
from kb.search import SearchIndex  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
# Embeddings of the sets' texts between runs (the first run embeds about 40,000 texts: minutes).
CACHE = ROOT / "bench" / ".cache" / "embeddings.npz"
SETS = [
    ("banking77 10-shot", "banking77/articles-10shot.jsonl", "banking77/dev.jsonl"),
    ("banking77 full", "banking77/articles-full.jsonl", "banking77/dev.jsonl"),
    ("banking77-oos", "banking77-oos/articles.jsonl", "banking77-oos/dev.jsonl"),
    ("clinc150", "clinc150/articles.jsonl", "clinc150/dev.jsonl"),
    ("xsid en", "xsid/articles-en.jsonl", "xsid/dev-en.jsonl"),
    ("xsid zh-hans", "xsid/articles-zh-hans.jsonl", "xsid/dev-zh-hans.jsonl"),
    # Articles without sample questions, with 23 queries written by hand for this project.
    ("django-faq (hand)", "django-faq/articles.jsonl", ROOT / "bench" / "data" / "django-faq-queries.jsonl"),
]


def bm25_alone(articles: Path, queries: Path) -> tuple[float, float]:
    indexes = {lang: SearchIndex.build(docs, lang) for lang, docs in load_documents(articles).items()}
    rows = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [row for row in rows if row["expected"]]
    top1 = top3 = 0
    for row in rows:
        ids = [hit.id for hit in indexes[row["language"]].search(row["text"], limit=3)]
        top1 += bool(ids) and ids[0] == row["expected"]
        top3 += row["expected"] in ids
    return top1 / len(rows), top3 / len(rows)


def main() -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="+", metavar="NAME", help="only the sets whose names start so")
    args = parser.parse_args()
    CACHE.parent.mkdir(exist_ok=True)
    if not EVAL.exists():
        print(f"chatbot_dev: {EVAL} not found (the shared eval sets sit beside the repository)")
        return 1
    header = (
        f"{'set':18} {'top1':>6} {'top3':>6} {'in-scope':>8} {'oos-rec':>7} {'p95 ms':>7} {'build s':>7} | "
        f"{'BM25F top1':>10} {'top3':>6}"
    )
    print(header)
    for name, articles, queries in SETS:
        if args.sets and not any(name == wanted or name.startswith(wanted + " ") for wanted in args.sets):
            continue
        out = StringIO()
        queries_path = queries if isinstance(queries, Path) else EVAL / queries
        call_command(
            "evaluate_bot",
            articles=str(EVAL / articles),
            queries=str(queries_path),
            json=True,
            stdout=out,
            embedding_cache=str(CACHE),
        )
        m = json.loads(out.getvalue())
        b1, b3 = bm25_alone(EVAL / articles, queries_path)
        oos = "-" if m["oos_recall"] is None else f"{m['oos_recall']:.3f}"
        print(
            f"{name:18} {m['top1']:6.3f} {m['top3']:6.3f} {m['in_scope_accuracy']:8.3f} {oos:>7} "
            f"{m['p95_ms']:7.2f} {m['index_build_s']:7.2f} | {b1:10.3f} {b3:6.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
