"""Live chat under load: how many customer WebSockets one machine holds, and the time from a message
sent on one side to it arriving on the other while they are held, with Redis as the channel layer.

A throwaway site (SQLite file, Redis database 9 by default, flushed) is served by uvicorn
(helpcenter.asgi, `--workers 2`: the two processes share only Redis, as two web machines would).
`--customers` customers each open their own conversation's socket (with its owner cookie) and keep
it open, sending "typing" every few seconds; then `--pairs` of them chat with an agent (the agent's
socket authenticated by its session cookie), customer to agent and agent to customer in turn, one
message a second per pair. Latency = from `send` on one socket to the message's arrival on the
other (both ends in this process, one clock); it includes the database write and Redis.

    .venv/bin/python bench/livechat.py [--customers 1000] [--pairs 20] [--seconds 20]

Prints the connections held, p50/p95/max latency per direction and overall, and the server's CPU
time. Needs Redis at CHANNEL_LAYER_URL (default redis://127.0.0.1:6379/9)."""

import argparse
import asyncio
import json
import os
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchsite import PYTHON, ROOT, cpu_seconds, free_port  # noqa: E402

SETUP = """
import json, secrets
from django.contrib.auth import get_user_model, BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.utils import timezone
from chatbot.models import Conversation, Message, Role
from chatbot.views import _owner
from support.models import AgentProfile, Region
region = Region.objects.create(code="EMEA", name="EMEA", timezone="Europe/Dublin", languages=["en", "fr"],
                               hours="Mon-Sun 00:00-24:00")
agent = get_user_model().objects.create_superuser("bench-agent", "agent@example.com", "x" * 20)
AgentProfile.objects.create(user=agent, display_name="Camille", presence="online")
region.agents.add(agent)
session = SessionStore()
session[SESSION_KEY] = str(agent.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
session.create()
tokens = [secrets.token_urlsafe(32) for _ in range({count})]
now = timezone.now()
chats = Conversation.objects.bulk_create([
    Conversation(language="fr", owner=_owner(t), live_status="active", live_region=region, agent=agent,
                 live_email="bench@example.com", requested_at=now, accepted_at=now)
    for t in tokens
])
Message.objects.bulk_create([Message(conversation=c, role=Role.NOTICE, text="Camille joins the chat.")
                             for c in chats])
print(json.dumps({{"session": session.session_key,
                  "chats": [[str(c.pk), t] for c, t in zip(chats, tokens)]}}))
"""


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


