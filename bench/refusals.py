"""The refusal's cost: the CPU one `ispbot serve` spends answering an update 503 with Retry-After
while its webhook is full, at about three times its capacity, whatever the client does.

The webhook is kept full for the whole run: the lean Bot API server never answers a send
(``--hold-sends``), so the first ``ISPBOT_TELEGRAM_MAX_TURNS_IN_FLIGHT`` updates stay in flight
(waiting on their reply) and every later one is refused. Then updates are posted at ``--rate``
for ``--duration`` seconds, open loop, in three ways:

- ``keep-alive``: over at most 40 kept-alive connections (Telegram's default
  ``max_connections``);
- ``new connection``: a connection of its own for each update, closed after the answer (the
  "no connection limit" load of bench/inbound.py, at its worst);
- ``stalled``: as ``new connection``, but sending the headers and only half the body, then the
  rest after ``--stall`` seconds: a client the refusal must not wait for.

Printed for each: refusals, the serve process's CPU time per refusal (from /proc: the
robust figure), the answers' p50/p99 latency from the moment each update was due (wall-clock:
noisy on a shared machine, and the posting client's own lag when its share of a core nears
1), and the log lines the serve wrote during the run.

    .venv/bin/python bench/refusals.py [--rate 1000] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import time
from pathlib import Path

from common import (  # type: ignore[import-not-found]
    API_PORT,
    PYTHON,
    REDIS_URL,
    ROOT,
    SECRET,
    TOKEN,
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

DATABASE = os.environ.get("ISPBOT_BENCH_REFUSALS_DATABASE", "ispbot_bench_refusals")
PREFIX = "ispbench-refusals:"
PORT = 8957
HOLD_API_PORT = API_PORT + 9
IN_FLIGHT = 16
PATH = "/telegram/webhook"


def update(update_id: int) -> bytes:
    person = {"id": update_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": 1,
                "date": int(time.time()),
                "chat": {"id": update_id, "type": "private", "first_name": "Bench"},
                "from": person,
                "text": "/start",
            },
        }
    ).encode()


def request(body: bytes, close: bool) -> tuple[bytes, bytes]:
    """The request's head and body as Telegram posts an update."""
    head = (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{PORT}\r\n"
        "Content-Type: application/json\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        f"Content-Length: {len(body)}\r\n" + ("Connection: close\r\n" if close else "") + "\r\n"
    ).encode()
    return head, body


