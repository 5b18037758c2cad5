"""A live ASGI server for browser tests: uvicorn serving helpcenter.asgi (HTTP and WebSockets) in a
thread of the test process, on a free loopback port, so that it shares the test database and the
in-memory channel layer."""

import socket
import threading
import time
from dataclasses import dataclass

import pytest


@dataclass
class LiveAsgi:
    url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def asgi_server(transactional_db):
    import uvicorn

    from helpcenter.asgi import application

    port = _free_port()
    config = uvicorn.Config(
        application, host="127.0.0.1", port=port, log_level="warning", ws="websockets-sansio", lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test ASGI server did not start")
        time.sleep(0.02)
    yield LiveAsgi(url=f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(timeout=10)
