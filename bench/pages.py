"""Public article page: requests/s and database queries per page, cold (page cache off) and cached.

Run: .venv/bin/python bench/pages.py [--seconds 10] [--clients 16]
gunicorn with 2 workers on a fresh SQLite copy of the demo; the clients keep their connections
open, as browsers do, and each has its own CSRF cookie (cached pages still carry a per-visitor token).
"""

import argparse
import http.client
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchsite import running_site  # noqa: E402

PAGES = [
    "/en/articles/reset-password/",
    "/en/articles/dns-records/",
    "/fr/",
    "/zh-hans/articles/reset-password/",
]

QUERIES = """
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
for label, clear in (("cold", True), ("cached", False)):
    counts = []
    for path in {pages!r}:
        if clear:
            cache.clear()
        client = Client(HTTP_HOST="127.0.0.1")
        with CaptureQueriesContext(connection) as queries:
            status = client.get(path).status_code
        counts.append(len(queries))
    print(label, max(counts))
"""


def hammer(port: int, seconds: float, clients: int) -> tuple[int, list[float], int]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(number: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        cookie = ""
        mine, bad, i = [], 0, number
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                conn.request(
                    "GET", PAGES[i % len(PAGES)], headers={"Cookie": cookie, "Accept-Language": "en"}
                )
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                set_cookie = response.getheader("Set-Cookie")
                if set_cookie and "csrftoken=" in set_cookie:
                    cookie = "csrftoken=" + set_cookie.split("csrftoken=", 1)[1].split(";", 1)[0]
            except OSError:
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append((time.perf_counter() - started) * 1000)
            i += 1
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies), sorted(latencies), errors


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    args = parser.parse_args()
    results = {}
    for label, cache_on in (("cold", "0"), ("cached", "1")):
        with running_site(env={"HELPCENTER_PAGE_CACHE": cache_on, "BENCH_LANGUAGES": "0"}) as (
            port,
            env,
            manage,
        ):
            hammer(port, 1.0, 2)  # warm up: templates compiled, first pages cached
            count, latencies, errors = hammer(port, args.seconds, args.clients)
            queries = subprocess.run(
                [*manage, "shell", "-c", QUERIES.format(pages=PAGES)],
                env={**env, "HELPCENTER_PAGE_CACHE": cache_on},
                cwd=ROOT,
                capture_output=True,
                text=True,
                check=True,
            ).stdout.splitlines()
        per_page = dict(line.split() for line in queries if line.startswith(("cold ", "cached ")))
        results[label] = count / args.seconds
        print(
            f"{label:6} {count / args.seconds:7.0f} pages/s  p50={statistics.median(latencies):6.1f} ms  "
            f"p95={latencies[int(len(latencies) * 0.95)]:6.1f} ms  errors={errors}  "
            f"queries/page={per_page.get(label, '?')}"
        )
    print(f"cached/cold: {results['cached'] / results['cold']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
