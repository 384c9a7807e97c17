"""Payments: paid callbacks applied a second on PostgreSQL, one in ten delivered twice (providers
retry their callbacks). Each callback takes the path a real one takes after the provider's
answer (``core.billing.reconcile.Reconciler.record`` with a PAID check); the HTTP in front of
it is left out, as are the providers' APIs.

Orders (1 GB traffic packs for the demo's subscribers) are placed first and not timed. At the
end every order must be applied exactly once: one bill and one traffic bucket per order.

    .venv/bin/python bench/payments.py [--orders 2000] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time

from common import demo_database, machine  # type: ignore[import-not-found]

DATABASE = "ispbot_bench_payments"
PACK = "ir-traffic-1g-plus10"


async def run(database_url: str, orders_wanted: int, concurrency: int) -> None:
    from bot.bootstrap import build_services
    from bot.config import BotSettings
    from core.accounts.models import Subscriber
    from core.billing.enums import OrderKind, OrderStatus
    from core.billing.models import Bill, Order, TrafficBucket
    from core.billing.reconcile import Reconciler
    from core.db import database
    from core.errors import DomainError
    from core.ports import PaymentCheck, PaymentState

    settings = BotSettings(database_url=database_url, redis_url=None)
    async with database(database_url):
        billing = build_services(settings).orders
        buyers = []
        for subscriber in await Subscriber.filter(currency="IRR"):
            try:
                await billing.place_order(
                    subscriber.id, OrderKind.BUY_TRAFFIC, PACK, gateway="sandbox"
                )
                buyers.append(subscriber.id)
            except DomainError:
                continue
        if not buyers:
            raise RuntimeError("no demo subscriber can buy a traffic pack")
        started = time.perf_counter()
        for n in range(orders_wanted - len(buyers)):
            await billing.place_order(
                buyers[n % len(buyers)], OrderKind.BUY_TRAFFIC, PACK, gateway="sandbox"
            )
        placed = time.perf_counter() - started
        orders = await Order.filter(status=OrderStatus.PENDING)
        bills_before = await Bill.all().count()
        buckets_before = await TrafficBucket.all().count()
        callbacks = orders + random.Random(7).sample(orders, len(orders) // 10)
        random.Random(11).shuffle(callbacks)
        limit = asyncio.Semaphore(concurrency)
        reconciler = Reconciler(billing)

        async def callback(order) -> None:
            async with limit:
                check = PaymentCheck(
                    PaymentState.PAID, amount=order.payable, currency=order.currency
                )
                await reconciler.record(order.tracking_number, check)

        started = time.perf_counter()
        await asyncio.gather(*(callback(order) for order in callbacks))
        elapsed = time.perf_counter() - started
        ids = [order.id for order in orders]
        applied = await Order.filter(id__in=ids, status=OrderStatus.APPLIED).count()
        bills = await Bill.all().count() - bills_before
        buckets = await TrafficBucket.all().count() - buckets_before
        print(f"orders placed: {len(orders)} in {placed:.1f} s ({len(orders) / placed:.0f}/s)")
        once = applied == bills == buckets == len(orders)
        duplicates = len(callbacks) - len(orders)
        print(
            f"payments: {len(callbacks)} paid callbacks ({duplicates} duplicates) "
            f"in {elapsed:.2f} s: {len(callbacks) / elapsed:.0f} callbacks/s, "
            f"{len(orders) / elapsed:.0f} orders applied/s (concurrency {concurrency}); "
            f"applied {applied}/{len(orders)}, bills {bills}, traffic buckets {buckets} "
            f"({'exactly once' if once else 'NOT exactly once'})"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    with demo_database(DATABASE) as database_url:
        asyncio.run(run(database_url, args.orders, args.concurrency))


if __name__ == "__main__":
    main()
