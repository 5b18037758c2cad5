"""Engine build time, memory and latency at 1,000 and 10,000 articles in one language.

Run: .venv/bin/python bench/chatbot_scale.py [sizes...]   (synthetic articles made from the shared eval sets)
Memory is what tracemalloc sees Python and numpy hold: after the build ("held", what a worker keeps
per language) and at the build's peak.
"""

import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from kb.search import AnswerEngine, Document  # noqa: E402 - after the path is set

E = str(ROOT.parent / "shared" / "eval") + "/"
base = []
for f in ["banking77/articles-full.jsonl", "clinc150/articles.jsonl"]:
    for line in open(E + f):
        d = json.loads(line)
        t = d["translations"]["en"]
        base.append((d["slug"], t["title"], t["questions"]))
random.seed(0)
for n in [int(a) for a in sys.argv[1:]] or (1000, 10000):
    docs = []
    for i in range(n):
        slug, title, qs = base[i % len(base)]
        # synthetic variation: a distinct product word per copy so articles differ
        tag = f"product{i // len(base)}"
        docs.append(
            Document(
                f"{slug}-{i}",
                f"{title} {tag}",
                tuple(f"{q} {tag}" for q in random.sample(qs, min(10, len(qs)))),
                "",
                "",
            )
        )
    # Timed without tracemalloc (it slows a build several times over), then built again under it for memory.
    t0 = time.perf_counter()
    eng = AnswerEngine.build(docs, "en")
    bt = time.perf_counter() - t0
    tracemalloc.start()
    again = AnswerEngine.build(docs, "en")
    import gc

    gc.collect()
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del again
    qs = [json.loads(line)["text"] for line in open(E + "banking77/dev.jsonl")][:300]
    lat = []
    for q in qs:
        t1 = time.perf_counter()
        eng.rank(q, 5)
        lat.append((time.perf_counter() - t1) * 1000)
    lat.sort()
    print(
        f"n={n} model={eng.intents.kind} build={bt:.1f}s held={cur / 1e6:.0f}MB "
        f"({cur / 1e6 / (n / 1000):.0f} MB per 1,000 articles) build_peak={peak / 1e6:.0f}MB "
        f"p50={lat[150]:.1f}ms p95={lat[285]:.1f}ms",
        flush=True,
    )
