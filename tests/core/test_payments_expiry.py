"""Payment links expire; a late, foreign or unknown payment is never applied as quoted."""

from __future__ import annotations

from datetime import timedelta

from core.billing.enums import OrderKind, OrderStatus, WalletEntryKind
from core.billing.models import Order, Subscription, WalletEntry
from core.billing.reconcile import reconcile
from core.errors import NotFound
from core.inbox.models import OutboxMessage
from tests.core import test_billing_support as support
from tests.core.test_billing_support import error_of, make_plans, make_subscriber

billing = support.billing
gateway = support.gateway


async def test_a_payment_confirmed_after_the_link_expired_goes_to_the_wallet(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    clock.advance(timedelta(minutes=31))

    paid = await billing.orders.confirm_payment(
        order.tracking_number, "fakepay", order.gateway_ref, order.payable
    )

    assert paid.status == OrderStatus.PAID  # money received, order not applied
    assert await Subscription.filter(subscriber_id=kamal.id).count() == 0
    refund = await WalletEntry.get(order__tracking_number=order.tracking_number)
    assert (refund.kind, refund.amount) == (WalletEntryKind.REFUND, order.payable)
    notice = await OutboxMessage.get(kind="order_not_applied")
    assert notice.params["reason"] == "link_expired"
    # A repeat of the late confirmation refunds nothing more.
    await billing.orders.confirm_payment(
        order.tracking_number, "fakepay", order.gateway_ref, order.payable
    )
    assert await WalletEntry.filter(subscriber_id=kamal.id).count() == 1


async def test_a_payment_within_the_link_time_is_applied(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    clock.advance(timedelta(minutes=30))

    paid = await billing.orders.confirm_payment(
        order.tracking_number, "fakepay", order.gateway_ref, order.payable
    )

    assert paid.status == OrderStatus.APPLIED


async def test_a_payment_in_another_currency_is_refused_and_changes_nothing(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )

    error = await error_of(
        billing.orders.confirm_payment(
            order.tracking_number, "fakepay", order.gateway_ref, order.payable, currency="USD"
        )
    )

    assert error.code == "payment_currency_mismatch"
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    # The same currency, however it is written, is accepted.
    await billing.orders.confirm_payment(
        order.tracking_number, "fakepay", order.gateway_ref, order.payable, currency="irr"
    )
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED


async def test_a_payment_for_an_unknown_order_changes_nothing(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )

    error = await error_of(billing.orders.confirm_payment(999_999, "fakepay", "fakepay-9", 545_000))

    assert isinstance(error, NotFound)
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    assert await OutboxMessage.all().count() == 0


async def test_reconciling_expires_the_links_a_provider_cannot_be_asked_about(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    # The sandbox (and the tests' fakepay) cannot be asked: only the link's time decides.
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="sandbox"
    )
    clock.advance(timedelta(minutes=29))
    assert (await reconcile(billing.orders, billing.orders.gateways)).failed == 0
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING

    clock.advance(timedelta(minutes=2))
    report = await reconcile(billing.orders, billing.orders.gateways)

    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.FAILED
    assert (report.checked, report.failed) == (1, 1)
