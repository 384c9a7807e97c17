"""Alerts at scale: with 1,000,000 subscribers in PostgreSQL, how long the due-alert selection
takes (target < 10 s), and whether alerts go out at the configured pace through the shared
token bucket (Redis) without a single 429 from the Bot API.

- Selection: ``AlertSweep.run(dry_run=True)`` (every selection of the hour: expiry, low traffic,
  free charge ending, documents; each page settled against the outbox) at 10:30 Tehran time.
  The subscribers are made in the database itself (INSERT ... SELECT generate_series), each
  with one monthly service ending within the next 30 days and its traffic used 0-99 %.
- Dispatch: ``--senders`` tasks send through ``RedisPacer`` (the worker's shared bucket) and
  the worker's Telegram sender (``build_sender``) to the lean Bot API server, which answers 429
  to anything faster than the configured rate (a bucket of one second, as Telegram's burst).

    .venv/bin/python bench/alerts.py [--subscribers 1000000] [--dispatch 30:1800,1000:10000]

``--keep`` leaves the generated database in place and ``--reuse`` selects again over it (no
generation, no dispatch unless asked): the way to try a change to the selection several times.
``--dispatch ''`` skips the dispatch.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from common import (  # type: ignore[import-not-found]
    API_PORT,
    REDIS_URL,
    TOKEN,
    cpu_seconds,
    create_database,
    drop_database,
    drop_redis_prefix,
    ispbot,
    machine,
    start_fake_api,
    stop,
)
from common import (
    database_url as database_url_of,
)

DATABASE = os.environ.get("ISPBOT_BENCH_ALERTS_DATABASE", "ispbot_bench_alerts")
PREFIX = "ispbench-alerts:"
# A Bot API server of its own: run beside another benchmark on the shared port, each would
# count (and reset, and rate-limit) the other's messages.
ALERTS_API_PORT = API_PORT + 8
# 10:30 in Tehran: the hour of the expiry alerts.
AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)

SUBSCRIBERS_SQL = """
INSERT INTO subscriber (customer_number, username, password_hash, internet_password, full_name,
                        is_company, language, currency, line_status, free_charge_generation,
                        created_at, mobile, muted_notices, deposit_due, installation_fee_due,
                        unpaid_bills_due, auto_renew, email_notices)
SELECT 'B' || g, 'b' || g, 'x', '', 'Bench ' || g, false, 'fa', 'IRR', 'in_operation', 0,
       $2::timestamptz - interval '400 days', '+98912' || lpad(g::text, 7, '0'), '', 0, 0, 0,
       false, true
FROM generate_series(1, $1) AS g
"""
SUBSCRIPTIONS_SQL = """
INSERT INTO subscription (status, source, starts_at, ends_at, unlimited, price_paid, created_at,
                          plan_id, subscriber_id)
SELECT 'active', 'online', ends - interval '30 days', ends, false, 500000,
       ends - interval '30 days', $2, s.id
FROM (SELECT id, $1::timestamptz + (id % 30) * interval '1 day' + (id % 24) * interval '1 hour'
             AS ends FROM subscriber WHERE username LIKE 'b%') AS s
"""
BUCKETS_SQL = """
INSERT INTO traffic_bucket (kind, total_bytes, used_bytes, valid_from, valid_until, created_at,
                            subscriber_id, subscription_id)
SELECT 'plan', 5368709120, 5368709120 / 100 * (s.subscriber_id % 100), s.starts_at, s.ends_at,
       s.starts_at, s.subscriber_id, s.id
