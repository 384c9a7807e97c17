"""Midtrans end to end: Snap, signed HTTP notifications, and the status API, on a local server."""

from __future__ import annotations

from core.billing.enums import OrderStatus
from core.billing.models import Order, Subscription
from core.inbox.models import OutboxMessage
from tests.handlers.payments_support import (
    buyer,
    place,
)

NOTIFY = "/payments/midtrans/notification"


async def test_the_order_opens_a_snap_transaction_for_its_own_amount(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)

    assert order.gateway == "midtrans"
    assert order.gateway_ref.startswith(f"{order.tracking_number}-")
    assert order.pay_url.startswith(f"{providers.midtrans.base_url}/snap/")
    tx = providers.midtrans.transactions[order.gateway_ref]
    assert tx.gross_amount == order.payable == 163_500
    assert tx.finish_url == "http://bot.test/payments/midtrans/finish"


async def test_a_settled_payment_is_applied_once_however_often_midtrans_notifies(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    notification = providers.midtrans.notification(order.gateway_ref)

    responses = [await pay_client.post(NOTIFY, json=notification) for _ in range(5)]

    assert {r.status for r in responses} == {200}
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1
    applied = await OutboxMessage.filter(kind="order_applied")
    assert len(applied) == 1
    tx = providers.midtrans.transactions[order.gateway_ref]
    assert applied[0].params["receipt"] == tx.transaction_id


async def test_a_notification_with_a_forged_signature_is_refused_unread(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    forged = providers.midtrans.notification(order.gateway_ref, server_key="SB-Mid-server-guess")
    tampered = providers.midtrans.notification(order.gateway_ref)
    tampered["gross_amount"] = "1000.00"

    first = await pay_client.post(NOTIFY, json=forged)
    second = await pay_client.post(NOTIFY, json=tampered)

    assert (first.status, second.status) == (403, 403)
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    assert providers.midtrans.status_calls == 0


async def test_a_signed_notification_is_still_checked_with_the_status_api(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    settled = providers.midtrans.notification(order.gateway_ref)
    # By the time it arrives (a replay of an old one), Midtrans says the payment was denied.
    providers.midtrans.set_status(order.gateway_ref, "deny")

    response = await pay_client.post(NOTIFY, json=settled)

    assert response.status == 200
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.FAILED
    assert await OutboxMessage.filter(kind="order_applied").count() == 0


async def test_a_capture_the_fraud_check_challenges_waits(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "capture", fraud_status="challenge")

    await pay_client.post(NOTIFY, json=providers.midtrans.notification(order.gateway_ref))

    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    providers.midtrans.set_status(order.gateway_ref, "capture", fraud_status="accept")
    await pay_client.post(NOTIFY, json=providers.midtrans.notification(order.gateway_ref))
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED


async def test_an_expired_transaction_fails_the_order(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "expire")

    response = await pay_client.post(
        NOTIFY, json=providers.midtrans.notification(order.gateway_ref)
    )

    assert response.status == 200
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.FAILED


async def test_the_finish_page_says_paid_in_the_subscribers_language(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")

    page = await pay_client.get(
        f"/payments/midtrans/finish?order_id={order.gateway_ref}"
        "&status_code=200&transaction_status=settlement"
    )

    body = await page.text()
    assert page.status == 200
    assert 'lang="id"' in body and 'data-result="paid"' in body
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED


async def test_a_notification_for_an_unknown_order_changes_nothing(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    # Midtrans knows a payment under an order id that is none of ours.
    providers.midtrans.transactions["999999-stray"] = providers.midtrans.transactions[
        order.gateway_ref
    ]
    stray = providers.midtrans.notification("999999-stray")

    response = await pay_client.post(NOTIFY, json=stray)

    assert response.status == 200
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
