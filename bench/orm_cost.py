"""The CPU one read of a "My service" turn costs through the ORM, beside the same pool running
plain SQL (for bench/RESULTS.md's "where the time goes"): the turn's reads, each timed alone.

    .venv/bin/python bench/orm_cost.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable

from common import create_database, drop_database, ispbot  # type: ignore[import-not-found]

DATABASE = "ispbot_bench_orm_cost"


async def run(database_url: str, rounds: int) -> None:
    from tortoise import connections

    from core.accounts.models import ChatIdentity, Subscriber
    from core.billing import state
    from core.clock import SystemClock
    from core.db import database

    async with database(database_url):
        subscriber = await Subscriber.get(username="2177889900")
        await ChatIdentity.create(channel="telegram", external_id="1", subscriber=subscriber)
        now = SystemClock().now()
        sql = connections.get("default")

        async def timed(name: str, read: Callable[[], Awaitable[object]]) -> None:
            for _ in range(100):  # warm: prepared statements, caches
                await read()
            started = time.process_time()
            for _ in range(rounds):
                await read()
            cpu_ms = (time.process_time() - started) * 1000 / rounds
            print(f"  {name:<58} {cpu_ms:.3f} ms CPU")

        print(f"CPU a read, {rounds} rounds each, this process only (PostgreSQL's not counted):")
        await timed(
            "chat identity with its subscriber (select_related)",
            lambda: (
                ChatIdentity.filter(channel="telegram", external_id="1")
                .select_related("subscriber")
                .first()
            ),
        )
        await timed(
            "chat identity alone",
            lambda: ChatIdentity.filter(channel="telegram", external_id="1").first(),
        )
        await timed("subscriber by id", lambda: Subscriber.get(id=subscriber.id))
        await timed(
            "live subscriptions with their plans (select_related)",
            lambda: state.live_subscriptions(subscriber.id, now),
        )
        await timed("wallet balance (SUM)", lambda: state.wallet_balance(subscriber.id))
        await timed(
            "plain SQL: chat identity joined to its subscriber",
            lambda: sql.execute_query_dict(
                "SELECT c.*, s.* FROM chat_identity c LEFT JOIN subscriber s"
                " ON s.id = c.subscriber_id WHERE c.channel = $1 AND c.external_id = $2",
                ["telegram", "1"],
            ),
        )
        await timed("plain SQL: SELECT 1", lambda: sql.execute_query_dict("SELECT 1", []))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    database_url = asyncio.run(create_database(DATABASE))
    try:
        env = {"ISPBOT_DATABASE_URL": database_url}
        ispbot(["migrate"], env)
        ispbot(["demo"], env)
        os.environ.update(env)
        asyncio.run(run(database_url, args.rounds))
    finally:
        asyncio.run(drop_database(DATABASE))


if __name__ == "__main__":
    main()
