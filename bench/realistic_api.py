"""The realistic customer questions (bench/data/realistic-queries.jsonl) through the chat service the
API calls, on the demo help center in the database DATABASE_URL points at (load it with
`manage.py load_demo`). Prints answered right / suggested / answered wrong / refused per language.

Run: DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python manage.py migrate && \
     DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python manage.py load_demo && \
     DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python bench/realistic_api.py
"""

import collections
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")

import django  # noqa: E402

django.setup()

from chatbot import services  # noqa: E402
from chatbot.models import Conversation  # noqa: E402

QUERIES = ROOT / "bench" / "data" / "realistic-queries.jsonl"
OUTCOMES = ("answered_right", "suggested_right", "suggested_wrong", "answered_wrong", "refused")


def main() -> int:
    out: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        conversation = Conversation.objects.create(language=row["language"], timezone="UTC", owner="bench")
        reply = services.conversation_message(conversation=conversation, text=row["text"])
        shown = [article["slug"] for article in reply.articles]
        expected = row["expected"]
        if reply.kind == "answer":
            outcome = "answered_right" if expected and shown[0] == expected else "answered_wrong"
        elif reply.kind == "suggestions":
            outcome = "suggested_right" if expected in shown else "suggested_wrong"
        else:
            outcome = "refused"
        out[row["language"] if expected else "off-topic"][outcome] += 1
    print(f"{'':10} " + " ".join(f"{name:>15}" for name in OUTCOMES))
    for group, counts in out.items():
        print(f"{group:10} " + " ".join(f"{counts[name]:15}" for name in OUTCOMES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
