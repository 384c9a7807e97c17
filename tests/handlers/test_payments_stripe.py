"""Stripe end to end: Checkout Sessions and signed webhook events, on a local server."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
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


async def test_an_event_whose_process_died_while_recording_it_is_recorded_when_redelivered(
    pay_services, pay_settings, providers, clock
):
    """The process was killed after claiming the event and before recording it: Stripe's next
    delivery is refused 503 while the dead process's claim lasts, then applied, once. Before,
    the event id was marked handled before the order was recorded, every later delivery was a
    "duplicate", and the paid order stayed pending (tests/faults found it with kill -9)."""
    settings = pay_settings.model_copy(update={"delivery_lease_seconds": 0.2})
    store = MemoryStateStore()
    app = init_app(bootstrap(settings, services=pay_services, store=store), manage_database=False)
    subscriber = await buyer(pay_settings, "USD")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)
    body, headers = providers.stripe.event(
        order.gateway_ref, int(clock.now().timestamp()), event_id="evt_killed_midway"
    )
    await store.claim("stripe:event:evt_killed_midway", 0.2)  # what the killed process left
    async with TestClient(TestServer(app)) as client:
        refused = await client.post(WEBHOOK, data=body, headers=headers)
        assert refused.status == 503
        await asyncio.sleep(0.25)
        delivered = await client.post(WEBHOOK, data=body, headers=headers)
        assert (delivered.status, await delivered.json()) == (200, {"status": "ok"})
        again = await client.post(WEBHOOK, data=body, headers=headers)
        assert await again.json() == {"status": "duplicate"}
    assert (await Order.get(tracking_number=order.tracking_number)).status == OrderStatus.APPLIED
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 1
