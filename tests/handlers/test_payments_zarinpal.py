"""ZarinPal end to end: our app, the real adapter, and a local server speaking ZarinPal's v4 API."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.payments.zarinpal import ZarinPalGateway
from core.billing.enums import OrderStatus
from core.billing.models import Order, Subscription
from core.billing.reconcile import Reconciler, reconcile
from core.inbox.models import OutboxMessage
from tests.handlers.payments_support import (
    app_client,
    buyer,
    path_of,
    place,
    provider_services,
)


async def test_the_order_starts_a_zarinpal_payment_for_its_own_amount(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)

    assert isinstance(pay_services.orders.gateways["zarinpal"], ZarinPalGateway)
    assert order.gateway == "zarinpal"
    assert order.pay_url == f"{providers.zarinpal.base_url}/pg/StartPay/{order.gateway_ref}"
    assert providers.zarinpal.payments[order.gateway_ref].amount == order.payable == 545_000
    callback = providers.zarinpal.payments[order.gateway_ref].callback_url
    assert callback == "http://bot.test/payments/zarinpal/callback"


async def test_paying_applies_the_order_once_and_a_repeated_callback_gets_101(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)
    callback = path_of(providers.zarinpal.pay(order.gateway_ref))

    first = await pay_client.get(callback)
    again = await pay_client.get(callback)

    assert first.status == again.status == 200
    assert 'data-result="paid"' in await first.text()
    assert 'data-result="paid"' in await again.text()
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1
    applied = await OutboxMessage.filter(kind="order_applied")
    assert len(applied) == 1
    payment = providers.zarinpal.payments[order.gateway_ref]
    assert applied[0].params["receipt"] == str(payment.ref_id)
    # The repeat was not even verified again: the order was applied already.
    assert providers.zarinpal.verify_calls == 1


async def test_a_verify_answering_101_applies_nothing_a_second_time(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)
    providers.zarinpal.pay(order.gateway_ref)
    gateway = pay_services.orders.gateways["zarinpal"]
    # Someone (another server of ours, a support tool) verified it already: ZarinPal says 101.
    first = await gateway.check(order.gateway_ref, order.payable, "IRR")
    second = await gateway.check(order.gateway_ref, order.payable, "IRR")
    assert (first.detail, second.detail) == ("code 100", "code 101")

    reconciler = Reconciler(pay_services.orders)
    await reconciler.record(order.tracking_number, second)
    await reconciler.record(order.tracking_number, second)

    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert await OutboxMessage.filter(kind="order_applied").count() == 1
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1


async def test_a_forged_ok_callback_for_an_unpaid_payment_applies_nothing(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)

    response = await pay_client.get(
        f"/payments/zarinpal/callback?Authority={order.gateway_ref}&Status=OK"
    )

    assert 'data-result="failed"' in await response.text()
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.FAILED
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 0


async def test_a_payment_of_another_amount_is_refused(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)
    # The bank took some other amount than our order's: ZarinPal's verify with ours says -50.
    providers.zarinpal.payments[order.gateway_ref].amount = 1_000
    callback = path_of(providers.zarinpal.pay(order.gateway_ref))

    response = await pay_client.get(callback)

    assert 'data-result="failed"' in await response.text()
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.FAILED
    assert await OutboxMessage.filter(kind="order_applied").count() == 0


async def test_a_callback_for_an_unknown_authority_changes_nothing(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)

    response = await pay_client.get("/payments/zarinpal/callback?Authority=A0000nothing&Status=OK")

    assert response.status == 404
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    assert providers.zarinpal.verify_calls == 0


async def test_twenty_concurrent_callbacks_on_postgres_apply_the_order_once(pg, providers, clock):
    from tests.handlers.payments_support import provider_settings

    settings = provider_settings(providers)
    services = provider_services(settings, clock)
    subscriber = await buyer(settings, "IRR")
    order = await place(services, subscriber)
    callback = path_of(providers.zarinpal.pay(order.gateway_ref))

    async with app_client(services, settings) as client:
        responses = await asyncio.gather(*(client.get(callback) for _ in range(20)))
        texts = await asyncio.gather(*(r.text() for r in responses))

    assert {r.status for r in responses} == {200}
    assert all('data-result="paid"' in text for text in texts)
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1
    assert await OutboxMessage.filter(kind="order_applied").count() == 1


async def test_reconciling_applies_a_paid_order_whose_callback_never_came(
    pay_services, pay_settings, providers, clock
):
    subscriber = await buyer(pay_settings, "IRR")
    order = await place(pay_services, subscriber)
    waiting = await place(pay_services, subscriber)
    providers.zarinpal.pay(order.gateway_ref)  # paid at the bank; the browser never came back

    # Too young: a payer may still be on the bank's page; only the unverified list names it.
    report = await reconcile(pay_services.orders, pay_services.orders.gateways)

    assert (report.applied, report.failed) == (1, 0)
    order = await Order.get(tracking_number=order.tracking_number)
    waiting = await Order.get(tracking_number=waiting.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert waiting.status == OrderStatus.PENDING
    assert await OutboxMessage.filter(kind="order_applied").count() == 1

    clock.advance(timedelta(minutes=31))
    later = await reconcile(pay_services.orders, pay_services.orders.gateways)

    waiting = await Order.get(tracking_number=waiting.tracking_number)
    assert waiting.status == OrderStatus.FAILED  # never paid, and its link ran out
    assert (later.applied, later.failed) == (0, 1)
    assert await OutboxMessage.filter(kind="order_applied").count() == 1
