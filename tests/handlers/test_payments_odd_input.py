"""Unauthenticated input the payment routes must refuse with a 4xx, never a 500, and without
a query: NUL and over-long ids, lone surrogates, a Stripe timestamp too large for a float.
On PostgreSQL, where a NUL or a lone surrogate in a query parameter is an error (issue 19)."""

from __future__ import annotations

import json

import pytest
from yarl import URL

from bot.payments.midtrans import signature
from core.billing.enums import OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage
from tests.handlers.payments_support import (
    app_client,
    buyer,
    place,
    provider_services,
    provider_settings,
)

RETURN_PATHS = [
    ("/payments/zarinpal/callback", "Authority", "IRR"),
    ("/payments/stripe/return", "session_id", "USD"),
    ("/payments/midtrans/finish", "order_id", "IDR"),
]
# As they arrive in the query string, percent-encoded.
ODD_IDS = ["%00", "A%00B", "A" * 300, "%ED%A0%80", "%FF%FE", "a%20b", "%E2%80%AE123"]


@pytest.fixture
async def pg_pay(pg, providers, clock):
    settings = provider_settings(providers)
    services = provider_services(settings, clock)
    async with app_client(services, settings) as client:
        yield settings, services, client


async def unchanged(tracking_number: int) -> None:
    order = await Order.get(tracking_number=tracking_number)
    assert order.status == OrderStatus.PENDING
    assert await OutboxMessage.filter(kind="order_applied").count() == 0


@pytest.mark.parametrize(("path", "name", "currency"), RETURN_PATHS)
async def test_an_odd_id_on_a_return_page_is_a_404_and_changes_nothing(
    pg_pay, providers, path, name, currency
):
    settings, services, client = pg_pay
    order = await place(services, await buyer(settings, currency))
    for odd in ODD_IDS:
        response = await client.get(URL(f"{path}?{name}={odd}&Status=OK", encoded=True))
        assert response.status == 404, (odd, await response.text())
        assert 'data-result="invalid"' in await response.text()
    await unchanged(order.tracking_number)
    assert providers.zarinpal.verify_calls == 0


async def test_a_stripe_timestamp_of_400_digits_is_a_bad_signature(pg_pay, providers):
    settings, services, client = pg_pay
    order = await place(services, await buyer(settings, "USD"))
    providers.stripe.complete(order.gateway_ref)
    body, headers = providers.stripe.event(order.gateway_ref, 1)
    v1 = headers["Stripe-Signature"].split(",v1=")[1]
    for timestamp in ("9" * 400, "-" + "9" * 400, "1e400", "٣٣٣"):
        signed = {"Stripe-Signature": f"t={timestamp},v1={v1}"}
        response = await client.post("/payments/stripe/webhook", data=body, headers=signed)
        assert response.status == 400, timestamp
    await unchanged(order.tracking_number)


async def test_a_midtrans_notification_with_a_lone_surrogate_is_refused(pg_pay, providers):
    settings, services, client = pg_pay
    order = await place(services, await buyer(settings, "IDR", "id"))
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    signed = providers.midtrans.notification(order.gateway_ref)
    for odd in ("\ud800", order.gateway_ref + "\udfff", "\x00", "A" * 300):
        forged = {**signed, "order_id": odd}
        forged["signature_key"] = signature(
            odd.encode("utf-8", "replace").decode(), "200", signed["gross_amount"], "x"
        )
        # json.dumps writes the surrogate as \ud800, as a probe would.
        body = json.dumps(forged).encode()
        response = await client.post(
            "/payments/midtrans/notification",
            data=body,
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 403, (odd, await response.text())
    await unchanged(order.tracking_number)
