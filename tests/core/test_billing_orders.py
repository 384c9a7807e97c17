"""Orders: pre-invoice, payment link, tracking number, and a paid order applied exactly once."""

from __future__ import annotations

from datetime import timedelta

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.billing.enums import (
    BucketKind,
    OrderKind,
    OrderStatus,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.gateways.sandbox import SandboxGateway
from core.billing.models import Bill, Order, Subscription, TrafficBucket, WalletEntry
from core.billing.periods import add_months
from core.billing.units import mb_to_bytes
from core.inbox.models import OutboxMessage
from core.ports import PaymentRequest
from tests.core import test_billing_support as support
from tests.core.test_billing_support import (
    SANDBOX_BASE,
    assert_books_close,
    error_of,
    make_plans,
    make_subscriber,
    pay,
    seed_year_service,
)
from tests.fakes import RecordingGateway

billing = support.billing
gateway = support.gateway
queries = support.queries


async def snapshot(subscriber_id: int) -> tuple:
    """Everything an order can write, to show that something wrote nothing (more)."""
    return (
        await Subscription.filter(subscriber_id=subscriber_id).count(),
        await TrafficBucket.filter(subscriber_id=subscriber_id).count(),
        await Bill.filter(subscriber_id=subscriber_id).count(),
        await WalletEntry.filter(subscriber_id=subscriber_id).count(),
        await OutboxMessage.filter(subscriber_id=subscriber_id).count(),
        await Subscriber.filter(id=subscriber_id).values_list("static_ip", "static_ip_until"),
    )


# -- the seed's change of service --------------------------------------------------------------


async def test_seed_change_of_service_is_quoted_6_791_233_and_applied_when_paid(
    db, billing, gateway, clock
):
    await make_plans()
    kamal = await make_subscriber()
    old = await seed_year_service(billing, kamal, clock.now())

    quote = await billing.orders.quote(kamal.id, OrderKind.CHANGE_SERVICE, "year-8m")
    assert (quote.subtotal, quote.vat, quote.subscription_fee) == (8_000_000, 720_000, 0)
    assert (quote.proration_credit, quote.wallet_used) == (1_928_767, 0)
    assert quote.payable == 6_791_233
    assert type(quote.payable) is int

    order = await billing.orders.place_order(
        kamal.id, OrderKind.CHANGE_SERVICE, "year-8m", gateway="fakepay"
    )
    assert order.status == OrderStatus.PENDING
    assert 100_000 <= order.tracking_number <= 999_999
    assert order.payable == 6_791_233
    assert order.pay_url == "https://pay.invalid/fakepay-1"
    assert gateway.requests == [
        PaymentRequest(
            tracking_number=order.tracking_number,
            amount=6_791_233,
            currency="IRR",
            description=f"change_service year-8m #{order.tracking_number}",
            subscriber_id=kamal.id,
        )
    ]
    # Nothing happens before the payment.
    old = await Subscription.get(id=old.id)
    assert old.status == SubscriptionStatus.ACTIVE

    applied = await pay(billing, order)
    assert applied.status == OrderStatus.APPLIED
    assert applied.paid_at == applied.applied_at == clock.now()

    old = await Subscription.get(id=old.id)
    assert (old.status, old.ends_at) == (SubscriptionStatus.REPLACED, clock.now())
    new = await Subscription.get(order__tracking_number=order.tracking_number).select_related(
        "plan"
    )
    assert (new.plan.code, new.status, new.starts_at) == (
        "year-8m",
        SubscriptionStatus.ACTIVE,
        clock.now(),
    )
    assert new.ends_at == clock.now() + timedelta(days=365)
    # The old plan's traffic ends with it.
    old_buckets = await TrafficBucket.filter(subscription_id=old.id)
    assert old_buckets and all(b.valid_until == clock.now() for b in old_buckets)
    bill = await Bill.get(order__tracking_number=order.tracking_number)
    assert (bill.amount, bill.days, bill.note) == (8_720_000, 365, "change_service")
    assert await assert_books_close(kamal.id) == 0


async def test_a_cheaper_new_service_pays_nothing_and_credits_the_wallet(
    db, billing, gateway, clock
):
    await make_plans()
    kamal = await make_subscriber()
    await seed_year_service(billing, kamal, clock.now())

    order = await billing.orders.place_order(kamal.id, OrderKind.CHANGE_SERVICE, "year-1m")

    assert gateway.requests == []  # no payment link for nothing to pay
    assert (order.status, order.payable) == (OrderStatus.APPLIED, 0)
    assert order.quote.wallet_credit == 1_928_767 - 1_090_000 == 838_767
    [entry] = await WalletEntry.filter(subscriber_id=kamal.id)
    assert (entry.amount, entry.kind, entry.order_id) == (  # type: ignore[attr-defined]
        838_767,
        WalletEntryKind.PRORATION_CREDIT,
        (await Order.get(tracking_number=order.tracking_number)).id,
    )
    assert await assert_books_close(kamal.id) == 838_767

    # The credit is spent on the next purchase: a 30-day service at 545,000 with VAT.
    renew = await billing.orders.place_order(kamal.id, OrderKind.RENEW_SERVICE, "std-1m")
    assert (renew.status, renew.quote.wallet_used, renew.payable) == (
        OrderStatus.APPLIED,
        545_000,
        0,
    )
    assert await assert_books_close(kamal.id) == 838_767 - 545_000


async def test_the_wallet_pays_part_and_the_gateway_the_rest(db, billing, gateway, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.wallet.adjust(kamal.id, 200_000, "goodwill")

    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    assert (order.quote.wallet_used, order.payable) == (200_000, 345_000)
    # Held, not yet spent: the balance moves only when the order is applied.
    assert await billing.queries.wallet_balance(kamal.id) == 200_000
    # A second order cannot count on the same credit.
    second = await billing.orders.quote(kamal.id, OrderKind.BUY_SERVICE, "std-1m")
    assert (second.wallet_used, second.payable) == (0, 545_000)

    await pay(billing, order)
    assert await assert_books_close(kamal.id) == 0
    kinds = await WalletEntry.filter(subscriber_id=kamal.id).values_list("kind", "amount")
    assert sorted(kinds) == [
        (WalletEntryKind.ADJUSTMENT, 200_000),
        (WalletEntryKind.ORDER_PAYMENT, -200_000),
    ]


# -- each kind of order ----------------------------------------------------------------------


async def test_buying_a_service_starts_it_now_and_a_renewal_is_reserved_after_it(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber(line_status=LineStatus.IN_COLLECTION_LIST)

    first = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
        ),
    )
    sub = await Subscription.get(order__tracking_number=first.tracking_number)
    assert (sub.status, sub.starts_at, sub.ends_at) == (
        SubscriptionStatus.ACTIVE,
        clock.now(),
        clock.now() + timedelta(days=30),
    )
    await kamal.refresh_from_db()
    assert kamal.line_status == LineStatus.IN_OPERATION  # a purchase reopens the line

    renewal = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.RENEW_SERVICE, "std-1m", gateway="fakepay"
        ),
    )
    ahead = await Subscription.get(order__tracking_number=renewal.tracking_number)
    assert (ahead.status, ahead.starts_at) == (SubscriptionStatus.RESERVED, sub.ends_at)

    status = await queries.service_status(kamal.id)
    assert status.plan.code == "std-1m"
    assert (status.remaining_days, status.remaining_bytes) == (30, mb_to_bytes(5 * 1024))
    assert status.reserve_plan.code == "std-1m"
    assert status.reserve_starts_at == sub.ends_at
    assert status.reserve_bytes == mb_to_bytes(5 * 1024)
    assert await assert_books_close(kamal.id) == 0


