"""Web chat capacity: many WebSocket sessions open on one `ispbot serve`, each sending a turn
every ``--period`` seconds (30 unless told): the serve's resident memory per open session, its
CPU time per turn and the turns' latency, at each ``--sessions`` count (1,000 and 10,000).

Each session is a browser's: the chat page's cookie, the socket at ``/ws``, the greeting it gets
(where the conversation stands: the main menu of a chat not logged in), then one text turn
("help") every period, at an offset of its own so the turns spread evenly. The latency is from
sending a turn's frame to the first frame of its answer. Sessions open ``--open-rate`` a second.

Memory: the serve's RSS with the sessions open minus its RSS before (after a warm-up session),
divided by the sessions. CPU per turn: the serve's CPU time over the turns' phase divided by
the turns answered; the same phase's idle share (heartbeats: aiohttp pings each socket every
30 s) is measured first, with no turns, and given apart. CPU time is read from /proc (robust on
a shared machine); latencies are wall-clock (noisy: the machine's load is printed).

``--gc-log`` runs the serve through bench/serve_gc_log.py: each full garbage collection's
pause goes to var/bench-webchat-serve.log.

``--probe`` runs it through bench/serve_probe.py instead and prints, for the turns' phase, the
serve's loop lag, its collections and what its slow turns waited for (Redis, either pool,
PostgreSQL); the client's own loop lag is printed with every run (its lag is in the latencies).

The client needs a descriptor a session and so does the serve: this process raises its soft
limit of open files to the hard limit, and `ispbot serve` does the same for itself.

    .venv/bin/python bench/webchat_sessions.py [--sessions 1000,10000] [--period 30] [--turns 2]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import signal
import time
from pathlib import Path

import aiohttp
from common import (  # type: ignore[import-not-found]
    PYTHON,
    REDIS_URL,
    ROOT,
    cpu_seconds,
    create_database,
    drop_database,
    drop_redis_prefix,
    ispbot,
    machine,
    percentile,
    rss_mib,
    start,
    stop,
)

DATABASE = os.environ.get("ISPBOT_BENCH_WEBCHAT_DATABASE", "ispbot_bench_webchat")
PREFIX = "ispbench-webchat:"
PORT = 8958
URL = f"http://127.0.0.1:{PORT}"
PROBE = ROOT / "var/bench-webchat-probe.json"


def raise_open_files() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


class Session:
    def __init__(self, http: aiohttp.ClientSession) -> None:
        self.http = http
        self.cookie = secrets.token_urlsafe(18)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.reader: asyncio.Task | None = None
        self.waiting: asyncio.Future | None = None

    async def open(self) -> None:
        self.ws = await self.http.ws_connect(
            f"{URL}/ws?lang=en",
            headers={"Cookie": f"ispbot_chat={self.cookie}"},
            heartbeat=None,
            autoping=True,
        )
        await self.ws.receive(timeout=60)  # the greeting's first frame
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            waiting = self.waiting
            if message.type == aiohttp.WSMsgType.TEXT and waiting and not waiting.done():
                waiting.set_result(time.monotonic())

    async def turn(self) -> float:
        assert self.ws is not None
        self.waiting = asyncio.get_running_loop().create_future()
        sent = time.monotonic()
        await self.ws.send_str(json.dumps({"type": "text", "text": "help"}))
        answered = await asyncio.wait_for(self.waiting, timeout=60)
        return answered - sent

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()


class LoopLag:
    """How late this process's own loop wakes a task that asks for every 5 ms: the client's
    lag, which the latencies it measures include."""

    def __init__(self) -> None:
        self.lags: list[float] = []

    async def sample(self) -> None:
        while True:
            due = time.monotonic() + 0.005
            await asyncio.sleep(0.005)
            self.lags.append(max(0.0, time.monotonic() - due))


def probe_figures(pid: int, path: Path, began: float) -> dict:
    """The serve's probe's figures (bench/serve_probe.py), asked for by SIGUSR2."""
    os.kill(pid, signal.SIGUSR2)
    for _ in range(100):
        if path.exists() and path.stat().st_mtime >= began:
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass  # being written
        time.sleep(0.05)
    return {}


async def run(count: int, args, pid: int) -> dict:
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        warm = Session(http)
        await warm.open()
        await warm.turn()
        await asyncio.sleep(1)
        rss_before = rss_mib(pid)
        sessions = [Session(http) for _ in range(count)]
        opened, failures = time.monotonic(), 0
        cpu_open = cpu_seconds(pid)
        for start_at in range(0, count, max(1, int(args.open_rate))):
            batch = sessions[start_at : start_at + max(1, int(args.open_rate))]
            began = time.monotonic()
            results = await asyncio.gather(*(s.open() for s in batch), return_exceptions=True)
            failures += sum(1 for r in results if isinstance(r, BaseException))
            await asyncio.sleep(max(0.0, 1.0 - (time.monotonic() - began)))
        open_seconds = time.monotonic() - opened
        cpu_open = cpu_seconds(pid) - cpu_open
        await asyncio.sleep(2)
        rss_open = rss_mib(pid)
        # Idle: the sockets open, no turns (heartbeats only).
        idle_cpu, idle_wall = cpu_seconds(pid), time.monotonic()
        await asyncio.sleep(args.idle)
        idle_share = (cpu_seconds(pid) - idle_cpu) / (time.monotonic() - idle_wall)

        live = [s for s in sessions if s.reader is not None]
        latencies: list[float] = []
        lost = 0

        async def drive(session: Session) -> None:
            nonlocal lost
            await asyncio.sleep(random.uniform(0, args.period))
            for number in range(args.turns):
                due = time.monotonic() + args.period
                try:
                    latencies.append(await session.turn())
                except (TimeoutError, ConnectionError, aiohttp.ClientError):
                    lost += 1
                if number + 1 < args.turns:
                    await asyncio.sleep(max(0.0, due - time.monotonic()))

        if args.probe:
            os.kill(pid, signal.SIGUSR1)
        probe_began = time.time()
        client_lag = LoopLag()
        sampler = asyncio.create_task(client_lag.sample())
        cpu_turns, wall_turns = cpu_seconds(pid), time.monotonic()
        client_cpu = time.process_time()
        await asyncio.gather(*(drive(s) for s in live))
        cpu_turns, wall_turns = cpu_seconds(pid) - cpu_turns, time.monotonic() - wall_turns
        client_cpu = time.process_time() - client_cpu
        sampler.cancel()
        serve_probe = probe_figures(pid, PROBE, probe_began) if args.probe else None
        rss_after = rss_mib(pid)
        turns = len(latencies)
        idle_cpu_in_turns = idle_share * wall_turns
        result = {
            "sessions": count,
            "opened": len(live),
            "open_failures": failures,
            "open_seconds": round(open_seconds, 1),
            "cpu_per_open_ms": round(cpu_open / max(1, len(live)) * 1000, 2),
            "rss_before_mib": round(rss_before, 1),
            "rss_open_mib": round(rss_open, 1),
            "rss_after_turns_mib": round(rss_after, 1),
            "kib_per_session": round((rss_open - rss_before) * 1024 / max(1, len(live)), 1),
            "idle_cpu_share": round(idle_share, 3),
            "turns": turns,
            "lost_turns": lost,
            "turns_per_s": round(turns / wall_turns, 1),
            "cpu_per_turn_ms": round(cpu_turns / max(1, turns) * 1000, 2),
            "cpu_per_turn_less_idle_ms": round(
                (cpu_turns - idle_cpu_in_turns) / max(1, turns) * 1000, 2
            ),
            # Shares of a core over the turns: the serve's, and this client's (near 1, its own
            # lag is in the latencies).
            "serve_cpu_share": round(cpu_turns / wall_turns, 3),
            "client_cpu_share": round(client_cpu / wall_turns, 3),
            "p50_ms": round(percentile(latencies, 0.5) * 1000, 1),
            "p99_ms": round(percentile(latencies, 0.99) * 1000, 1),
            "client_lag_p50_ms": round(percentile(client_lag.lags, 0.5) * 1000, 1),
            "client_lag_p99_ms": round(percentile(client_lag.lags, 0.99) * 1000, 1),
            "client_lag_max_ms": round(max(client_lag.lags, default=0.0) * 1000, 1),
            "load_average": round(os.getloadavg()[0], 1),
        }
        if serve_probe is not None:
            result["serve_probe"] = serve_probe
        await asyncio.gather(*(s.close() for s in live), return_exceptions=True)
        await warm.close()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", default="1000,10000")
    parser.add_argument("--period", type=float, default=30, help="seconds between turns")
    parser.add_argument("--turns", type=int, default=2, help="turns a session sends")
    parser.add_argument("--open-rate", type=float, default=500, help="sessions opened a second")
    parser.add_argument("--idle", type=float, default=10, help="seconds measured with no turns")
    parser.add_argument(
        "--gc-log", action="store_true", help="log each full collection's pause (serve's log)"
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="the serve's loop lag, collections and engine time in the turns (serve_probe.py)",
    )
    parser.add_argument(
        "--db-pool",
        type=int,
        default=0,
        help="the serve's PostgreSQL connections at most (the URL's maxsize; tortoise's 5)",
    )
    parser.add_argument(
        "--queued-pool",
        action="store_true",
        help="with --probe: the serve on redis-py's own pool (one connection a loop round)",
    )
    args = parser.parse_args()
    files = raise_open_files()
    print(f"machine: {machine()}; open files allowed: {files}", flush=True)
    database_url = asyncio.run(create_database(DATABASE))
    server = None
    try:
        ispbot(["migrate"], {"ISPBOT_DATABASE_URL": database_url})
        for count in (int(n) for n in args.sessions.split(",")):
            asyncio.run(drop_redis_prefix(PREFIX))
            if args.probe:
                command = [PYTHON, "bench/serve_probe.py"]
            elif args.gc_log:
                command = [PYTHON, "bench/serve_gc_log.py"]
            else:
                command = [str(ROOT / ".venv/bin/ispbot"), "serve"]
            server = start(
                command,
                env={
                    "ISPBOT_BENCH_PROBE": str(PROBE),
                    "ISPBOT_BENCH_QUEUED_POOL": "1" if args.queued_pool else "",
                    "ISPBOT_DATABASE_URL": database_url
                    + (f"?maxsize={args.db_pool}" if args.db_pool else ""),
                    "ISPBOT_REDIS_URL": REDIS_URL,
                    "ISPBOT_REDIS_PREFIX": PREFIX,
                    "ISPBOT_PORT": str(PORT),
                },
                port=PORT,
                log=str(ROOT / "var/bench-webchat-serve.log"),
            )
            result = asyncio.run(run(count, args, server.pid))
            print(f"web chat, {count} sessions: {json.dumps(result)}", flush=True)
            stop(server)
            server = None
    finally:
        if server is not None:
            stop(server)
        asyncio.run(drop_redis_prefix(PREFIX))
        asyncio.run(drop_database(DATABASE))


if __name__ == "__main__":
    main()
