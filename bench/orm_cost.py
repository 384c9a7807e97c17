"""The CPU one read of a "My service" turn costs through the ORM, beside the same pool running
plain SQL (for bench/RESULTS.md's "where the time goes"): the turn's reads, each timed alone.

    .venv/bin/python bench/orm_cost.py [--rounds 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

from common import demo_database  # type: ignore[import-not-found]

DATABASE = "ispbot_bench_orm_cost"


async def run(database_url: str, rounds: int) -> None:
    from tortoise.functions import Sum

    from core import sql
    from core.accounts.chats import Chats
    from core.accounts.models import ChatIdentity, Subscriber
    from core.billing import state
    from core.billing.models import Subscription, TrafficBucket, WalletEntry
    from core.clock import SystemClock
    from core.db import database

    async with database(database_url):
        subscriber = await Subscriber.get(username="2177889900")
        await ChatIdentity.create(channel="telegram", external_id="1", subscriber=subscriber)
        now = SystemClock().now()
        chats = Chats(SystemClock())

        async def timed(name: str, read: Callable[[], Awaitable[object]]) -> None:
            for _ in range(100):  # warm: prepared statements, caches
                await read()
            started = time.process_time()
            for _ in range(rounds):
                await read()
            cpu_ms = (time.process_time() - started) * 1000 / rounds
            print(f"  {name:<58} {cpu_ms:.3f} ms CPU")

        print(f"CPU a read, {rounds} rounds each, this process only (PostgreSQL's not counted):")
        print(" through the ORM:")
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
            lambda: Subscription.filter(
                subscriber_id=subscriber.id, status__in=state.LIVE, ends_at__gt=now
            ).select_related("plan"),
        )
        await timed("traffic buckets", lambda: TrafficBucket.filter(subscriber_id=subscriber.id))
        await timed(
            "wallet balance (SUM)",
            lambda: (
                WalletEntry.filter(subscriber_id=subscriber.id)
                .annotate(total=Sum("amount"))
                .group_by("subscriber_id")
                .values("total")
            ),
        )
        print(" the turn's reads as they are (core/sql.py):")
        await timed(
            "chat identity with its subscriber", lambda: chats.identify_chat("telegram", "1")
        )
        await timed(
            "live subscriptions with their plans",
            lambda: state.live_subscriptions(subscriber.id, now),
        )
        await timed(
            "the whole service state (subscriptions, plans, traffic)",
            lambda: state.service_state(subscriber.id, now),
        )
        await timed("wallet balance (SUM)", lambda: state.wallet_balance(subscriber.id))
        await timed("plain SQL: SELECT 1", lambda: sql.fetch("SELECT 1"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    args = parser.parse_args()
    with demo_database(DATABASE) as database_url:
        asyncio.run(run(database_url, args.rounds))


if __name__ == "__main__":
    main()