async def run_load(port, chats, session, *, pairs, seconds, typing_every):
    from websockets.asyncio.client import connect

    origin = f"http://127.0.0.1:{port}"
    base = f"ws://127.0.0.1:{port}"
    waiting: dict[str, tuple[float, str]] = {}  # message text -> when it was sent, and which way
    latencies = {"customer→agent": [], "agent→customer": []}
    stop = asyncio.Event()

    async def reader(socket, direction):
        async for raw in socket:
            data = json.loads(raw)
            if data.get("type") == "message":
                # The sender's own socket hears its message too: only the other side counts.
                text = data["message"]["text"]
                if text in waiting and waiting[text][1] == direction:
                    sent, _way = waiting.pop(text)
                    latencies[direction].append((time.perf_counter() - sent) * 1000)

    async def open_customer(chat_id, token):
        socket = await connect(
            f"{base}/ws/chat/{chat_id}/?after=0",
            origin=origin,
            additional_headers={"Cookie": f"hc_chat={token}"},
            open_timeout=60,
            max_queue=None,
        )
        # The catch-up and status arrive first: the connection is "held" once they did.
        while json.loads(await socket.recv()).get("type") != "status":
            pass
        return socket

    sockets = []
    gate = asyncio.Semaphore(50)

    async def guarded(chat_id, token):
        async with gate:
            return await open_customer(chat_id, token)

    started = time.perf_counter()
    results = await asyncio.gather(*(guarded(c, t) for c, t in chats), return_exceptions=True)
    sockets = [r for r in results if not isinstance(r, BaseException)]
    failures = [r for r in results if isinstance(r, BaseException)]
    connect_seconds = time.perf_counter() - started
    readers = [asyncio.create_task(reader(s, "agent→customer")) for s in sockets]

    async def keep_typing(socket, offset):
        await asyncio.sleep(offset)
        while not stop.is_set():
            try:
                await socket.send(json.dumps({"type": "typing"}))
            except Exception:
                return
            await asyncio.sleep(typing_every)

    typers = [
        asyncio.create_task(keep_typing(s, typing_every * i / max(1, len(sockets))))
        for i, s in enumerate(sockets)
    ]
    agents = []
    for chat_id, _token in chats[:pairs]:
        agent = await connect(
            f"{base}/ws/agents/chats/{chat_id}/?after=0",
            origin=origin,
            additional_headers={"Cookie": f"sessionid={session}"},
            open_timeout=60,
            max_queue=None,
        )
        while json.loads(await agent.recv()).get("type") != "status":
            pass
        agents.append(agent)
    agent_readers = [asyncio.create_task(reader(a, "customer→agent")) for a in agents]

    async def chat(i, customer, agent):
        n = 0
        await asyncio.sleep(i / max(1, pairs))
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            text = f"lat-{i}-{n}"
            socket, way = (customer, "customer→agent") if n % 2 == 0 else (agent, "agent→customer")
            waiting[text] = (time.perf_counter(), way)
            await socket.send(json.dumps({"type": "message", "text": text}))
            n += 1
            await asyncio.sleep(1)

    await asyncio.gather(*(chat(i, sockets[i], agents[i]) for i in range(min(pairs, len(sockets)))))
    await asyncio.sleep(2)  # the last replies
    held = sum(1 for s in sockets if s.state.name == "OPEN")
    stop.set()
    for task in typers + readers + agent_readers:
        task.cancel()
    for socket in sockets + agents:
        await socket.close()
    return {
        "opened": len(sockets),
        "failed": len(failures),
        "held": held,
        "connect_seconds": connect_seconds,
        "latencies": latencies,
        "lost": len(waiting),
        "first_failure": repr(failures[0]) if failures else "",
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--typing-every", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.customers + 256)), hard))

    import redis

    layer_url = os.environ.get("CHANNEL_LAYER_URL", "redis://127.0.0.1:6379/9")
    try:
        redis.Redis.from_url(layer_url, socket_connect_timeout=2).flushdb()
    except redis.RedisError as exc:
        raise SystemExit(f"bench: no Redis at {layer_url}: {exc}") from None
    workdir = Path(tempfile.mkdtemp(prefix="hc-live-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "helpcenter.settings.dev",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 60,
        "DATABASE_URL": f"sqlite:///{workdir / 'live.sqlite3'}",
        "CHANNEL_LAYER_URL": layer_url,
        "HELPCENTER_ENCODER": "none",
        # A thousand customers from one address: the per-address connection limit is not measured here.
        "HELPCENTER_LIVECHAT_CONNECTS_PER_MINUTE": "1000000",
        # As deployed (docs/deploy.md), the ASGI processes build no chatbot engine: the development
        # settings' warm-up on start trained the bot's detectors in each worker for 10-13 s of CPU
        # while the sockets connected, and on a busy machine still while the latency was measured.
        "HELPCENTER_WARM_ENGINES_ON_START": "0",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    manage = [PYTHON, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, cwd=ROOT)
    out = subprocess.run(
        [*manage, "shell", "-c", SETUP.format(count=args.customers)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    setup = json.loads(out.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "uvicorn",
            "helpcenter.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--ws",
            "websockets-sansio",
            "--lifespan",
            "off",
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=ROOT,
        preexec_fn=lambda: resource.setrlimit(
            resource.RLIMIT_NOFILE, (min(hard, max(soft, 4 * args.customers + 256)), hard)
        ),
    )
    try:
        import socket as sockets

        for _ in range(300):
            try:
                sockets.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        time.sleep(2)  # every worker up
        cpu_before = cpu_seconds(server.pid)
        result = asyncio.run(
            run_load(
                port,
                setup["chats"],
                setup["session"],
                pairs=args.pairs,
                seconds=args.seconds,
                typing_every=args.typing_every,
            )
        )
        cpu = cpu_seconds(server.pid) - cpu_before
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
        redis.Redis.from_url(layer_url).flushdb()
    print(f"uvicorn --workers {args.workers}, Redis channel layer {layer_url}, SQLite; shared 2-core machine")
    print(
        f"customer sockets: {result['opened']} opened in {result['connect_seconds']:.1f} s, "
        f"{result['failed']} failed, {result['held']} still open at the end"
    )
    if result["first_failure"]:
        print(f"  first failure: {result['first_failure']}")
    every = []
    for direction, values in result["latencies"].items():
        every += values
        if values:
            print(
                f"{direction}: n={len(values)} p50 {statistics.median(values):.1f} ms, "
                f"p95 {percentile(values, 0.95):.1f} ms, max {max(values):.1f} ms"
            )
    if every:
        print(
            f"all messages: n={len(every)} p50 {statistics.median(every):.1f} ms, "
            f"p95 {percentile(every, 0.95):.1f} ms; not delivered: {result['lost']}"
        )
    print(f"server CPU during the load: {cpu:.1f} s")


if __name__ == "__main__":
    main()
