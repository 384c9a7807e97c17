"""Exactly once under real concurrency (PostgreSQL: SQLite's single writer cannot show a race)."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.deposits import Deposits
from core.billing.enums import OrderKind, OrderStatus, SubscriptionSource, WalletEntryKind
from core.billing.models import (
    Bill,
    FreeChargeGrant,
    Subscription,
    TrafficBucket,
    UsageSession,
    WalletEntry,
)
from core.billing.read_models import FreeChargeGranted
from core.billing.units import BYTES_PER_MB, mb_to_bytes
from core.errors import DomainError
from core.inbox.models import OutboxMessage
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    assert_books_close,
    make_plans,
    make_subscriber,
)

billing = support.billing
gateway = support.gateway
queries = support.queries


async def test_fifty_concurrent_free_charges_grant_exactly_one(pg, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(
        kamal.id, "std-1m", starts_at=clock.now() - timedelta(days=40)
    )

    results = await asyncio.gather(
        *(billing.free_charges.take(kamal.id) for _ in range(50)), return_exceptions=True
    )

    grants = [r for r in results if isinstance(r, FreeChargeGranted)]
    refusals = [r for r in results if not isinstance(r, FreeChargeGranted)]
    assert len(grants) == 1
    assert len(refusals) == 49
    assert all(
        isinstance(r, DomainError) and r.code == "free_charge_already_used" for r in refusals
    ), {repr(r) for r in refusals}
    assert await FreeChargeGrant.filter(subscriber_id=kamal.id).count() == 1
    assert await Subscription.filter(source=SubscriptionSource.FREE_CHARGE).count() == 1
    assert await TrafficBucket.filter(kind="free_charge").count() == 1
    status = await queries.service_status(kamal.id)
    assert (status.remaining_days, status.remaining_bytes) == (2, mb_to_bytes(100))


async def test_two_hundred_concurrent_confirmations_apply_the_order_once(pg, billing, queries):
    await make_plans()
    kamal = await make_subscriber()
    await billing.wallet.adjust(kamal.id, 45_000)
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    assert (order.quote.wallet_used, order.payable) == (45_000, 500_000)

    results = await asyncio.gather(
        *(
            billing.orders.confirm_payment(
                order.tracking_number, "fakepay", order.gateway_ref, 500_000
            )
            for _ in range(200)
        ),
        return_exceptions=True,
    )

    errors = [r for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert {r.status for r in results} == {OrderStatus.APPLIED}
    assert {r.applied_at for r in results} == {results[0].applied_at}
    assert await Subscription.filter(subscriber_id=kamal.id).count() == 1
    assert await TrafficBucket.filter(subscriber_id=kamal.id).count() == 1
    assert await Bill.filter(subscriber_id=kamal.id).count() == 1
    assert await OutboxMessage.filter(kind="order_applied").count() == 1
    payments = await WalletEntry.filter(kind=WalletEntryKind.ORDER_PAYMENT).values_list(
        "amount", flat=True
    )
    assert payments == [-45_000]
    assert await assert_books_close(kamal.id) == 0
    status = await queries.service_status(kamal.id)
    assert (status.remaining_days, status.remaining_bytes) == (30, mb_to_bytes(5 * 1024))


async def test_two_hundred_concurrent_confirmations_pay_a_deposit_and_open_the_line_once(
    pg, billing, clock
):
    dewi = await make_subscriber()
    await Deposits(clock).set_owed(dewi.id, 400_000, 100_000)
    order = await billing.orders.place_deposit_order(dewi.id, gateway="fakepay")
    assert (order.kind, order.plan, order.payable) == (OrderKind.DEPOSIT, None, 500_000)

    results = await asyncio.gather(
        *(
            billing.orders.confirm_payment(
                order.tracking_number, "fakepay", order.gateway_ref, 500_000
            )
            for _ in range(200)
        ),
        return_exceptions=True,
    )

    assert [r for r in results if isinstance(r, BaseException)] == []
    assert {r.status for r in results} == {OrderStatus.APPLIED}
    line = await Subscriber.get(id=dewi.id)
    assert (line.line_status, line.deposit_due, line.installation_fee_due) == (
        LineStatus.IN_OPERATION,
        0,
        0,
    )
    opened = await LineStatusChange.filter(subscriber_id=dewi.id, status=LineStatus.IN_OPERATION)
    assert len(opened) == 1
    assert await OutboxMessage.filter(kind="order_applied").count() == 1
    assert await assert_books_close(dewi.id) == 0
    # Paid: nothing is owed any more, so a second deposit order is refused.
    with pytest.raises(DomainError) as refused:
        await billing.orders.place_deposit_order(dewi.id, gateway="fakepay")
    assert refused.value.code == "no_deposit_due"


async def test_concurrent_orders_cannot_spend_the_same_wallet_credit(pg, billing):
    await make_plans()
    kamal = await make_subscriber()
    await billing.wallet.adjust(kamal.id, 545_000)

    orders = await asyncio.gather(
        *(
            billing.orders.place_order(kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay")
            for _ in range(10)
        )
    )

    covered = [o for o in orders if o.quote.wallet_used]
    assert len(covered) == 1
    assert (covered[0].status, covered[0].payable) == (OrderStatus.APPLIED, 0)
    assert all(
        o.payable == 545_000 and o.status == OrderStatus.PENDING
        for o in orders
        if o.quote.wallet_used == 0
    )
    assert await assert_books_close(kamal.id) == 0


async def test_concurrent_syncs_of_one_session_count_it_once(pg, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "std-1m")

    await asyncio.gather(
        *(
            billing.usage.record_session(kamal.id, "acct-1", clock.now(), None, 7 * BYTES_PER_MB, 0)
            for _ in range(20)
        )
    )

    assert await UsageSession.all().count() == 1
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5 * 1024 - 7)