async def test_buying_traffic_adds_the_volume_with_its_bonus_until_the_service_ends(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    sub = await billing.subscriptions.grant_service(kamal.id, "std-1m")

    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_TRAFFIC, "gb-5", gateway="fakepay"
    )
    assert (order.quote.subtotal, order.quote.vat, order.payable) == (100_000, 9_000, 109_000)
    await pay(billing, order)

    bucket = await TrafficBucket.get(order__tracking_number=order.tracking_number)
    assert bucket.kind == BucketKind.EXTRA
    assert bucket.total_bytes == mb_to_bytes(5632)  # 5120 MB + 10 %
    assert bucket.valid_until == sub.ends_at
    status = await queries.service_status(kamal.id)
    assert status.remaining_bytes == mb_to_bytes(5120 + 5632)
    assert str(status.remaining_gb) == "10.50"


async def test_timed_traffic_is_valid_only_for_its_days(db, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(kamal.id, "std-1m")

    order = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.BUY_TIMED_TRAFFIC, "night-10", gateway="fakepay"
        ),
    )

    bucket = await TrafficBucket.get(order__tracking_number=order.tracking_number)
    assert (bucket.kind, bucket.total_bytes) == (BucketKind.TIMED, mb_to_bytes(10 * 1024))
    assert bucket.valid_until == clock.now() + timedelta(days=7)
    assert (await queries.service_status(kamal.id)).remaining_bytes == mb_to_bytes(15 * 1024)
    clock.advance(timedelta(days=7))
    assert (await queries.service_status(kamal.id)).remaining_bytes == mb_to_bytes(5 * 1024)


