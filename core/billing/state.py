"""The subscriber's billing state at a moment, read from the tables (shared by queries and service).

What is current is decided by time, not by the status column alone: a subscription is current
when it is ACTIVE or RESERVED and ``starts_at <= now < ends_at``, so reads stay right even when the
job that flips RESERVED to ACTIVE and ACTIVE to ENDED has not run yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from core import sql
from core.billing.enums import OrderStatus, SubscriptionSource, SubscriptionStatus
from core.billing.models import Order, Plan, PostpaidLine, Subscription, TrafficBucket

LIVE = (SubscriptionStatus.ACTIVE, SubscriptionStatus.RESERVED)


@dataclass(frozen=True, slots=True)
class ServiceState:
    current: Subscription | None
    # Every subscription bought ahead, in the order they will start.
    ahead: tuple[Subscription, ...]
    remaining_bytes: int
    reserve_bytes: int

    @property
    def reserve(self) -> Subscription | None:
        """The first of those bought ahead: the one that starts when the current ends."""
        return self.ahead[0] if self.ahead else None

    @property
    def unlimited(self) -> bool:
        return bool(self.current and self.current.unlimited)


async def current_subscription(subscriber_id: int, at: datetime) -> Subscription | None:
    """The subscription in force at ``at``; a paid one wins over a free-charge window."""
    rows = await Subscription.filter(
        subscriber_id=subscriber_id, status__in=LIVE, starts_at__lte=at, ends_at__gt=at
    ).select_related("plan")
    return _in_force(rows)


def _in_force(rows: list[Subscription]) -> Subscription | None:
    if not rows:
        return None
    return min(rows, key=lambda s: (s.source == SubscriptionSource.FREE_CHARGE, s.starts_at, s.id))


def _current_and_ahead(
    live: list[Subscription], at: datetime
) -> tuple[Subscription | None, list[Subscription]]:
    """Of live subscriptions (their plans fetched): the one in force at ``at`` and those
    bought ahead, in the order they will start."""
    rows = [s for s in live if s.ends_at > at]
    current = _in_force([s for s in rows if s.starts_at <= at])
    upcoming = sorted((s for s in rows if s.starts_at > at), key=lambda s: (s.starts_at, s.id))
    return current, upcoming


async def live_subscriptions(
    subscriber_id: int, at: datetime
) -> tuple[Subscription | None, list[Subscription]]:
    """The subscription in force at ``at`` and those bought ahead (in the order they will
    start), in one query: every live subscription not yet ended is one or the other."""
    # Plain SQL (core/sql.py): every "My service" turn reads this. Live rows whose end has
    # passed (the job that ends them runs every few minutes) are dropped here, not in SQL,
    # so no time is compared as text in SQLite.
    found = await sql.fetch(
        f"SELECT {sql.columns(Subscription, 's')}, {sql.columns(Plan, 'p', 'p__')}"
        " FROM subscription s JOIN plan p ON p.id = s.plan_id"
        f" WHERE s.subscriber_id = $1 AND s.status IN ({sql.placeholders(2, len(LIVE))})",
        subscriber_id,
        *(status.value for status in LIVE),
    )
    rows = []
    for row in found:
        subscription = sql.made(Subscription, row)
        if subscription.ends_at > at:
            sql.relate(subscription, "plan", sql.made(Plan, row, "p__"))
            rows.append(subscription)
    return _current_and_ahead(rows, at)


async def paid_chain_end(subscriber_id: int, at: datetime) -> datetime | None:
    """When the last paid subscription (current or ahead) ends, or None when there is none."""
    rows = await Subscription.filter(
        subscriber_id=subscriber_id, status__in=LIVE, ends_at__gt=at
    ).exclude(source=SubscriptionSource.FREE_CHARGE)
    return max((s.ends_at for s in rows), default=None)


async def live_buckets(subscriber_id: int, at: datetime) -> list[TrafficBucket]:
    """Buckets usable at ``at`` with bytes left, the earliest to expire first (no end: last)."""
    rows = await TrafficBucket.filter(subscriber_id=subscriber_id, valid_from__lte=at)
    usable = [
        b
        for b in rows
        if (b.valid_until is None or b.valid_until > at) and b.used_bytes < b.total_bytes
    ]
    usable.sort(key=lambda b: (b.valid_until is None, b.valid_until or at, b.id))
    return usable


async def service_state(subscriber_id: int, at: datetime) -> ServiceState:
    current, upcoming = await live_subscriptions(subscriber_id, at)
    buckets = [
        sql.made(TrafficBucket, row)
        for row in await sql.fetch(
            f"SELECT {sql.columns(TrafficBucket, 'b')} FROM traffic_bucket b"
            " WHERE b.subscriber_id = $1",
            subscriber_id,
        )
    ]
    return _service_state(current, upcoming, buckets, at)


@dataclass(frozen=True, slots=True)
class ServiceSnapshot:
    """What a "My service" turn reads about a subscriber, read together."""

    state: ServiceState
    wallet_balance: int
    postpaid: bool
    # The free charge's two lookups (free_charge.decide), when read with the rest: the menu
    # asks them of everyone whose service ran out. None: not read (SQLite reads them on ask).
    free_charge_used: bool | None = None
    had_paid_service: bool | None = None


# One statement, one round trip, for the turn's three reads (PostgreSQL): each table's rows
# come back whole as typed records, turned into the same model objects as the ORM's. The
# placeholders after the live statuses follow however many statuses LIVE names.
_SNAPSHOT = """
SELECT
  ARRAY(SELECT s FROM subscription s WHERE s.subscriber_id = $1 AND s.status IN ({live}))
    AS subscriptions,
  ARRAY(SELECT p FROM plan p WHERE p.id IN (
    SELECT s.plan_id FROM subscription s WHERE s.subscriber_id = $1 AND s.status IN ({live})
  )) AS plans,
  ARRAY(SELECT b FROM traffic_bucket b WHERE b.subscriber_id = $1) AS buckets,
  (SELECT COALESCE(SUM(w.amount), 0) FROM wallet_entry w WHERE w.subscriber_id = $1) AS wallet,
  EXISTS (SELECT 1 FROM postpaid_line l WHERE l.subscriber_id = $1) AS postpaid,
  EXISTS (
    SELECT 1 FROM free_charge_grant g WHERE g.subscriber_id = $1 AND g.generation = ${generation}
  )
    AS free_charge_used,
  EXISTS (SELECT 1 FROM subscription s WHERE s.subscriber_id = $1 AND s.source <> ${source})
    AS had_paid_service
