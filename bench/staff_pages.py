"""The staff console's pages at scale: with 1,000,000 subscribers in PostgreSQL (and a month of
their orders, messages and chats), the server time of each page an admin opens: the dashboard
over each period, the subscribers' list at its first page and deep in it (paged by key), each
kind of search, and a subscriber's page. Target: < 100 ms a page.

The rows are made in the database itself (INSERT ... SELECT generate_series). The app runs in
this process (bot/app.py's init_app on the real container) behind a local port; each page is
fetched ``--repeat`` times after one warm-up, and the median and the worst are printed. The
dashboard reads the figures the worker keeps (core/staff/dashboard_snapshots.py): the worker's
job is run once first, and its time printed.

    .venv/bin/python bench/staff_pages.py [--subscribers 1000000] [--repeat 7] [--keep]
    .venv/bin/python bench/staff_pages.py --reuse   # again, on the database --keep left
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import re
import statistics
import time
from datetime import UTC, datetime

from common import (  # type: ignore[import-not-found]
    create_database,
    database_url,
    drop_database,
    ispbot,
    machine,
)

DATABASE = "ispbot_bench_staff"
AT = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
PASSWORD = "bench-console-1"

SUBSCRIBERS_SQL = """
INSERT INTO subscriber (customer_number, username, password_hash, internet_password, full_name,
                        is_company, language, currency, line_status, free_charge_generation,
                        created_at, mobile, national_id, deposit_due, installation_fee_due,
                        unpaid_bills_due)
SELECT 'B' || g, 'b' || g, 'x', '', 'Bench Person ' || g, false, 'fa', 'IRR',
       CASE WHEN g % 50 = 0 THEN 'isolated' ELSE 'in_operation' END, 0,
       $2::timestamptz - interval '400 days', '+98912' || lpad(g::text, 7, '0'),
       lpad(g::text, 10, '0'), 0, 0, 0
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
# A third of the subscribers paid an order in the last 30 days; a few wait for payment.
ORDERS_SQL = """
INSERT INTO "order" (tracking_number, kind, months, currency, subtotal, vat, subscription_fee,
                     proration_credit, wallet_used, wallet_credit, payable, status, gateway,
                     created_at, paid_at, plan_id, subscriber_id)
SELECT 10000000 + s.id, 'renew_service', 1, 'IRR', 500000, 45000, 0, 0, 0, 0, 545000,
       CASE WHEN s.id % 97 = 0 THEN 'pending' ELSE 'applied' END, 'sandbox', at,
       CASE WHEN s.id % 97 = 0 THEN NULL ELSE at END, $2, s.id
FROM (SELECT id, $1::timestamptz - (id % 30) * interval '1 day' - (id % 20) * interval '1 hour'
             AS at FROM subscriber WHERE username LIKE 'b%' AND id % 3 = 0) AS s
"""
MESSAGES_SQL = """
INSERT INTO inbox_message (kind, params, channel, address, sent_at, subscriber_id)
SELECT CASE WHEN id % 2 = 0 THEN 'service_expiring' ELSE 'traffic_low' END, '{}',
       CASE WHEN id % 3 = 0 THEN 'sms' ELSE 'telegram' END, 'x',
       $1::timestamptz - (id % 30) * interval '1 day', id
FROM subscriber WHERE username LIKE 'b%' AND id % 2 = 0
"""
CHATS_SQL = """
INSERT INTO chat_identity (channel, external_id, unreachable, opted_out, created_at,
                           last_seen_at, logged_in_at, subscriber_id)
SELECT CASE WHEN id % 4 = 0 THEN 'whatsapp' ELSE 'telegram' END, 'c' || id, false, false,
       $1::timestamptz - interval '90 days', $1::timestamptz - (id % 60) * interval '1 day',
       $1::timestamptz - interval '90 days', id
FROM subscriber WHERE username LIKE 'b%' AND id % 2 = 1
"""
TICKETS_SQL = """
INSERT INTO ticket (number, kind, department, priority, status, subject, language, created_at,
                    updated_at, subscriber_id)
SELECT 5000000 + id, 'support', CASE WHEN id % 3 = 0 THEN 'billing' ELSE 'technical' END,
       CASE WHEN id % 4 = 0 THEN 'high' ELSE 'medium' END,
       CASE WHEN id % 5 = 0 THEN 'closed' ELSE 'open' END, 'Slow line', 'fa',
       $1::timestamptz - (id % 40) * interval '1 day', $1::timestamptz, id
FROM subscriber WHERE username LIKE 'b%' AND id % 50 = 7
"""


