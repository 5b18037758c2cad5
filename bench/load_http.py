"""Load test: gunicorn with 2 workers, N concurrent simulated customers.

Each customer opens an article, starts a chat, sends 5 messages, and 1 in 10 escalates to a person.
Run: .venv/bin/python bench/load_http.py [--customers 50] [--database sqlite|postgres]
(not http.py: that name would shadow the standard library).
Prints requests/s and p50/p95/p99 per endpoint, errors, and checks that the number of tickets equals
the number of escalations and that no chat message was lost. Everything stays on 127.0.0.1.
"""

import argparse
import http.client
import json
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
from benchsite import cpu_seconds, running_site  # noqa: E402

ARTICLES = [
    "/en/articles/reset-password/",
    "/en/articles/update-payment-method/",
    "/en/articles/dns-records/",
    "/fr/",
]
QUESTIONS = [
    "I forgot my password",
    "how do I change my credit card",
    "my server is down",
    "how to add an A record",
    "j'ai oublié mon mot de passe",
    "comment changer ma carte bancaire",
    "怎么重置密码",
    "how do I resize my instance",
    "what is the weather like",
    "can I get a refund",
    "how do I invite a colleague",
    "enable two factor",
]


class Customer(threading.Thread):
    def __init__(
        self, port: int, number: int, escalate: bool, stats, lock, think: float = 0.0, rounds: int = 1
    ):
        super().__init__(daemon=True)
        self.think, self.rounds = think, rounds
        self.port, self.number, self.escalate, self.stats, self.lock = port, number, escalate, stats, lock
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None
        self.sent = 0
        self.escalated = 0

    def request(self, method: str, path: str, body=None, name: str = ""):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()), "Accept-Language": "en"}
        if body is not None:
            headers["Content-Type"] = "application/json"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
            headers["Referer"] = f"http://127.0.0.1:{self.port}/"
        started = time.perf_counter()
        for _attempt in range(2):  # a browser reconnects when the server closed a kept-alive connection
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(
                    method, path, body=None if body is None else json.dumps(body), headers=headers
                )
                response = self.conn.getresponse()
                data = response.read()
                status = response.status
                for header, value in response.getheaders():
                    if header.lower() == "set-cookie":
                        key, _, rest = value.partition("=")
                        self.cookies[key] = rest.split(";", 1)[0]
                if response.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = None
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self.conn.close()
                self.conn = None
                status, data = 599, str(exc).encode()
                if method == "POST":
                    break  # never resend a write: it might have been stored
            except OSError as exc:
                self.conn.close()
                self.conn = None
                status, data = 599, str(exc).encode()
                break
        elapsed = (time.perf_counter() - started) * 1000
        with self.lock:
            self.stats[name or path].append((elapsed, status))
        return status, data

    def run(self):
        for round_ in range(self.rounds):
            self.visit(random.Random(self.number * 1000 + round_))

    def visit(self, rng):
        pause = lambda: self.think and time.sleep(rng.uniform(0.5, 1.5) * self.think)  # noqa: E731 - reading, typing
        self.request("GET", rng.choice(ARTICLES), name="GET article")
        status, data = self.request(
            "POST",
            "/api/chat/conversations",
            {"language": "en", "timezone": "Europe/Paris"},
            name="POST conversation",
        )
        if status != 201:
            return
        cid = json.loads(data)["id"]
        for _ in range(5):
            pause()
            status, _data = self.request(
                "POST",
                f"/api/chat/conversations/{cid}/messages",
                {"text": rng.choice(QUESTIONS)},
                name="POST message",
            )
            self.sent += status == 200
        if self.escalate:
            pause()
            status, _data = self.request(
                "POST",
                f"/api/chat/conversations/{cid}/escalate",
                {"email": f"c{self.number}@example.com"},
                name="POST escalate",
            )
            self.escalated += status in (200, 201)
        self.cid = cid


def percentile(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=50)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="mean seconds a customer reads or types between requests (0: as fast as the server answers)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="journeys per customer, one after the other (longer, steadier runs)",
    )
    parser.add_argument(
        "--articles", type=int, default=0, help="synthetic articles added to the demo content (e.g. 10000)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="threads per gunicorn worker (more cost CPU in GIL hand-offs: see README)",
    )
    args = parser.parse_args()
    with running_site(
        database=args.database, articles=args.articles, workers=args.workers, threads=args.threads
    ) as (port, env, manage):
        # Warm both workers' engines so the first customers do not pay for the build.
        warm = Customer(port, -1, False, defaultdict(list), threading.Lock())
        for _ in range(4):
            warm.run()
        stats: dict[str, list] = defaultdict(list)
        lock = threading.Lock()
        customers = [
            Customer(port, n, n % 10 == 0, stats, lock, args.think, args.rounds)
            for n in range(args.customers)
        ]
        server_pid = int(env["BENCH_SERVER_PID"])
        server_cpu, client_cpu = cpu_seconds(server_pid), time.process_time()
        started = time.perf_counter()
        for customer in customers:
            customer.start()
        for customer in customers:
            customer.join()
        elapsed = time.perf_counter() - started
        env["BENCH_SERVER_CPU"] = str(cpu_seconds(server_pid) - server_cpu)
        env["BENCH_CLIENT_CPU"] = str(time.process_time() - client_cpu)
        result = report(args, stats, elapsed, customers, warm, env, manage)
    return result


def report(args, stats, elapsed, customers, warm, env, manage) -> int:
    total = sum(len(v) for v in stats.values())
    errors = sum(1 for v in stats.values() for _ms, status in v if status >= 400)
    print(
        f"database={args.database} articles=18+{args.articles} gunicorn={args.workers}x{args.threads} "
        f"customers={args.customers} think={args.think}s requests={total} in {elapsed:.1f}s = "
        f"{total / elapsed:.0f} req/s, errors={errors}"
    )
    for name, values in sorted(stats.items()):
        ms = [v for v, _s in values]
        print(
            f"  {name:18} n={len(ms):4d}  p50={statistics.median(ms):7.1f} ms  "
            f"p95={percentile(ms, 0.95):7.1f} ms  p99={percentile(ms, 0.99):7.1f} ms"
        )
    messages = stats.get("POST message", [])
    print(f"  chat messages/s: {len(messages) / elapsed:.0f}")
    server_cpu, client_cpu = float(env["BENCH_SERVER_CPU"]), float(env["BENCH_CLIENT_CPU"])
    print(
        f"  CPU: server {server_cpu:.1f} s = {server_cpu / total * 1000:.1f} ms per request "
        f"(2 dedicated cores would serve ~{2 * total / server_cpu:.0f} req/s); "
        f"load generator {client_cpu:.1f} s = {client_cpu / elapsed / 2:.0%} of the machine"
    )

    # Nothing lost: every escalation has its ticket, every message sent is stored.
    check = subprocess.run(
        [
            *manage,
            "shell",
            "-c",
            "from support.models import Ticket; from chatbot.models import Message;"
            "print(Ticket.objects.filter(source='chat').count(), "
            "Message.objects.filter(role='customer').count())",
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    tickets, stored = map(int, check.stdout.strip().splitlines()[-1].split())
    escalations = sum(c.escalated for c in customers)
    sent = sum(c.sent for c in customers) + warm.sent
    print(
        f"  tickets={tickets} escalations={escalations} {'OK' if tickets == escalations else 'MISMATCH'}; "
        f"messages stored={stored} sent={sent} {'OK' if stored == sent else 'LOST'}"
    )
    return 0 if errors == 0 and tickets == escalations and stored == sent else 1


if __name__ == "__main__":
    sys.exit(main())