async def test_traffic_needs_a_service_and_is_not_sold_for_an_unlimited_one(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    error = await error_of(billing.orders.quote(kamal.id, OrderKind.BUY_TRAFFIC, "gb-5"))
    assert error.code == "no_active_service"
    await billing.subscriptions.grant_service(kamal.id, "unlimited")
    error = await error_of(
        billing.orders.place_order(kamal.id, OrderKind.BUY_TIMED_TRAFFIC, "night-10")
    )
    assert error.code == "service_unlimited"
    assert await Order.all().count() == 0


async def test_static_ip_is_renewed_for_n_months_and_extends_from_its_end(
    db, billing, queries, settings, clock
):
    await make_plans()
    kamal = await make_subscriber()

    quote = await billing.orders.quote(kamal.id, OrderKind.STATIC_IP, "static-ip", months=3)
    assert (quote.subtotal, quote.vat, quote.payable) == (150_000, 13_500, 163_500)
    order = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.STATIC_IP, "static-ip", months=3, gateway="fakepay"
        ),
    )
    assert order.months == 3

    await kamal.refresh_from_db()
    first_until = add_months(clock.now(), 3, settings.zone)
    assert kamal.static_ip == "198.51.100.10"
    assert kamal.static_ip_until == first_until == clock.now().replace(month=2, year=2027)

    await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.STATIC_IP, "static-ip", months=2, gateway="fakepay"
        ),
    )
    await kamal.refresh_from_db()
    assert kamal.static_ip == "198.51.100.10"  # the same address, longer
    assert kamal.static_ip_until == add_months(first_until, 2, settings.zone)
    status = await queries.service_status(kamal.id)
    assert (status.static_ip, status.static_ip_until) == (kamal.static_ip, kamal.static_ip_until)

    other = await make_subscriber("3132239701")
    await pay(
        billing,
        await billing.orders.place_order(
            other.id, OrderKind.STATIC_IP, "static-ip", gateway="fakepay"
        ),
    )
    await other.refresh_from_db()
    assert other.static_ip == "198.51.100.11"  # never one already taken
    assert await assert_books_close(kamal.id) == 0


