"""gunicorn as configured for production (gunicorn.conf.py): the application is loaded once in the
master and the workers are forked from it, sharing what it imported."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).parent / "gunicorn"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _mapped(pid: int, name: str) -> bool:
    return name in Path(f"/proc/{pid}/maps").read_text()


@pytest.fixture
def site(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "gunicorn-test-" + "x" * 50,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'site.sqlite3'}",
        "HELPCENTER_ENCODER": "none",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    servers = []

    def start(preload: bool):
        port = _free_port()
        server = subprocess.Popen(
            [str(GUNICORN), "helpcenter.wsgi", "-c", "gunicorn.conf.py", "-w", "2", "-b", f"127.0.0.1:{port}"]
            + ["--log-level", "warning", "--access-logfile", "/dev/null"],
            cwd=ROOT,
            env={**env, "GUNICORN_PRELOAD": "1" if preload else "0"},
        )
        servers.append(server)
        return server, port

    yield start
    for server in servers:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _workers_answering(port: int, timeout: float = 60) -> set[int]:
    deadline, seen = time.monotonic() + timeout, set()
    while time.monotonic() < deadline and len(seen) < 2:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as response:
                body = json.loads(response.read())
                assert response.status == 200 and body["database"] == "ok"
                seen.add(body["worker"])
        except OSError:
            time.sleep(0.2)
    return seen


@pytest.mark.parametrize("preload", [True, False], ids=["preloaded", "not preloaded"])
def test_workers_answer_with_the_application_loaded_in_the_master_or_not(site, preload):
    server, port = site(preload)
    workers = _workers_answering(port)
    assert len(workers) == 2 and server.pid not in workers
    # Preloaded, the master imported the search stack (numpy's compiled core among it), which the
    # forked workers share; otherwise only each worker has it.
    assert _mapped(server.pid, "_multiarray_umath") is preload
    assert all(_mapped(pid, "_multiarray_umath") for pid in workers)
