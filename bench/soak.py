"""The soak: ``ispbot serve`` and ``ispbot worker`` as processes under mixed traffic for a long
while (20 minutes by default), against a PostgreSQL and a Redis of their own
(tests/faults/stack.py); every 10 seconds the serve's and the worker's resident memory and open
files, PostgreSQL's connections and Redis's memory are sampled. At the end: the table, each
series' slope per hour (least squares, after the first two minutes' warm-up) and a verdict,
flat or growing.

Traffic, each stream at a steady rate: Telegram turns (delivered again on a 5xx, as Telegram
does), WhatsApp turns and SMS keywords (BALANCE, TICKET: tickets opened and added to) signed as
Twilio signs them, web chat turns over the WebSocket, payments (an order placed and its
provider's callback: ZarinPal, Midtrans, Stripe in turn), and every two minutes a broadcast to
every subscriber through the admin API, which the serve's and the worker's relays send.

    .venv/bin/python bench/soak.py [--minutes 20] [--every 10] [--subscribers 300]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import secrets
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import asyncpg  # noqa: E402
from common import machine, rss_mib  # type: ignore[import-not-found]  # noqa: E402
from redis.asyncio import Redis  # noqa: E402

from bot.payments.providers import close_gateways  # noqa: E402
from core.db import close_database, open_database  # noqa: E402
from tests.faults.stack import Stack  # noqa: E402
from tests.faults.traffic import (  # noqa: E402
    Customer,
    customers,
    pay,
    payment_callback,
    place_order,
    services_of,
    telegram_turn,
    twilio_message,
    webchat_turn,
)

WARM_UP_SECONDS = 120
TELEGRAM_TEXTS = ("menu", "1", "menu", "2", "help")
WHATSAPP_TEXTS = ("menu", "1", "menu", "3")
SMS_TEXTS = ("BALANCE", "TICKET the modem's lights blink", "HELP", "BALANCE")


@dataclass
class Sample:
    at: float
    serve_rss: float
    worker_rss: float
    serve_fds: int
    worker_fds: int
    pg_connections: int
    redis_mib: float
    redis_keys: int

    COLUMNS = (
        ("serve_rss", "serve RSS MiB"),
        ("worker_rss", "worker RSS MiB"),
        ("serve_fds", "serve fds"),
        ("worker_fds", "worker fds"),
        ("pg_connections", "PG conns"),
        ("redis_mib", "Redis MiB"),
        ("redis_keys", "Redis keys"),
    )


@dataclass
class Tally:
    done: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def open_file_kinds(pid: int) -> dict[str, int]:
    """The process's open files by kind (socket, pipe, anon_inode, or a path's directory)."""
    kinds: Counter[str] = Counter()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        kinds[target.split(":", 1)[0] if ":" in target else os.path.dirname(target)] += 1
    return dict(kinds.most_common())


async def redis_keys_by_kind(url: str) -> dict[str, list[int]]:
    """Redis's keys by kind (``ispbot:<kind>:``...): how many, and how many have no TTL (what
    nothing ever removes)."""
    redis = Redis.from_url(url)
    found: dict[str, list[int]] = {}
    try:
        async for key in redis.scan_iter(count=1000):
            parts = key.decode().split(":")
            kind = ":".join(parts[:2]) if len(parts) > 1 else parts[0]
            entry = found.setdefault(kind, [0, 0])
            entry[0] += 1
            if await redis.ttl(key) == -1:
                entry[1] += 1
    finally:
        await redis.aclose()
    return dict(sorted(found.items(), key=lambda item: -item[1][0]))


async def sample(stack: Stack, started: float, serve_pid: int, worker_pid: int) -> Sample:
    postgres = await asyncpg.connect(stack.postgres.admin_dsn)
    try:
        connections = await postgres.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = 'ispbot'"
        )
    finally:
        await postgres.close()
    redis = Redis.from_url(stack.redis.url)
    try:
        memory = await redis.info("memory")
        keys = await redis.dbsize()
    finally:
        await redis.aclose()
    return Sample(
        at=time.monotonic() - started,
        serve_rss=rss_mib(serve_pid),
        worker_rss=rss_mib(worker_pid),
        serve_fds=open_files(serve_pid),
        worker_fds=open_files(worker_pid),
        pg_connections=int(connections),
        redis_mib=int(memory["used_memory"]) / 2**20,
        redis_keys=int(keys),
    )


def slope_per_hour(points: list[tuple[float, float]]) -> float:
    if len(points) < 2:
        return float("nan")
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in points) / spread * 3600


# What growth over the measured run still counts as flat: noise of the allocator, a pool
# filling to its size. Anything above is reported as growth to explain.
FLAT_WITHIN = {
    "serve_rss": 4.0,
    "worker_rss": 4.0,
    "serve_fds": 3,
    "worker_fds": 3,
    "pg_connections": 3,
    "redis_mib": 2.0,
    "redis_keys": 500,
}


def verdicts(samples: list[Sample]) -> list[str]:
    measured = [s for s in samples if s.at >= WARM_UP_SECONDS] or samples
    hours = (measured[-1].at - measured[0].at) / 3600 if len(measured) > 1 else 0
    lines = []
    for name, label in Sample.COLUMNS:
        points = [(s.at, float(getattr(s, name))) for s in measured]
        slope = slope_per_hour(points)
        grown = slope * hours
        # Only growth is a leak: a series that falls (a pool or a buffer given back) is flat.
        flat = grown <= FLAT_WITHIN[name]
        first, last = points[0][1], points[-1][1]
        lines.append(
            f"{label:<15} {first:>9.1f} -> {last:>9.1f}   slope {slope:>+9.2f}/h   "
            + ("flat" if flat else f"GROWS ({grown:+.1f} over the run)")
        )
    return lines


async def steady(rate: float, until: float, action) -> None:
    """``action`` ``rate`` times a second, each on its own task, until ``until``."""
    pending: set[asyncio.Task] = set()
    tick = 1 / rate
    next_at = time.monotonic()
    while time.monotonic() < until:
        task = asyncio.create_task(action())
        pending.add(task)
        task.add_done_callback(pending.discard)
        next_at += tick
        await asyncio.sleep(max(0, next_at - time.monotonic()))
    if pending:
        await asyncio.wait(pending, timeout=60)


def counted(tally: Tally, kind: str, coroutine_factory):
    async def run() -> None:
        try:
            ok = await coroutine_factory()
        except Exception:
            tally.failed[kind] += 1
            return
        if ok:
            tally.done[kind] += 1
        else:
            tally.failed[kind] += 1

    return run


async def admin_token(stack: Stack) -> str:
    printed = await stack.ispbot("admin", "create-token", "--name", f"soak-{secrets.token_hex(3)}")
    return [word for word in printed.split() if len(word) >= 32][-1]


async def soak(args: argparse.Namespace) -> None:
    directory = Path(tempfile.mkdtemp(prefix="ispbot-soak-"))
    async with Stack(directory) as stack:
        await open_database(stack.postgres.url)
        try:
            people = await customers(args.subscribers, first_chat=500_000)
            services = services_of(stack)
            token = await admin_token(stack)
            serve = await stack.serve()
            worker = await stack.worker()
            print(f"# soak on {machine()}: {args.minutes} min, {args.subscribers} subscribers, "
                  f"serve pid {serve.pid}, worker pid {worker.pid}, logs in {directory}",
                  flush=True)  # fmt: skip
            try:
                await run_traffic(args, stack, people, services, token, serve.pid, worker.pid)
            finally:
                await close_gateways(services.orders.gateways.values())
            await serve.stop()
            await worker.stop()
        finally:
            await close_database()


async def run_traffic(args, stack, people: list[Customer], services, token, serve_pid, worker_pid):
    tally = Tally()
    started = time.monotonic()
    until = started + args.minutes * 60
    turns = itertools.count()
    header = f"{'t s':>6} " + " ".join(f"{label:>15}" for _, label in Sample.COLUMNS)
    print(header, flush=True)
    samples: list[Sample] = []
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as http:

        def person() -> Customer:
            return people[next(turns) % len(people)]

        async def telegram() -> bool:
            who = person()
            text = TELEGRAM_TEXTS[who.telegram_chat % len(TELEGRAM_TEXTS)]
            await telegram_turn(http, stack, who.telegram_chat, text, give_up_after=60)
            return True

        async def whatsapp() -> bool:
            who = person()
            text = WHATSAPP_TEXTS[next(turns) % len(WHATSAPP_TEXTS)]
            return await twilio_message(http, stack, "whatsapp", who.mobile, text) == 200

        async def sms() -> bool:
            who = person()
            text = SMS_TEXTS[next(turns) % len(SMS_TEXTS)]
            return await twilio_message(http, stack, "sms", who.mobile, text) == 200

        cookies = [secrets.token_urlsafe(18) for _ in range(50)]

        async def webchat() -> bool:
            cookie = cookies[next(turns) % len(cookies)]
            return await webchat_turn(http, stack, cookie, "menu") == 2

        async def payment() -> bool:
            order = await place_order(services, person())
            await payment_callback(http, pay(stack, order), give_up_after=60)
            return True

        async def broadcast() -> bool:
            body = {"texts": {"en": "Maintenance tonight", "fa": "تعمیرات امشب",
                              "id": "Pemeliharaan malam ini"}}  # fmt: skip
            async with http.post(
                stack.public_url + "/api/v1/broadcasts",
                json=body,
                headers={"Authorization": f"Bearer {token}"},
            ) as response:
                return response.status == 201

        async def sampler() -> None:
            while time.monotonic() < until + args.every / 2:
                taken = await sample(stack, started, serve_pid, worker_pid)
                samples.append(taken)
                print(f"{taken.at:>6.0f} " + " ".join(
                    f"{getattr(taken, name):>15.1f}" if isinstance(getattr(taken, name), float)
                    else f"{getattr(taken, name):>15}" for name, _ in Sample.COLUMNS
                ), flush=True)  # fmt: skip
                await asyncio.sleep(args.every)

        streams = [
            steady(5, until, counted(tally, "telegram turns", telegram)),
            steady(2, until, counted(tally, "whatsapp turns", whatsapp)),
            steady(1, until, counted(tally, "sms keywords", sms)),
            steady(1, until, counted(tally, "web chat turns", webchat)),
            steady(1 / 3, until, counted(tally, "payments", payment)),
            steady(1 / 120, until, counted(tally, "broadcasts", broadcast)),
            sampler(),
        ]
        await asyncio.gather(*streams)
    print()
    print("operations: " + json.dumps(dict(tally.done)))
    print("failed:     " + json.dumps(dict(tally.failed)))
    print(f"alerts shown on Telegram: {len(stack.telegram.sent())} messages in all; "
          f"Twilio messages: {len(stack.twilio.messages)}")  # fmt: skip
    print(f"serve's open files by kind: {json.dumps(open_file_kinds(serve_pid))}")
    print(f"worker's open files by kind: {json.dumps(open_file_kinds(worker_pid))}")
    keys = await redis_keys_by_kind(stack.redis.url)
    print("Redis keys by kind [keys, of which without a TTL]: " + json.dumps(keys))
    print()
    print(f"after the first {WARM_UP_SECONDS} s:")
    for line in verdicts(samples):
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=20)
    parser.add_argument("--every", type=float, default=10, help="seconds between samples")
    parser.add_argument("--subscribers", type=int, default=300)
    asyncio.run(soak(parser.parse_args()))


if __name__ == "__main__":
    main()