FROM subscription s JOIN subscriber b ON b.id = s.subscriber_id WHERE b.username LIKE 'b%'
"""


async def generate(database_url: str, count: int) -> None:
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        plan = await connection.fetchval("SELECT id FROM plan WHERE code = 'ir-std-1m-2048-5g'")
        for label, sql, args in (
            ("subscribers", SUBSCRIBERS_SQL, (count, AT)),
            ("subscriptions", SUBSCRIPTIONS_SQL, (AT, plan)),
            ("traffic buckets", BUCKETS_SQL, ()),
        ):
            started = time.perf_counter()
            await connection.execute(sql, *args)
            print(f"  generated {label} in {time.perf_counter() - started:.1f} s", flush=True)
        await connection.execute("ANALYZE")
    finally:
        await connection.close()


def backends_cpu(database: str) -> float:
    """CPU seconds so far of the PostgreSQL backends serving ``database`` (their process titles
    name it): with this process's own, the selection's CPU whatever else loads the machine."""
    total = 0.0
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            title = (proc / "cmdline").read_bytes()
            if b"postgres" in title and f" {database} ".encode() in title:
                total += cpu_seconds(int(proc.name))
        except (OSError, ValueError):
            continue
    return total


async def select_due(database_url: str) -> None:
    from core.alerts.sweep import AlertSweep
    from core.clock import FixedClock
    from core.config import Settings
    from core.db import database, ping

    async with database(database_url):
        sweep = AlertSweep(Settings(database_url=database_url), FixedClock(AT))
        await ping()  # the pool's first connection, not counted
        database = database_url.rsplit("/", 1)[1]
        cpu_before, pg_before = time.process_time(), backends_cpu(database)
        started = time.perf_counter()
        report = await sweep.run(dry_run=True)
        elapsed = time.perf_counter() - started
        cpu, pg = time.process_time() - cpu_before, backends_cpu(database) - pg_before
        kinds: dict[str, int] = {}
        for (kind, _), n in report.counts.items():
            kinds[kind] = kinds.get(kind, 0) + n
        print(
            f"alerts: selection over the subscribers took {elapsed:.2f} s (target < 3 s): "
            f"{report.total} due {json.dumps(kinds)}; CPU: this process {cpu:.2f} s, "
            f"PostgreSQL {pg:.2f} s; load average {os.getloadavg()[0]:.1f}",
            flush=True,
        )


def fake_stats() -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{ALERTS_API_PORT}/stats") as response:
        return json.loads(response.read())


async def dispatch(rate: float, count: int, senders: int) -> None:
    from redis.asyncio import Redis

    from bot.config import BotSettings
    from bot.dialogs.contract import Reply
    from bot.handlers.telegram import build_sender
    from bot.pacing import RedisPacer
    from core.accounts.chats import Chats
    from core.clock import SystemClock

    settings = BotSettings(
        telegram_token=TOKEN,
        telegram_api_base=f"http://127.0.0.1:{ALERTS_API_PORT}",
        telegram_messages_per_second=rate,
        redis_url=REDIS_URL,
        redis_prefix=PREFIX,
    )
    await drop_redis_prefix(PREFIX)
    redis = Redis.from_url(REDIS_URL)
    pacer = RedisPacer(redis, {"telegram": rate}, prefix=PREFIX)
    output = build_sender(settings, Chats(SystemClock()))
    queue = list(range(1, count + 1))
    failures = 0

    async def sender() -> None:
        nonlocal failures
        while queue:
            chat = queue.pop()
            await pacer.acquire("telegram")
            if not await output.deliver(str(chat), [Reply(f"Alert {chat}")]):
                failures += 1

    api = start_fake_api(limit=rate, port=ALERTS_API_PORT)
    try:
        started = time.monotonic()
        await asyncio.gather(*(sender() for _ in range(senders)))
        elapsed = time.monotonic() - started
        stats = fake_stats()
    finally:
        stop(api)
        await output.bot.session.close()
        await output.buttons.store.close()
        await redis.aclose()
        await drop_redis_prefix(PREFIX)
    sends = sorted(moment for moment, _ in stats["sends"])
    # The pace once the first second's burst (the bucket starts full) is spent.
    steady = [m for m in sends if m >= sends[0] + 1.0]
    achieved = (len(steady) - 1) / (steady[-1] - steady[0]) if len(steady) > 1 else float("nan")
    print(
        f"alerts: {count} alerts at a configured {rate:g}/s with {senders} senders: "
        f"{len(sends)} delivered in {elapsed:.1f} s, steady rate {achieved:.1f}/s "
        f"({achieved / rate:.1%} of configured; target >= 95 %), 429s: {stats['refused']}, "
        f"failed sends: {failures}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--dispatch", default="30:1800,1000:10000", help="rate:count,...")
    parser.add_argument("--senders", type=int, default=8)
    parser.add_argument("--keep", action="store_true", help="leave the database in place")
    parser.add_argument("--reuse", action="store_true", help="select over the kept database")
    parser.add_argument("--repeat", type=int, default=1, help="selections in a row")
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if args.reuse:
        database_url = database_url_of(DATABASE)
        os.environ["ISPBOT_DATABASE_URL"] = database_url
        # The kept database gets the migrations made since it was kept (a new index).
        ispbot(["migrate"], {"ISPBOT_DATABASE_URL": database_url})
    else:
        database_url = asyncio.run(create_database(DATABASE))
        os.environ["ISPBOT_DATABASE_URL"] = database_url
    try:
        if not args.reuse:
            ispbot(["migrate"], {"ISPBOT_DATABASE_URL": database_url})
            ispbot(["demo"], {"ISPBOT_DATABASE_URL": database_url})
            asyncio.run(generate(database_url, args.subscribers))
        for _ in range(args.repeat):
            asyncio.run(select_due(database_url))
    finally:
        if not (args.keep or args.reuse):
            asyncio.run(drop_database(DATABASE))
    for pair in filter(None, args.dispatch.split(",")):
        rate, count = pair.split(":")
        asyncio.run(dispatch(float(rate), int(count), args.senders))


if __name__ == "__main__":
    main()