async def read_answer(reader: asyncio.StreamReader) -> int:
    """The status of one answer (its head and body read)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    if length:
        await reader.readexactly(length)
    return status


class Run:
    def __init__(self, first_update: int) -> None:
        self.next_update = first_update
        self.latencies: list[float] = []
        self.statuses: dict[int, int] = {}
        self.failures = 0
        # Seconds from due to connected: a full accept queue shows here (SYNs retried).
        self.connects: list[float] = []

    def take(self) -> int:
        self.next_update += 1
        return self.next_update

    def record(self, status: int, started: float) -> None:
        self.latencies.append(time.monotonic() - started)
        self.statuses[status] = self.statuses.get(status, 0) + 1


async def one_connection_each(run: Run, started: float, stall: float | None) -> None:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        run.connects.append(time.monotonic() - started)
        head, body = request(update(run.take()), close=True)
        if stall is None:
            writer.write(head + body)
            run.record(await read_answer(reader), started)
        else:
            # The answer is awaited before the rest of the body is sent: a refusal that
            # waited for the body would take the stall.
            writer.write(head + body[: len(body) // 2])
            run.record(await read_answer(reader), started)
            await asyncio.sleep(stall)
            writer.write(body[len(body) // 2 :])
        writer.close()
    except (OSError, asyncio.IncompleteReadError):
        run.failures += 1


async def keep_alive(run: Run, rate: float, duration: float, connections: int = 40) -> None:
    """Updates at ``rate`` over at most ``connections`` kept-alive connections, one request at a
    time on each (HTTP/1.1 without pipelining); an update finding them all busy waits."""
    waiting: asyncio.Queue[float] = asyncio.Queue()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
        try:
            while True:
                started = await waiting.get()
                head, body = request(update(run.take()), close=False)
                writer.write(head + body)
                run.record(await read_answer(reader), started)
                waiting.task_done()
        except (OSError, asyncio.IncompleteReadError):
            run.failures += 1
        finally:
            writer.close()

    workers = [asyncio.create_task(connection()) for _ in range(connections)]
    begin = time.monotonic()
    sent = 0
    while (now := time.monotonic()) < begin + duration:
        due = int((now - begin) * rate)
        for _ in range(due - sent):
            waiting.put_nowait(time.monotonic())
        sent = due
        await asyncio.sleep(0.002)
    with contextlib.suppress(TimeoutError):  # a connection that failed leaves its share
        await asyncio.wait_for(waiting.join(), timeout=30)
    await asyncio.sleep(0.5)
    for worker in workers:
        worker.cancel()


async def open_loop(run: Run, rate: float, duration: float, stall: float | None) -> None:
    tasks: set[asyncio.Task] = set()
    begin = time.monotonic()
    sent = 0
    while (now := time.monotonic()) < begin + duration:
        due = int((now - begin) * rate)
        for _ in range(due - sent):
            task = asyncio.create_task(one_connection_each(run, time.monotonic(), stall))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        sent = due
        await asyncio.sleep(0.002)
    if tasks:
        await asyncio.wait(tasks, timeout=30)


async def fill(count: int) -> list[asyncio.StreamWriter]:
    """``count`` updates posted and left in flight (their replies are never answered)."""
    writers = []
    for n in range(count):
        _, writer = await asyncio.open_connection("127.0.0.1", PORT)
        head, body = request(update(n + 1), close=False)
        writer.write(head + body)
        writers.append(writer)
    await asyncio.sleep(2.0)
    return writers


def log_lines(path: Path) -> int:
    return sum(1 for _ in path.open()) if path.exists() else 0


async def measure(label: str, pid: int, log: Path, args, way: str, first_update: int) -> dict:
    run = Run(first_update)
    lines, cpu, wall = log_lines(log), cpu_seconds(pid), time.monotonic()
    client_cpu = time.process_time()
    if way == "keep-alive":
        await keep_alive(run, args.rate, args.duration)
    else:
        await open_loop(run, args.rate, args.duration, args.stall if way == "stalled" else None)
    cpu, wall = cpu_seconds(pid) - cpu, time.monotonic() - wall
    client_cpu = time.process_time() - client_cpu
    refused = run.statuses.get(503, 0)
    result = {
        "way": way,
        "offered": run.next_update - first_update,
        "statuses": run.statuses,
        "failures": run.failures,
        "serve_cpu_s": round(cpu, 3),
        "cpu_per_refusal_us": round(cpu / refused * 1e6, 1) if refused else None,
        "serve_cpu_share": round(cpu / wall, 3),
        # The posting client's own share of a core: near 1, its latencies are its own lag.
        "client_cpu_share": round(client_cpu / wall, 3),
        "p50_ms": round(percentile(run.latencies, 0.5) * 1000, 2),
        "p99_ms": round(percentile(run.latencies, 0.99) * 1000, 2),
        "connect_p99_ms": round(percentile(run.connects, 0.99) * 1000, 2),
        "log_lines": log_lines(log) - lines,
        "serve_rss_mib": round(rss_mib(pid), 1),
        "load_average": round(os.getloadavg()[0], 1),
    }
    print(f"{label}: {json.dumps(result)}", flush=True)
    return result


async def bench(pid: int, log: Path, args) -> None:
    writers = await fill(IN_FLIGHT)
    profiler = None
    if args.profile:
        seconds = int(args.duration * len(args.ways.split(",")))
        py_spy = [str(ROOT / ".venv/bin/py-spy"), "record", "--format", "raw", "--nonblocking"]
        profiler = subprocess.Popen(  # noqa: ASYNC220 (started once, before the run)
            [*py_spy, "-r", "200", "-d", str(seconds), "-o", args.profile, "-p", str(pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    first = 1_000_000
    for way in args.ways.split(","):
        await measure(f"refusals at {args.rate:g}/s, {way}", pid, log, args, way, first)
        first += 1_000_000
    for writer in writers:
        writer.close()
    if profiler is not None:
        profiler.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=1000, help="updates a second offered")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--stall", type=float, default=0.5, help="seconds a stalled body waits")
    parser.add_argument("--ways", default="keep-alive,new connection,stalled")
    parser.add_argument("--profile", help="py-spy's collapsed stacks of the serve here")
    args = parser.parse_args()
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.1f}", flush=True)
    database_url = asyncio.run(create_database(DATABASE))
    log = ROOT / "var/bench-refusals-serve.log"
    log.parent.mkdir(exist_ok=True)
    api = start(
        [PYTHON, "bench/fake_bot_api.py", "--port", str(HOLD_API_PORT), "--hold-sends"],
        port=HOLD_API_PORT,
    )
    server = None
    try:
        ispbot(["migrate"], {"ISPBOT_DATABASE_URL": database_url})
        asyncio.run(drop_redis_prefix(PREFIX))
        server = start(
            [str(ROOT / ".venv/bin/ispbot"), "serve"],
            env={
                "ISPBOT_DATABASE_URL": database_url,
                "ISPBOT_REDIS_URL": REDIS_URL,
                "ISPBOT_REDIS_PREFIX": PREFIX,
                "ISPBOT_PORT": str(PORT),
                "ISPBOT_TELEGRAM_TOKEN": TOKEN,
                "ISPBOT_TELEGRAM_API_BASE": f"http://127.0.0.1:{HOLD_API_PORT}",
                "ISPBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
                "ISPBOT_TELEGRAM_MAX_TURNS_IN_FLIGHT": str(IN_FLIGHT),
            },
            port=PORT,
            log=str(log),
        )
        asyncio.run(bench(server.pid, log, args))
    finally:
        if server is not None:
            stop(server)
        stop(api)
        asyncio.run(drop_redis_prefix(PREFIX))
        asyncio.run(drop_database(DATABASE))


if __name__ == "__main__":
    main()
