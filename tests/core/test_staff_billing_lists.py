"""The console's billing lists on SQLite and PostgreSQL: newest first, filtered, and paged by
key (each page below the last id seen) without a row lost or repeated."""

from __future__ import annotations

from datetime import timedelta

from core.billing.enums import OrderKind, OrderStatus, WalletEntryKind
from core.billing.models import Order, WalletEntry
from core.staff.billing_lists import (
    OrderFilter,
    deposits_owed,
    order_gateways,
    orders_page,
    refunds_page,
)
from tests.core.test_billing_support import make_subscriber


async def _order(subscriber, tracking: int, status: OrderStatus, created_at, gateway: str):
    return await Order.create(
        tracking_number=tracking, subscriber=subscriber, kind=OrderKind.DEPOSIT, plan=None,
        currency="IRR", subtotal=1000, vat=0, payable=1000, status=status, gateway=gateway,
        created_at=created_at,
    )  # fmt: skip


async def test_orders_page_by_key_and_filter(db, clock):
    subscriber = await make_subscriber()
    now = clock.now()
    for n in range(7):
        status = OrderStatus.APPLIED if n % 2 else OrderStatus.PENDING
        gateway = "zarinpal" if n < 3 else "sandbox"
        await _order(subscriber, 500_000 + n, status, now - timedelta(days=n), gateway)

    first = await orders_page(OrderFilter(), limit=3)
    second = await orders_page(OrderFilter(), before=first.next_before, limit=3)
    third = await orders_page(OrderFilter(), before=second.next_before, limit=3)
    applied = await orders_page(OrderFilter(status=OrderStatus.APPLIED))
    recent = await orders_page(OrderFilter(since=now - timedelta(days=1, hours=1), until=now))
    zarinpal = await orders_page(OrderFilter(gateway="zarinpal"))

    seen = [o.tracking_number for page in (first, second, third) for o in page.rows]
    assert seen == [500_006 - n for n in range(7)]
    assert third.next_before is None
    assert [o.tracking_number for o in applied.rows] == [500_005, 500_003, 500_001]
    assert [o.tracking_number for o in recent.rows] == [500_001]
    assert [o.tracking_number for o in zarinpal.rows] == [500_002, 500_001, 500_000]
    assert await order_gateways() == ["sandbox", "zarinpal"]


async def test_refunds_and_deposits_owed_are_listed(db, clock):
    owing = await make_subscriber("3132239720", deposit_due=500_000)
    fee_only = await make_subscriber("3132239721", installation_fee_due=250_000)
    await make_subscriber("3132239722")
    order = await _order(owing, 600_001, OrderStatus.APPLIED, clock.now(), "sandbox")
    await WalletEntry.create(
        subscriber=owing, amount=400, currency="IRR", kind=WalletEntryKind.REFUND, order=order,
        note="goodwill", created_at=clock.now(),
    )  # fmt: skip

    owed = await deposits_owed()
    [refund] = (await refunds_page()).rows

    assert [line.username for line in owed.rows] == [fee_only.username, owing.username]
    assert (refund.tracking_number, refund.amount, refund.note) == (600_001, 400, "goodwill")
