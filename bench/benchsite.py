"""A throwaway copy of the site under gunicorn, for the HTTP benchmarks (bench/load_http.py and
bench/pages.py)."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Synthetic articles for large knowledge bases: bench/engine.py's variations of the shared sets.
LOAD_ARTICLES = """
import sys
sys.path.insert(0, {bench!r})
from engine import knowledge_base
from kb.models import Article, Category
category, _ = Category.objects.get_or_create(slug_en="bench", defaults={{"name_en": "Bench"}})
Article.objects.bulk_create(
    [Article(category=category, slug_en=f"bench-{{i}}", title_en=d.title,
             questions_en="\\n".join(d.questions), summary_en=d.title, status="published")
     for i, d in enumerate(knowledge_base({count}))],
    batch_size=2000,
)
print(Article.objects.count())
"""


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its children (gunicorn's master and workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                children = (task / "children").read_text().split()
                pending.extend(int(child) for child in children)
        except (OSError, IndexError, ValueError):
            continue
    return total


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_engines(port: int, workers: int, timeout: float = 900) -> None:
    """Until every worker has built its engines for every language (gunicorn's post_worker_init
    starts that), so that the figures are the steady state and not the warm-up."""
    import http.client
    import json

    languages = int(os.environ.get("BENCH_LANGUAGES", "6"))
    ready: set[int] = set()
    deadline = time.monotonic() + timeout
    while len(ready) < workers and time.monotonic() < deadline:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/healthz")
            body = json.loads(conn.getresponse().read())
            if len(body.get("engines", [])) >= languages:
                ready.add(body["worker"])
        except (OSError, ValueError):
            pass
        finally:
            conn.close()
        time.sleep(0.1)


@contextlib.contextmanager
def running_site(
    *,
    database: str = "sqlite",
    articles: int = 0,
    workers: int = 2,
    threads: int = 2,
    env: dict | None = None,
):
    """Yield (port, environment, manage command) of a fresh site with the demo content (+ `articles`)."""
    if shutil.which("gunicorn", path=str(Path(PYTHON).parent)) is None:
        raise SystemExit("bench: gunicorn is not installed in this virtualenv (pip install --group app)")
    workdir = Path(tempfile.mkdtemp(prefix="hc-bench-"))
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "HELPCENTER_CHAT_RATE": "1000000/m",
        "HELPCENTER_SEARCH_RATE": "1000000/m",
        "HELPCENTER_FEEDBACK_RATE": "1000000/m",
        "DATABASE_CONN_MAX_AGE": "60",
        **(env or {}),
    }
    if database == "sqlite":
        environment["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    else:
        environment["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/helpcenter_bench"
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-c"]
        subprocess.run([*psql, "DROP DATABASE IF EXISTS helpcenter_bench"], capture_output=True)
        subprocess.run([*psql, "CREATE DATABASE helpcenter_bench"], check=True, capture_output=True)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=environment, check=True, cwd=ROOT)
    subprocess.run([*manage, "load_demo"], env=environment, check=True, cwd=ROOT, capture_output=True)
    if articles:
        script = LOAD_ARTICLES.format(bench=str(ROOT / "bench"), count=articles)
        subprocess.run(
            [*manage, "shell", "-c", script], env=environment, check=True, cwd=ROOT, capture_output=True
        )
    port = free_port()
    server = subprocess.Popen(
        [
            str(Path(PYTHON).parent / "gunicorn"),
            "helpcenter.wsgi",
            "-c",
            str(ROOT / "gunicorn.conf.py"),
            "-w",
            str(workers),
            "--threads",
            str(threads),
            "-b",
            f"127.0.0.1:{port}",
            "--timeout",
            "300",
            "--log-level",
            "warning",
            "--access-logfile",
            "/dev/null",
        ],
        env={**environment, "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev"},
        cwd=ROOT,
    )
    try:
        for _ in range(300):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        wait_for_engines(port, workers)
        environment["BENCH_SERVER_PID"] = str(server.pid)
        yield port, environment, manage
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        if database != "sqlite":
            subprocess.run(
                [
                    "psql",
                    "-h",
                    "127.0.0.1",
                    "-U",
                    "postgres",
                    "-c",
                    "DROP DATABASE IF EXISTS helpcenter_bench",
                ],
                capture_output=True,
            )
        shutil.rmtree(workdir, ignore_errors=True)