""".format(live=sql.placeholders(2, len(LIVE)), generation=2 + len(LIVE), source=3 + len(LIVE))


async def service_snapshot(
    subscriber_id: int, at: datetime, free_charge_generation: int = 0
) -> ServiceSnapshot:
    """The subscriber's service state, wallet balance, whether the line is postpaid and the
    free charge's lookups (of ``free_charge_generation``): one statement straight through
    asyncpg on PostgreSQL (a turn's reads were five to seven round trips, the largest share
    of its CPU: bench/RESULTS.md); the first three reads in turn on SQLite."""
    if not sql.on_postgres():
        return ServiceSnapshot(
            await service_state(subscriber_id, at),
            await wallet_balance(subscriber_id),
            await PostpaidLine.exists(subscriber_id=subscriber_id),
        )
    row = await sql.fetch_row_typed(
        _SNAPSHOT,
        subscriber_id,
        *(status.value for status in LIVE),
        free_charge_generation,
        SubscriptionSource.FREE_CHARGE.value,
    )
    plans = {plan.id: plan for plan in (sql.made(Plan, r) for r in sql.records(row["plans"]))}
    live = []
    for record in sql.records(row["subscriptions"]):
        subscription = sql.made(Subscription, record)
        sql.relate(subscription, "plan", plans[subscription.plan_id])  # type: ignore[attr-defined]
        live.append(subscription)
    current, upcoming = _current_and_ahead(live, at)
    buckets = [sql.made(TrafficBucket, r) for r in sql.records(row["buckets"])]
    return ServiceSnapshot(
        _service_state(current, upcoming, buckets, at),
        int(row["wallet"]),
        bool(row["postpaid"]),
        free_charge_used=bool(row["free_charge_used"]),
        had_paid_service=bool(row["had_paid_service"]),
    )


def _service_state(
    current: Subscription | None,
    upcoming: list[Subscription],
    buckets: list[TrafficBucket],
    at: datetime,
) -> ServiceState:
    remaining = reserve = 0
    for b in buckets:
        left = max(0, b.total_bytes - b.used_bytes)
        if b.valid_until is not None and b.valid_until <= at:
            continue
        if b.valid_from <= at:
            remaining += left
        else:
            reserve += left
    return ServiceState(
        current=current,
        ahead=tuple(upcoming),
        remaining_bytes=remaining,
        reserve_bytes=reserve,
    )


async def wallet_balance(subscriber_id: int) -> int:
    """The panel credit: the sum of the ledger."""
    [row] = await sql.fetch(
        "SELECT COALESCE(SUM(amount), 0) AS total FROM wallet_entry WHERE subscriber_id = $1",
        subscriber_id,
    )
    return int(row["total"])


async def wallet_held(subscriber_id: int) -> int:
    """Panel credit promised to pending orders (debited only when they are applied)."""
    query = Order.filter(subscriber_id=subscriber_id, status=OrderStatus.PENDING, wallet_used__gt=0)
    amounts = await query.values_list("wallet_used", flat=True)
    return sum(cast(int, a) for a in amounts)