async def test_months_are_checked_per_kind(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    for kind, code, months in [
        (OrderKind.STATIC_IP, "static-ip", 0),
        (OrderKind.STATIC_IP, "static-ip", 13),
        (OrderKind.BUY_SERVICE, "std-1m", 2),
        (OrderKind.STATIC_IP, "static-ip", True),
    ]:
        error = await error_of(billing.orders.quote(kamal.id, kind, code, months=months))
        assert error.code == "invalid_months", (kind, months)


async def test_orders_are_refused_with_codes(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    cases = [
        ((kamal.id, OrderKind.BUY_SERVICE, "nope"), "plan_not_found"),
        ((kamal.id, OrderKind.BUY_SERVICE, "gb-5"), "plan_kind_mismatch"),
        ((kamal.id, OrderKind.CHANGE_SERVICE, "year-8m"), "no_active_service"),
        ((999_999, OrderKind.BUY_SERVICE, "std-1m"), "subscriber_not_found"),
    ]
    for args, code in cases:
        assert (await error_of(billing.orders.quote(*args))).code == code
    error = await error_of(
        billing.orders.place_order(kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="x")
    )
    assert (error.code, error.details) == ("unknown_gateway", {"gateway": "x"})

    await billing.subscriptions.grant_service(kamal.id, "std-1m")
    assert (
        await error_of(billing.orders.quote(kamal.id, OrderKind.CHANGE_SERVICE, "std-1m"))
    ).code == ("plan_unchanged")
    await support.Plan.filter(code="year-8m").update(active=False)
    assert (
        await error_of(billing.orders.quote(kamal.id, OrderKind.BUY_SERVICE, "year-8m"))
    ).code == ("plan_not_available")
    await Subscriber.filter(id=kamal.id).update(line_status=LineStatus.CLOSED)
    assert (
        await error_of(billing.orders.quote(kamal.id, OrderKind.BUY_SERVICE, "std-1m"))
    ).code == ("line_closed")
    assert await Order.all().count() == 0


# -- paying exactly once ---------------------------------------------------------------------


async def test_a_second_confirmation_is_a_no_op_with_the_same_result(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )

    first = await pay(billing, order)
    after_first = await snapshot(kamal.id)
    clock.advance(timedelta(minutes=5))
    second = await pay(billing, order)

    assert await snapshot(kamal.id) == after_first
    assert (second.status, second.applied_at, second.paid_at) == (
        first.status,
        first.applied_at,
        first.paid_at,
    )
    assert second.tracking_number == first.tracking_number and second.status == OrderStatus.APPLIED
    [message] = await OutboxMessage.filter(subscriber_id=kamal.id)
    assert message.kind == "order_applied"
    assert message.dedup_key == f"order_applied:{order.tracking_number}"
    assert message.params == {
        "tracking_number": order.tracking_number,
        "kind": "buy_service",
        "plan_code": "std-1m",
        "currency": "IRR",
        "payable": 545_000,
        "provider_ref": "fakepay-1",
    }
    assert message.sent_at is None


async def test_a_confirmation_must_name_the_orders_gateway_and_amount(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    before = await snapshot(kamal.id)

    cases = [
        ((order.tracking_number, "sandbox", "fakepay-1", 545_000), "payment_provider_mismatch"),
        ((order.tracking_number, "fakepay", "fakepay-2", 545_000), "payment_reference_mismatch"),
        ((order.tracking_number, "fakepay", "fakepay-1", 545_001), "payment_amount_mismatch"),
        ((order.tracking_number, "fakepay", "fakepay-1", 545_000.0), "payment_amount_mismatch"),
        ((order.tracking_number + 1, "fakepay", "fakepay-1", 545_000), "order_not_found"),
    ]
    for args, code in cases:
        assert (await error_of(billing.orders.confirm_payment(*args))).code == code
    assert await snapshot(kamal.id) == before
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING


async def test_a_failed_payment_leaves_nothing_applied_and_releases_the_wallet(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    await billing.wallet.adjust(kamal.id, 100_000)
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    assert order.quote.wallet_used == 100_000
    before = await snapshot(kamal.id)

    failed = await billing.orders.fail_payment(order.tracking_number, "bank declined")

    assert failed.status == OrderStatus.FAILED
    assert await snapshot(kamal.id) == before
    assert await billing.queries.wallet_balance(kamal.id) == 100_000
    # The hold is gone: a new order may use the credit again.
    assert (
        await billing.orders.quote(kamal.id, OrderKind.BUY_SERVICE, "std-1m")
    ).wallet_used == 100_000
    assert (await error_of(billing.orders.fail_payment(1, "x"))).code == "order_not_found"


async def test_a_cancelled_order_leaves_nothing_applied(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    before = await snapshot(kamal.id)

    cancelled = await billing.orders.cancel_order(kamal.id, order.tracking_number)
    again = await billing.orders.cancel_order(kamal.id, order.tracking_number)

    assert cancelled.status == again.status == OrderStatus.CANCELLED
    assert await snapshot(kamal.id) == before
    other = await make_subscriber("3132239701")
    assert (await error_of(billing.orders.cancel_order(other.id, order.tracking_number))).code == (
        "order_not_found"
    )


async def test_an_applied_order_can_be_neither_cancelled_nor_failed(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
        ),
    )

    error = await error_of(billing.orders.cancel_order(kamal.id, order.tracking_number))
    assert (error.code, error.details["status"]) == ("order_not_cancellable", "applied")
    assert (
        await billing.orders.fail_payment(order.tracking_number, "late")
    ).status == OrderStatus.APPLIED


async def test_a_late_payment_after_a_failed_link_is_still_applied_once(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    await billing.orders.fail_payment(order.tracking_number, "timeout")

    applied = await pay(billing, order)

    assert applied.status == OrderStatus.APPLIED
    assert await Subscription.filter(order__tracking_number=order.tracking_number).count() == 1


async def test_a_paid_order_whose_wallet_credit_is_gone_is_refunded_not_half_applied(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    await billing.wallet.adjust(kamal.id, 100_000)
    order = await billing.orders.place_order(
        kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
    )
    await billing.orders.fail_payment(order.tracking_number, "timeout")
    await billing.wallet.adjust(kamal.id, -100_000, "spent elsewhere")

    paid = await pay(billing, order)

    assert paid.status == OrderStatus.PAID
    assert await Subscription.filter(subscriber_id=kamal.id).count() == 0
    assert await Bill.filter(subscriber_id=kamal.id).count() == 0
    refund = await WalletEntry.get(order__tracking_number=order.tracking_number)
    assert (refund.kind, refund.amount) == (WalletEntryKind.REFUND, 445_000)
    [message] = await OutboxMessage.filter(subscriber_id=kamal.id)
    assert (message.kind, message.params["reason"]) == ("order_not_applied", "wallet_insufficient")
    assert await assert_books_close(kamal.id) == 445_000
    # And a repeat of the confirmation refunds nothing twice.
    await pay(billing, order)
    assert await assert_books_close(kamal.id) == 445_000


async def test_a_payment_that_cannot_start_fails_the_order(db, settings, clock):
    await make_plans()
    kamal = await make_subscriber()
    broken = RecordingGateway("fakepay", error=RuntimeError("bank down"))
    billing = support.billing_services(settings, clock, {"fakepay": broken})

    error = await error_of(
        billing.orders.place_order(kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay")
    )

    assert error.code == "payment_start_failed"
    order = await Order.get(tracking_number=error.details["tracking_number"])
    assert order.status == OrderStatus.FAILED
    assert await Subscription.filter(subscriber_id=kamal.id).count() == 0


async def test_tracking_numbers_are_six_digits_and_unique(db, billing):
    await make_plans()
    kamal = await make_subscriber()
    orders = [
        await billing.orders.place_order(
            kamal.id, OrderKind.BUY_SERVICE, "std-1m", gateway="fakepay"
        )
        for _ in range(20)
    ]
    numbers = [o.tracking_number for o in orders]
    assert len(set(numbers)) == 20
    assert all(type(n) is int and 100_000 <= n <= 999_999 for n in numbers)


# -- the sandbox gateway ---------------------------------------------------------------------


async def test_sandbox_start_returns_a_local_pay_link():
    sandbox = SandboxGateway(SANDBOX_BASE + "/")
    request = PaymentRequest(469627, 6_791_233, "IRR", "change_service", 1)

    started = await sandbox.start(request)

    assert started.provider == "sandbox"
    assert started.reference
    assert started.pay_url == f"{SANDBOX_BASE}/payments/sandbox/pay/{started.reference}"
    assert (await sandbox.start(request)).reference != started.reference


async def test_a_sandbox_order_is_found_by_its_reference_and_paid_through_it(db, billing, queries):
    await make_plans()
    kamal = await make_subscriber()
    order = await billing.orders.place_order(kamal.id, OrderKind.BUY_SERVICE, "std-1m")

    assert order.gateway == "sandbox"
    assert order.pay_url == f"{SANDBOX_BASE}/payments/sandbox/pay/{order.gateway_ref}"
    view = await queries.order_by_gateway_ref("sandbox", order.gateway_ref)
    assert (view.tracking_number, view.payable, view.status) == (
        order.tracking_number,
        545_000,
        OrderStatus.PENDING,
    )
    await billing.orders.confirm_payment(
        view.tracking_number, "sandbox", order.gateway_ref, view.payable
    )
    view = await queries.order_by_tracking(order.tracking_number)
    assert view.status == OrderStatus.APPLIED
    assert view.quote.balances()
    [listed] = await queries.orders(kamal.id)
    assert listed == view


async def test_sandbox_refuses_a_non_http_base_and_a_zero_amount():
    import pytest

    with pytest.raises(ValueError):
        SandboxGateway("ftp://x")
    with pytest.raises(ValueError):
        await SandboxGateway(SANDBOX_BASE).start(PaymentRequest(1, 0, "IRR", "", 1))


async def test_services_bought_by_an_admin_and_online_are_told_apart(db, billing, queries, clock):
    await make_plans()
    kamal = await make_subscriber()
    await billing.subscriptions.grant_service(
        kamal.id, "std-1m", source=SubscriptionSource.SALES_AGENT
    )
    await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.RENEW_SERVICE, "std-1m", gateway="fakepay"
        ),
    )
    history = await queries.service_history(kamal.id)
    assert [(h.source, h.tracking_number is None) for h in history] == [
        (SubscriptionSource.ONLINE, False),
        (SubscriptionSource.SALES_AGENT, True),
    ]


async def test_a_change_of_service_moves_the_services_bought_ahead_after_the_new_one(
    db, billing, queries, clock
):
    await make_plans()
    kamal = await make_subscriber()
    await seed_year_service(billing, kamal, clock.now())
    ahead = await billing.subscriptions.grant_service(
        kamal.id, "std-1m", source=SubscriptionSource.ONLINE
    )
    assert ahead.status == SubscriptionStatus.RESERVED

    order = await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.CHANGE_SERVICE, "year-8m", gateway="fakepay"
        ),
    )

    new = await Subscription.get(order__tracking_number=order.tracking_number)
    ahead = await Subscription.get(id=ahead.id)
    assert (ahead.starts_at, ahead.ends_at) == (new.ends_at, new.ends_at + timedelta(days=30))
    bucket = await TrafficBucket.get(subscription_id=ahead.id)
    assert (bucket.valid_from, bucket.valid_until) == (ahead.starts_at, ahead.ends_at)
    status = await queries.service_status(kamal.id)
    assert (status.plan.code, status.reserve_plan.code) == ("year-8m", "std-1m")
    assert status.remaining_bytes == mb_to_bytes(200 * 1024)
    assert status.reserve_bytes == mb_to_bytes(5 * 1024)


async def test_a_change_of_service_paid_after_the_service_changed_is_refunded(db, billing, clock):
    await make_plans()
    kamal = await make_subscriber()
    await seed_year_service(billing, kamal, clock.now())
    late = await billing.orders.place_order(
        kamal.id, OrderKind.CHANGE_SERVICE, "year-8m", gateway="fakepay"
    )
    await billing.orders.fail_payment(late.tracking_number, "timeout")
    clock.advance(timedelta(minutes=1))
    # Meanwhile another change of service went through.
    await pay(
        billing,
        await billing.orders.place_order(
            kamal.id, OrderKind.CHANGE_SERVICE, "unlimited", gateway="fakepay"
        ),
    )
    before = await Subscription.filter(subscriber_id=kamal.id).count()

    paid = await pay(billing, late)

    assert paid.status == OrderStatus.PAID
    assert await Subscription.filter(subscriber_id=kamal.id).count() == before
    refund = await WalletEntry.get(order__tracking_number=late.tracking_number)
    assert (refund.kind, refund.amount, refund.note) == (
        WalletEntryKind.REFUND,
        6_791_233,
        "service_changed",
    )
    assert await assert_books_close(kamal.id) == 6_791_233
