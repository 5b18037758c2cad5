"""Per-message latency of the chat service in process (what the API view calls), with the engines
warm, on the help center in the database DATABASE_URL points at, and where the time goes.

Run: DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python bench/chat_latency.py [--rounds 3] [--profile]
Asks the realistic questions (bench/data/realistic-queries.jsonl), each in a new conversation, in
`--rounds` rounds (the second and later rounds hit the query-embedding cache, as repeated questions
do), and prints p50/p95 per round; --profile prints the functions that take the most time.
The machine may be shared: quote medians of several runs.
"""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")

import django  # noqa: E402

django.setup()

from chatbot import services  # noqa: E402
from chatbot.models import Conversation  # noqa: E402

QUERIES = ROOT / "bench" / "data" / "realistic-queries.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    rows = [json.loads(line) for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    started = time.perf_counter()
    services.chatbot_prepare()
    print(f"prepared in {time.perf_counter() - started:.1f} s")
    profiler = cProfile.Profile() if args.profile else None
    for round_number in range(1, args.rounds + 1):
        latencies = []
        for row in rows:
            conversation = Conversation.objects.create(
                language=row["language"], timezone="UTC", owner="bench"
            )
            if profiler:
                profiler.enable()
            t = time.perf_counter()
            services.conversation_message(conversation=conversation, text=row["text"])
            latencies.append((time.perf_counter() - t) * 1000)
            if profiler:
                profiler.disable()
        latencies.sort()
        print(
            f"round {round_number}: {len(latencies)} messages, p50 {statistics.median(latencies):.1f} ms, "
            f"p95 {latencies[int(len(latencies) * 0.95)]:.1f} ms"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
    return 0


if __name__ == "__main__":
    sys.exit(main())
