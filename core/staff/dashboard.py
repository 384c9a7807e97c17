"""The console's dashboard: each figure one aggregate query on indexed columns. At a million
subscribers they still take seconds together (bench/staff_pages.py), so the worker counts them
every few minutes and the page reads what it kept (core/staff/dashboard_snapshots.py). Plain
SQL through the ORM's connection (core/sql.py) on both databases; only the day a payment falls
on is spelt per dialect.

Times are compared in UTC; days are the ISP's local days (``zone``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import StrEnum

from core import sql
from core.accounts.enums import LineStatus
from core.billing.enums import OrderStatus, SubscriptionStatus
from core.config import Settings
from core.db import is_postgres
from core.ports import Clock
from core.tickets.enums import TicketStatus


class PeriodName(StrEnum):
    TODAY = "today"
    WEEK = "7d"
    MONTH = "30d"


PERIOD_DAYS = {PeriodName.TODAY: 1, PeriodName.WEEK: 7, PeriodName.MONTH: 30}


@dataclass(frozen=True, slots=True)
class Period:
    name: PeriodName
    # Local days, first and last (today), and the UTC moments they start and the period ends.
    first_day: date
    last_day: date
    start: datetime
    end: datetime

    @property
    def days(self) -> list[date]:
        count = (self.last_day - self.first_day).days + 1
        return [self.first_day + timedelta(days=n) for n in range(count)]


def period_of(name: PeriodName, now: datetime, zone: tzinfo) -> Period:
    today = now.astimezone(zone).date()
    first = today - timedelta(days=PERIOD_DAYS[name] - 1)
    return Period(name, first, today, _day_start(first, zone), now)


def _day_start(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True, slots=True)
class DayRevenue:
    day: date
    currency: str
    amount: int  # minor units


@dataclass(frozen=True, slots=True)
class TicketLoad:
    department: str
    priority: str
    count: int
    oldest_at: datetime


@dataclass(frozen=True, slots=True)
class AlertCount:
    kind: str
    channel: str
    sent: int


@dataclass(frozen=True, slots=True)
class Figures:
    period: Period
    active_subscribers: int
    ending_today: int
    ending_in_two_days: int
    revenue: tuple[DayRevenue, ...]
    orders_by_status: tuple[tuple[str, int], ...]
    open_tickets: tuple[TicketLoad, ...]
    alerts_sent: tuple[AlertCount, ...]
    # Messages that failed and wait to be tried again, by kind.
    alerts_failing: tuple[tuple[str, int], ...]
    chats_by_channel: tuple[tuple[str, int], ...]
    # Pending orders older than the reconcile delay, the oldest's creation, and paid orders
    # not applied yet.
    awaiting_reconcile: int
    oldest_awaiting_at: datetime | None
    paid_not_applied: int


class Dashboard:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def figures(self, name: PeriodName, zone: tzinfo) -> Figures:
        """The figures of one period, counted now."""
        return (await self.every_period(zone, (name,)))[name]

    async def every_period(
        self, zone: tzinfo, names: tuple[PeriodName, ...] = tuple(PeriodName)
    ) -> dict[PeriodName, Figures]:
        """The figures of each period, counted now: what does not depend on the period (the
        costly count of active subscribers among them) is counted once for all."""
        now = self.clock.now()
        today = now.astimezone(zone).date()
        periods = {name: period_of(name, now, zone) for name in names}
        before = now - timedelta(minutes=self.settings.reconcile_after_minutes)
        # The queries are independent: on PostgreSQL each takes a connection of the pool and
        # they run side by side.
        async with asyncio.TaskGroup() as group:
            active = group.create_task(active_subscribers(now))
            ending = group.create_task(services_ending(today, zone))
            tickets = group.create_task(open_tickets())
            failing = group.create_task(alerts_failing())
            reconcile = group.create_task(awaiting_reconcile(before))
            per_period = {
                name: (
                    group.create_task(revenue_per_day(period, zone)),
                    group.create_task(orders_by_status(period)),
                    group.create_task(alerts_sent(period)),
                    group.create_task(chats_by_channel(period)),
                )
                for name, period in periods.items()
            }
        ending_today, ending_in_two = ending.result()
        waiting, oldest, paid = reconcile.result()
        return {
            name: Figures(
                period=periods[name],
                active_subscribers=active.result(),
                ending_today=ending_today,
                ending_in_two_days=ending_in_two,
                revenue=tuple(revenue.result()),
                orders_by_status=tuple(orders.result()),
                open_tickets=tuple(tickets.result()),
                alerts_sent=tuple(sent.result()),
                alerts_failing=tuple(failing.result()),
                chats_by_channel=tuple(chats.result()),
                awaiting_reconcile=waiting,
                oldest_awaiting_at=oldest,
                paid_not_applied=paid,
            )
            for name, (revenue, orders, sent, chats) in per_period.items()
        }


async def active_subscribers(now: datetime) -> int:
    """Lines in operation with a service in force now."""
    # A semi-join, not COUNT(DISTINCT) over a join: half the time at a million subscribers
    # (1.3 s against 2.4 s on 2 cores, bench/staff_pages.py), still the dashboard's slowest.
    [row] = await sql.fetch(
        "SELECT COUNT(*) AS n FROM subscriber u WHERE u.line_status = $3 AND EXISTS"
        " (SELECT 1 FROM subscription s WHERE s.subscriber_id = u.id AND s.status = $1"
        " AND s.ends_at > $2 AND s.starts_at <= $2)",
        SubscriptionStatus.ACTIVE.value,
        now,
        LineStatus.IN_OPERATION.value,
    )
    return int(row["n"])


async def services_ending(today: date, zone: tzinfo) -> tuple[int, int]:
    """Services in force that end today and the day after tomorrow (the alerts' two days),
    without one bought ahead to follow them."""
    today_start, tomorrow = _day_start(today, zone), _day_start(today + timedelta(days=1), zone)
    second = _day_start(today + timedelta(days=2), zone)
    third = _day_start(today + timedelta(days=3), zone)
    [row] = await sql.fetch(
        "SELECT"
        " COALESCE(SUM(CASE WHEN s.ends_at < $2 THEN 1 ELSE 0 END), 0) AS today,"
        " COALESCE(SUM(CASE WHEN s.ends_at >= $3 THEN 1 ELSE 0 END), 0) AS later"
        " FROM subscription s"
        " WHERE s.status = $5 AND ((s.ends_at >= $1 AND s.ends_at < $2)"
        " OR (s.ends_at >= $3 AND s.ends_at < $4))"
        " AND NOT EXISTS (SELECT 1 FROM subscription r"
        " WHERE r.subscriber_id = s.subscriber_id AND r.status = $6)",
        today_start,
        tomorrow,
        second,
        third,
        SubscriptionStatus.ACTIVE.value,
        SubscriptionStatus.RESERVED.value,
    )
    return int(row["today"]), int(row["later"])


async def revenue_per_day(period: Period, zone: tzinfo) -> list[DayRevenue]:
    """What was paid through the gateways (``payable``) per local day and currency."""
    if is_postgres():
        day = "(o.paid_at AT TIME ZONE $4)::date"
        shift: str = str(getattr(zone, "key", "UTC"))
    else:
        # SQLite has no time zones: the zone's offset at the period's start (Tehran and
        # Jakarta keep one offset all year).
        offset = period.start.astimezone(zone).utcoffset() or timedelta()
        day = "date(substr(o.paid_at, 1, 19), $4)"
        shift = f"{int(offset.total_seconds() // 60):+d} minutes"
    rows = await sql.fetch(
        f'SELECT {day} AS day, o.currency, SUM(o.payable) AS amount FROM "order" o'
        " WHERE o.paid_at >= $1 AND o.paid_at <= $2 AND o.status IN ($3, $5)"
        " GROUP BY 1, 2 ORDER BY 1, 2",
        period.start,
        period.end,
        OrderStatus.PAID.value,
        shift,
        OrderStatus.APPLIED.value,
    )
    return [
        DayRevenue(_as_date(r["day"]), r["currency"], int(r["amount"]))
        for r in rows
        if int(r["amount"])
    ]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def orders_by_status(period: Period) -> list[tuple[str, int]]:
    rows = await sql.fetch(
        'SELECT o.status, COUNT(*) AS n FROM "order" o'
        " WHERE o.created_at >= $1 AND o.created_at <= $2 GROUP BY o.status ORDER BY o.status",
        period.start,
        period.end,
    )
    return [(r["status"], int(r["n"])) for r in rows]


async def open_tickets() -> list[TicketLoad]:
    rows = await sql.fetch(
        "SELECT t.department, t.priority, COUNT(*) AS n, MIN(t.created_at) AS oldest"
        " FROM ticket t WHERE t.status <> $1 GROUP BY t.department, t.priority"
        " ORDER BY t.department, t.priority",
        TicketStatus.CLOSED.value,
    )
    return [
        TicketLoad(r["department"], r["priority"], int(r["n"]), _as_datetime(r["oldest"]))
        for r in rows
    ]


def _as_datetime(value: datetime | str) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def alerts_sent(period: Period) -> list[AlertCount]:
    """Messages the subscribers received (the message box), by kind and channel."""
    rows = await sql.fetch(
        "SELECT m.kind, m.channel, COUNT(*) AS n FROM inbox_message m"
        " WHERE m.sent_at >= $1 AND m.sent_at <= $2 GROUP BY m.kind, m.channel"
        " ORDER BY m.kind, m.channel",
        period.start,
        period.end,
    )
    return [AlertCount(r["kind"], r["channel"], int(r["n"])) for r in rows]


async def alerts_failing() -> list[tuple[str, int]]:
    """Messages whose last attempt failed and that are not sent yet, by kind."""
    rows = await sql.fetch(
        "SELECT m.kind, COUNT(*) AS n FROM outbox_message m"
        " WHERE m.sent_at IS NULL AND m.last_error IS NOT NULL GROUP BY m.kind ORDER BY m.kind"
    )
    return [(r["kind"], int(r["n"])) for r in rows]


async def chats_by_channel(period: Period) -> list[tuple[str, int]]:
    """Chats that wrote to the bot in the period, by channel (turns are counted in the
    metrics, per process; the database keeps when each chat was last seen)."""
    rows = await sql.fetch(
        "SELECT c.channel, COUNT(*) AS n FROM chat_identity c"
        " WHERE c.last_seen_at >= $1 AND c.last_seen_at <= $2 GROUP BY c.channel"
        " ORDER BY c.channel",
        period.start,
        period.end,
    )
    return [(r["channel"], int(r["n"])) for r in rows]


async def awaiting_reconcile(before: datetime) -> tuple[int, datetime | None, int]:
    [row] = await sql.fetch(
        'SELECT COUNT(*) AS n, MIN(o.created_at) AS oldest FROM "order" o'
        " WHERE o.status = $1 AND o.gateway IS NOT NULL AND o.created_at < $2",
        OrderStatus.PENDING.value,
        before,
    )
    [paid] = await sql.fetch(
        'SELECT COUNT(*) AS n FROM "order" o WHERE o.status = $1', OrderStatus.PAID.value
    )
    oldest = _as_datetime(row["oldest"]) if row["oldest"] is not None else None
    return int(row["n"]), oldest, int(paid["n"])
