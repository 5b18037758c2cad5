"""Load test: gunicorn with 2 workers, N concurrent simulated customers.

Each customer opens an article, starts a chat, sends 5 messages, and 1 in 10 escalates to a person.
Run: .venv/bin/python bench/load_http.py   (not http.py: that name would shadow the standard library) [--customers 50] [--database sqlite|postgres]
Prints requests/s and p50/p95/p99 per endpoint, errors, and checks that the number of tickets equals
the number of escalations and that no chat message was lost. Everything stays on 127.0.0.1.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
QUESTIONS = [
    "I forgot my password", "how do I change my credit card", "my server is down", "how to add an A record",
    "j'ai oublié mon mot de passe", "comment changer ma carte bancaire", "怎么重置密码", "how do I resize my instance",
    "what is the weather like", "can I get a refund", "how do I invite a colleague", "enable two factor",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Customer(threading.Thread):
    def __init__(self, port: int, number: int, escalate: bool, stats, lock):
        super().__init__(daemon=True)
        self.port, self.number, self.escalate, self.stats, self.lock = port, number, escalate, stats, lock
        self.cookies: dict[str, str] = {}
        self.sent = 0
        self.escalated = False

    def request(self, method: str, path: str, body=None, name: str = ""):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        started = time.perf_counter()
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            data = response.read()
            status = response.status
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
        except OSError as exc:
            status, data = 599, str(exc).encode()
        finally:
            conn.close()
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.stats[name or path].append((elapsed, status))
        return status, data

    def run(self):
        rng = random.Random(self.number)
        self.request("GET", "/en/articles/reset-password/", name="GET article")
        status, data = self.request("POST", "/api/chat/conversations", {"language": "en", "timezone": "Europe/Paris"}, name="POST conversation")
        if status != 201:
            return
        cid = json.loads(data)["id"]
        for _ in range(5):
            status, _data = self.request("POST", f"/api/chat/conversations/{cid}/messages", {"text": rng.choice(QUESTIONS)}, name="POST message")
            self.sent += status == 200
        if self.escalate:
            status, _data = self.request("POST", f"/api/chat/conversations/{cid}/escalate", {"email": f"c{self.number}@example.com"}, name="POST escalate")
            self.escalated = status in (200, 201)
        self.cid = cid


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--articles", type=int, default=0, help="extra synthetic articles to load (e.g. 10000)")
    args = parser.parse_args()
    if shutil.which("gunicorn", path=str(Path(PYTHON).parent)) is None:
        print("http: gunicorn is not installed in this virtualenv")
        return 1
    workdir = Path(tempfile.mkdtemp(prefix="hc-bench-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "HELPCENTER_CHAT_RATE": "100000/m",
        "HELPCENTER_SEARCH_RATE": "100000/m",
    }
    env["DATABASE_URL"] = (
        f"sqlite:///{workdir / 'bench.sqlite3'}" if args.database == "sqlite"
        else "postgres://postgres@127.0.0.1:5432/helpcenter_bench"
    )
    if args.database == "postgres":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "DROP DATABASE IF EXISTS helpcenter_bench"], capture_output=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-c", "CREATE DATABASE helpcenter_bench"], check=True, capture_output=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=env, check=True, cwd=ROOT, capture_output=True)
    port = free_port()
    server = subprocess.Popen(
        [str(Path(PYTHON).parent / "gunicorn"), "helpcenter.wsgi", "-c", "/dev/null", "-w", "2", "--threads", "4", "-k", "gthread",
         "-b", f"127.0.0.1:{port}", "--log-level", "warning"],
        env=env, cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        # Warm both workers' engines so the first customers do not pay for the build.
        warm = Customer(port, -1, False, defaultdict(list), threading.Lock())
        for _ in range(4):
            warm.run()
        stats: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        customers = [Customer(port, n, n % 10 == 0, stats, lock) for n in range(args.customers)]
        started = time.perf_counter()
        for customer in customers:
            customer.start()
        for customer in customers:
            customer.join()
        elapsed = time.perf_counter() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    total = sum(len(v) for v in stats.values())
    errors = sum(1 for v in stats.values() for _ms, status in v if status >= 400)
    print(f"database={args.database} customers={args.customers} requests={total} in {elapsed:.1f}s = {total / elapsed:.0f} req/s, errors={errors}")
    for name, values in sorted(stats.items()):
        ms = [v for v, _s in values]
        print(f"  {name:18} n={len(ms):4d}  p50={statistics.median(ms):7.1f} ms  p95={percentile(ms, .95):7.1f} ms  p99={percentile(ms, .99):7.1f} ms")
    messages = stats.get("POST message", [])
    print(f"  chat messages/s: {len(messages) / elapsed:.0f}")

    # Nothing lost: every escalation has its ticket, every message sent is stored.
    check = subprocess.run(
        [*manage, "shell", "-c",
         "from support.models import Ticket; from chatbot.models import Message;"
         "print(Ticket.objects.filter(source='chat').count(), Message.objects.filter(role='customer').count())"],
        env=env, cwd=ROOT, capture_output=True, text=True, check=True,
    )
    tickets, stored = map(int, check.stdout.strip().splitlines()[-1].split())
    escalations = sum(c.escalated for c in customers)
    sent = sum(c.sent for c in customers) + warm.sent
    print(f"  tickets={tickets} escalations={escalations} {'OK' if tickets == escalations else 'MISMATCH'}; "
          f"messages stored={stored} sent={sent} {'OK' if stored == sent else 'LOST'}")
    shutil.rmtree(workdir, ignore_errors=True)
    return 0 if errors == 0 and tickets == escalations and stored == sent else 1


if __name__ == "__main__":
    sys.exit(main())
