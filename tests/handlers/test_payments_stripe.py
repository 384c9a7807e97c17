"""Stripe end to end: Checkout Sessions and signed webhook events, on a local server."""

from __future__ import annotations

from core.billing.enums import OrderStatus
from core.billing.models import Order, Subscription
from core.inbox.models import OutboxMessage
from tests.handlers.payments_support import (
    buyer,
    place,
)

WEBHOOK = "/payments/stripe/webhook"


async def test_the_order_opens_a_checkout_session_for_its_own_amount(
    pay_services, pay_settings, providers, clock
):
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)

    assert order.gateway == "stripe"
    session = providers.stripe.sessions[order.gateway_ref]
    assert order.pay_url == session["url"]
    assert (session["amount_total"], session["currency"]) == (order.payable, "usd")
    assert session["client_reference_id"] == str(order.tracking_number)
    # The link lasts the setting's 30 minutes (Stripe's shortest).
    assert session["expires_at"] == int(clock.now().timestamp()) + 30 * 60
    assert session["success_url"].startswith("http://bot.test/payments/stripe/return?")


async def test_a_completed_session_is_applied_once_and_a_redelivered_event_is_dropped(
    pay_client, pay_services, pay_settings, providers, clock
):
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)
    body, headers = providers.stripe.event(order.gateway_ref, int(clock.now().timestamp()))

    first = await pay_client.post(WEBHOOK, data=body, headers=headers)
    again = await pay_client.post(WEBHOOK, data=body, headers=headers)

    assert (first.status, again.status) == (200, 200)
    assert (await first.json(), await again.json()) == ({"status": "ok"}, {"status": "duplicate"})
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    applied = await OutboxMessage.filter(kind="order_applied")
    assert len(applied) == 1
    assert (
        applied[0].params["receipt"]
        == providers.stripe.sessions[order.gateway_ref]["payment_intent"]
    )
    # Another event for the same payment (Stripe sends several) applies nothing more.
    other, headers = providers.stripe.event(order.gateway_ref, int(clock.now().timestamp()))
    assert (await pay_client.post(WEBHOOK, data=other, headers=headers)).status == 200
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1


async def test_an_event_with_a_forged_or_stale_signature_is_refused(
    pay_client, pay_services, pay_settings, providers, clock
):
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)
    now = int(clock.now().timestamp())
    forged = providers.stripe.event(order.gateway_ref, now, secret="whsec_guess")
    stale = providers.stripe.event(order.gateway_ref, now - 301)
    unsigned_body, _ = providers.stripe.event(order.gateway_ref, now)

    for body, headers in (forged, stale, (unsigned_body, {})):
        response = await pay_client.post(WEBHOOK, data=body, headers=headers)
        assert response.status == 400

    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    # Within the tolerance it is accepted.
    body, headers = providers.stripe.event(order.gateway_ref, now - 299)
    assert (await pay_client.post(WEBHOOK, data=body, headers=headers)).status == 200
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED


async def test_a_session_paid_for_another_amount_or_currency_is_refused(
    pay_client, pay_services, pay_settings, providers, clock
):
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)
    now = int(clock.now().timestamp())
    session = providers.stripe.sessions[order.gateway_ref]

    session["amount_total"] = 1
    cheaper = providers.stripe.event(order.gateway_ref, now)
    session["amount_total"], session["currency"] = order.payable, "eur"
    euros = providers.stripe.event(order.gateway_ref, now)

    for body, headers in (cheaper, euros):
        response = await pay_client.post(WEBHOOK, data=body, headers=headers)
        assert await response.json() == {"status": "refused"}

    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.PENDING
    assert await OutboxMessage.filter(kind="order_applied").count() == 0


async def test_the_return_page_asks_stripe_and_says_paid(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)

    page = await pay_client.get(f"/payments/stripe/return?session_id={order.gateway_ref}")

    assert 'data-result="paid"' in await page.text()
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