async def generate(database_url: str, count: int) -> None:
    import asyncpg

    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        plan = await connection.fetchval("SELECT id FROM plan WHERE code = 'ir-std-1m-2048-5g'")
        for label, sql, args in (
            ("subscribers", SUBSCRIBERS_SQL, (count, AT)),
            ("subscriptions", SUBSCRIPTIONS_SQL, (AT, plan)),
            ("orders", ORDERS_SQL, (AT, plan)),
            ("messages", MESSAGES_SQL, (AT,)),
            ("chats", CHATS_SQL, (AT,)),
            ("tickets", TICKETS_SQL, (AT,)),
        ):
            started = time.perf_counter()
            await connection.execute(sql, *args)
            print(f"  generated {label} in {time.perf_counter() - started:.1f} s", flush=True)
        await connection.execute("VACUUM ANALYZE")
    finally:
        await connection.close()


async def measure(database_url: str, count: int, repeat: int) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    from bot.app import init_app
    from bot.bootstrap import bootstrap
    from bot.config import BotSettings
    from bot.dialogs.state import MemoryStateStore
    from core.clock import FixedClock
    from core.db import database
    from core.errors import Conflict
    from core.staff.audit import CLI_ACTOR
    from core.staff.dashboard import Dashboard
    from core.staff.dashboard_snapshots import DashboardSnapshots

    settings = BotSettings(_env_file=None, database_url=database_url)
    async with database(database_url):
        wiring = bootstrap(settings, store=MemoryStateStore(), clock=FixedClock(AT))
        with contextlib.suppress(Conflict):  # --reuse: made by the run that kept the database
            await wiring.staff.accounts.create(CLI_ACTOR, "bench", PASSWORD, "admin")
        deep = count - count // 100  # a page near the end of the list
        middle = count // 2
        pages = {
            "dashboard, today": "/staff/?period=today",
            "dashboard, 7 days": "/staff/?period=7d",
            "dashboard, 30 days": "/staff/?period=30d",
            "subscribers, first page": "/staff/subscribers",
            f"subscribers, page after id {deep}": f"/staff/subscribers?after={deep}",
            "search by username": f"/staff/subscribers?q=b{middle}",
            "search by mobile": f"/staff/subscribers?q=0912{middle:07d}",
            "search by national ID": f"/staff/subscribers?q={middle:010d}",
            "search by name (part of it)": f"/staff/subscribers?q=Person%20{middle}",
            "a subscriber's page": f"/staff/subscribers/{middle}",
        }
        # The worker's job that keeps the dashboard's figures (bot/worker.py refresh_dashboard),
        # run once as the worker would before anyone opens the page.
        started = time.perf_counter()
        await DashboardSnapshots(Dashboard(settings, wiring.clock)).refresh(settings.zone)
        print(
            f"worker job: dashboard figures of every period counted and kept in"
            f" {(time.perf_counter() - started) * 1000:.0f} ms",
            flush=True,
        )
        app = init_app(wiring, manage_database=False)
        async with TestClient(TestServer(app)) as client:
            login = await client.get("/staff/login")
            token = re.search(r'name="csrf" value="([^"]+)"', await login.text())
            assert token is not None
            await client.post(
                "/staff/login",
                data={"csrf": token.group(1), "username": "bench", "password": PASSWORD},
            )
            for name, path in pages.items():
                times = []
                for attempt in range(repeat + 1):
                    started = time.perf_counter()
                    response = await client.get(path, allow_redirects=False)
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{path}: {response.status}")
                    if attempt:  # the first one warms the caches
                        times.append((time.perf_counter() - started) * 1000)
                median, worst = statistics.median(times), max(times)
                verdict = "ok" if median < 100 else "OVER"
                print(
                    f"staff page: {name:<36} median {median:7.1f} ms, worst {worst:7.1f} ms"
                    f" (target < 100 ms: {verdict})",
                    flush=True,
                )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database (to EXPLAIN)")
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a --keep run left (migrated)"
    )
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    if args.reuse:
        url = database_url(DATABASE)
        ispbot(["migrate"], {"ISPBOT_DATABASE_URL": url})
        asyncio.run(measure(url, args.subscribers, args.repeat))
        return
    url = asyncio.run(create_database(DATABASE))
    try:
        ispbot(["migrate"], {"ISPBOT_DATABASE_URL": url})
        ispbot(["demo"], {"ISPBOT_DATABASE_URL": url})
        asyncio.run(generate(url, args.subscribers))
        asyncio.run(measure(url, args.subscribers, args.repeat))
    finally:
        if not args.keep:
            asyncio.run(drop_database(DATABASE))


if __name__ == "__main__":
    main()
