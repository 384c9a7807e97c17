"""The ages the alerting rules watch (core/oncall.py), on both databases: the oldest notice
not sent and the oldest order still pending; sent notices and settled orders do not count."""

from __future__ import annotations

from datetime import timedelta

from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order, Plan
from core.inbox.models import OutboxMessage
from core.oncall import oldest_pending_order_age, oldest_unsent_notice_age
from tests.conftest import NOW
from tests.core.test_billing_support import make_plans, make_subscriber


async def test_the_oldest_waiting_notice_and_order_are_aged_and_the_settled_ignored(db):
    assert await oldest_unsent_notice_age(NOW) == 0
    assert await oldest_pending_order_age(NOW) == 0
    await make_plans()
    kamal = await make_subscriber()
    plan = await Plan.all().first()
    assert plan is not None
    for n, (minutes, status) in enumerate(
        ((90, OrderStatus.APPLIED), (30, OrderStatus.PENDING), (5, OrderStatus.PENDING))
    ):
        await Order.create(
            tracking_number=1000 + n, subscriber_id=kamal.id, kind=OrderKind.BUY_SERVICE,
            plan_id=plan.id, currency="IRR", subtotal=100, vat=10, payable=110, status=status,
            created_at=NOW - timedelta(minutes=minutes),
        )  # fmt: skip
        await OutboxMessage.create(
            subscriber_id=kamal.id, kind="order_applied", dedup_key=f"n{n}",
            created_at=NOW - timedelta(minutes=minutes),
            sent_at=NOW if status is OrderStatus.APPLIED else None,
        )  # fmt: skip

    assert await oldest_unsent_notice_age(NOW) == 30 * 60
    assert await oldest_pending_order_age(NOW) == 30 * 60
