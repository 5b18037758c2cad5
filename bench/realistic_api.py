"""The realistic customer questions (bench/data/realistic-queries.jsonl) through the chat service the
API calls, on the demo help center in the database DATABASE_URL points at (load it with
`manage.py load_demo`), or with --url through the HTTP chat API of a running site (one conversation
per question, CSRF as the widget sends it). Prints answered right / suggested / answered wrong /
refused per language, then the multi-turn cases (bench/data/realistic-multiturn.jsonl): several
messages in one conversation, judged on the last reply ("expected": an article's slug, or
"small_talk" (a greeting back), "support" (answered from the support schedule), "retry" (after
"that didn't help": other articles or the offer of a person, never the same article again)).
A question about support hours that expects the demo's "contact-support" article counts as
answered right when the bot answers it from the live schedule instead (kind "support").

Run: DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python manage.py migrate && \
     DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python manage.py load_demo && \
     DATABASE_URL=sqlite:////tmp/rq.sqlite3 .venv/bin/python bench/realistic_api.py
Over HTTP: start the site with a chat rate limit above 110 messages a minute, e.g.
     HELPCENTER_CHAT_RATE=1000/m DATABASE_URL=... .venv/bin/python manage.py runserver 127.0.0.1:8090
     .venv/bin/python bench/realistic_api.py --url http://127.0.0.1:8090
"""

import argparse
import collections
import http.cookiejar
import json
import os
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.dev")

import django  # noqa: E402

django.setup()

from chatbot import services  # noqa: E402
from chatbot.models import Conversation  # noqa: E402
from core.languages import site_languages  # noqa: E402
from kb.indexes import engines_warm  # noqa: E402

QUERIES = ROOT / "bench" / "data" / "realistic-queries.jsonl"
MULTITURN = ROOT / "bench" / "data" / "realistic-multiturn.jsonl"
SUPPORT_ARTICLE = "contact-support"
OUTCOMES = ("answered_right", "suggested_right", "suggested_wrong", "answered_wrong", "refused")


def _in_process(language: str, text: str | list[str]) -> tuple[str, list[str]]:
    conversation = Conversation.objects.create(language=language, timezone="UTC", owner="bench")
    for turn in [text] if isinstance(text, str) else text:
        reply = services.conversation_message(conversation=conversation, text=turn)
    return reply.kind, [article["slug"] for article in reply.articles]


def _over_http(base: str):
    """A client that asks like the widget: page first (CSRF cookie), then the JSON API."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

    def post(path: str, body: dict, referer: str) -> dict:
        token = next(cookie.value for cookie in jar if cookie.name == "csrftoken")
        request = urllib.request.Request(
            base + path,
            json.dumps(body).encode(),
            {"Content-Type": "application/json", "X-CSRFToken": token, "Referer": referer},
        )
        return json.loads(opener.open(request).read())

    def ask(language: str, text: str | list[str]) -> tuple[str, list[str]]:
        page = f"{base}/{language}/chat/"
        opener.open(page).read()
        started = post("/api/chat/conversations", {"language": language, "timezone": "UTC"}, page)
        for turn in [text] if isinstance(text, str) else text:
            reply = post(f"/api/chat/conversations/{started['id']}/messages", {"text": turn}, page)["reply"]
        return reply["kind"], [article["slug"] for article in reply["articles"]]

    return ask


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running site's address: ask through its HTTP chat API")
    args = parser.parse_args()
    if args.url:
        ask = _over_http(args.url.rstrip("/"))
    else:
        # Every language's full engine first: this measures what the engines answer, not the
        # words-only stand-in that answers while a fresh process builds them (see the first-answer
        # time in the README for that).
        engines_warm(site_languages())
        ask = _in_process
    out: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in QUERIES.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        kind, shown = ask(row["language"], row["text"])
        expected = row["expected"]
        if kind == "support" and expected == SUPPORT_ARTICLE:
            outcome = "answered_right"
        elif kind == "answer":
            outcome = "answered_right" if expected and shown[0] == expected else "answered_wrong"
        elif kind == "suggestions":
            outcome = "suggested_right" if expected in shown else "suggested_wrong"
        else:
            outcome = "refused"
        out[row["language"] if expected else "off-topic"][outcome] += 1
        if not expected:
            out[f"  off {row['language']}"][outcome] += 1
    print(f"{'':10} " + " ".join(f"{name:>15}" for name in OUTCOMES))
    for group, counts in out.items():
        print(f"{group:10} " + " ".join(f"{counts[name]:15}" for name in OUTCOMES))
    print()
    passed: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0])
    for line in MULTITURN.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        kind, shown = ask(row["language"], row["turns"])
        ok = _multiturn_ok(row, kind, shown, ask)
        passed[row["language"]][0] += ok
        passed[row["language"]][1] += 1
        if not ok:
            print(f"  multi-turn missed: {row['id']} -> {kind} {shown[:3]}")
    print("multi-turn " + "  ".join(f"{code} {n}/{total}" for code, (n, total) in passed.items()))
    return 0


def _multiturn_ok(row: dict, kind: str, shown: list[str], ask) -> bool:
    expected = row["expected"]
    if expected in ("small_talk", "support"):
        return kind == expected
    if expected == "retry":
        # What the first message alone got shown, asked again in a conversation of its own.
        _first_kind, first_shown = ask(row["language"], row["turns"][0])
        return kind == "offer_person" or (kind == "suggestions" and not set(shown) & set(first_shown[:1]))
    return kind in ("answer", "suggestions") and bool(shown) and shown[0] == expected


if __name__ == "__main__":
    sys.exit(main())
