"""The dashboard's figures, each from one query, on both databases: the same rows give the
same numbers, days are the ISP's local days, and the period picks what is counted."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from core.accounts.models import ChatIdentity
from core.billing.enums import OrderKind, OrderStatus, SubscriptionSource, SubscriptionStatus
from core.billing.models import Order, Subscription
from core.inbox.models import InboxMessage, OutboxMessage
from core.staff.dashboard import Dashboard, PeriodName, period_of
from core.tickets.enums import Department, Priority, TicketStatus
from core.tickets.models import Ticket
from tests.core.test_accounts_support import make_subscriber
from tests.core.test_billing_support import make_plans

TEHRAN = ZoneInfo("Asia/Tehran")


async def subscription(subscriber, plan, starts_at, ends_at, status=SubscriptionStatus.ACTIVE):
    return await Subscription.create(
        subscriber=subscriber,
        plan=plan,
        status=status,
        source=SubscriptionSource.ONLINE,
        starts_at=starts_at,
        ends_at=ends_at,
    )


async def order(subscriber, plan, number, created_at, status, *, payable=1_000, currency="IRR"):
    return await Order.create(
        tracking_number=number,
        subscriber=subscriber,
        kind=OrderKind.BUY_TRAFFIC,
        plan=plan,
        currency=currency,
        subtotal=payable,
        vat=0,
        payable=payable,
        status=status,
        gateway="sandbox",
        created_at=created_at,
        paid_at=created_at if status in (OrderStatus.PAID, OrderStatus.APPLIED) else None,
    )


def test_periods_start_at_local_midnight():
    now = datetime.fromisoformat("2026-11-24T07:00:00+00:00")  # 10:30 in Tehran

    today = period_of(PeriodName.TODAY, now, TEHRAN)
    week = period_of(PeriodName.WEEK, now, TEHRAN)

    assert today.start == datetime.fromisoformat("2026-11-23T20:30:00+00:00")
    assert today.days == [date(2026, 11, 24)]
    assert week.first_day == date(2026, 11, 18) and len(week.days) == 7


async def test_figures_count_what_the_rows_say(db, settings, clock):
    now = clock.now()
    plans = await make_plans()
    plan = plans["std-1m"]
    a = await make_subscriber("2100000001")
    b = await make_subscriber("2100000002")
    c = await make_subscriber("2100000003", line_status="isolated")
    d = await make_subscriber("2100000004")
    # a: ends this evening (local); b: ends the day after tomorrow; c: isolated, not active;
    # d: ends today but has the next one bought ahead.
    await subscription(a, plan, now - timedelta(days=29), now + timedelta(hours=5))
    await subscription(b, plan, now - timedelta(days=10), now + timedelta(days=2))
    await subscription(c, plan, now - timedelta(days=10), now + timedelta(days=20))
    await subscription(d, plan, now - timedelta(days=29), now + timedelta(hours=3))
    await subscription(
        d, plan, now + timedelta(hours=3), now + timedelta(days=30), SubscriptionStatus.RESERVED
    )
    await order(a, plan, 1, now - timedelta(hours=1), OrderStatus.APPLIED, payable=280_000)
    await order(b, plan, 2, now - timedelta(hours=2), OrderStatus.APPLIED, payable=20_000)
    await order(b, plan, 3, now - timedelta(days=3), OrderStatus.PAID, payable=5_000)
    await order(
        c, plan, 4, now - timedelta(hours=1), OrderStatus.APPLIED, payable=15, currency="IDR"
    )
    await order(c, plan, 5, now - timedelta(hours=3), OrderStatus.PENDING)
    await order(c, plan, 6, now - timedelta(minutes=2), OrderStatus.PENDING)
    await order(c, plan, 7, now - timedelta(days=40), OrderStatus.CANCELLED)
    for number, (dept, prio, age) in enumerate(
        [
            (Department.TECHNICAL, Priority.HIGH, 5),
            (Department.TECHNICAL, Priority.HIGH, 1),
            (Department.BILLING, Priority.LOW, 2),
        ]
    ):
        await Ticket.create(
            number=100 + number, subscriber=a, department=dept, priority=prio,
            subject="s", created_at=now - timedelta(days=age), updated_at=now,
        )  # fmt: skip
    await Ticket.create(
        number=200, subscriber=a, department=Department.SALES, status=TicketStatus.CLOSED,
        subject="s", created_at=now, updated_at=now,
    )  # fmt: skip
    for kind, channel, ago in [
        ("expiry", "telegram", 1),
        ("expiry", "sms", 1),
        ("expiry", "sms", 50),
    ]:
        await InboxMessage.create(
            subscriber=a, kind=kind, text="t", channel=channel, address="x",
            sent_at=now - timedelta(hours=ago),
        )  # fmt: skip
    await OutboxMessage.create(
        subscriber=a, kind="expiry", dedup_key="k1", created_at=now, last_error="blocked"
    )
    await ChatIdentity.create(channel="telegram", external_id="1", last_seen_at=now)
    await ChatIdentity.create(channel="web", external_id="2", last_seen_at=now - timedelta(days=9))

    dashboard = Dashboard(settings, clock)
    today = await dashboard.figures(PeriodName.TODAY, TEHRAN)
    month = await dashboard.figures(PeriodName.MONTH, TEHRAN)

    assert today.active_subscribers == 3
    assert (today.ending_today, today.ending_in_two_days) == (1, 1)
    assert [(r.day, r.currency, r.amount) for r in today.revenue] == [
        (date(2026, 11, 24), "IDR", 15),
        (date(2026, 11, 24), "IRR", 300_000),
    ]
    assert [(r.day, r.amount) for r in month.revenue if r.currency == "IRR"] == [
        (date(2026, 11, 21), 5_000),
        (date(2026, 11, 24), 300_000),
    ]
    assert dict(today.orders_by_status) == {"applied": 3, "pending": 2}
    assert dict(month.orders_by_status) == {"applied": 3, "paid": 1, "pending": 2}
    assert [(t.department, t.priority, t.count, t.oldest_at) for t in today.open_tickets] == [
        ("billing", "low", 1, now - timedelta(days=2)),
        ("technical", "high", 2, now - timedelta(days=5)),
    ]
    assert [(x.kind, x.channel, x.sent) for x in today.alerts_sent] == [
        ("expiry", "sms", 1),
        ("expiry", "telegram", 1),
    ]
    assert [(x.channel, x.sent) for x in month.alerts_sent] == [("sms", 2), ("telegram", 1)]
    assert today.alerts_failing == (("expiry", 1),)
    assert today.chats_by_channel == (("telegram", 1),)
    assert dict(month.chats_by_channel) == {"telegram": 1, "web": 1}
    assert (today.awaiting_reconcile, today.oldest_awaiting_at) == (1, now - timedelta(hours=3))
    assert today.paid_not_applied == 1
