"""A wallet top-up paid through the real providers' callbacks: credited once however often they
call or however many at once, with its receipt in the "applied" notice."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from core.billing.enums import OrderKind, OrderStatus, WalletEntryKind
from core.billing.models import Order, WalletEntry
from core.inbox.models import OutboxMessage
from tests.dialogs.conftest import make_subscriber
from tests.handlers.payments_support import app_client, path_of, provider_services

NOTIFY = "/payments/midtrans/notification"


async def assert_credited_once(subscriber_id: int, tracking_number: int, amount: int) -> None:
    order = await Order.get(tracking_number=tracking_number)
    assert (order.kind, order.status, order.vat) == (
        OrderKind.WALLET_TOPUP,
        OrderStatus.APPLIED,
        0,
    )
    entries = await WalletEntry.filter(subscriber_id=subscriber_id)
    assert [(e.kind, e.amount) for e in entries] == [(WalletEntryKind.TOPUP, amount)]
    [applied] = await OutboxMessage.filter(subscriber_id=subscriber_id, kind="order_applied")
    assert applied.params["kind"] == "wallet_topup"


async def test_a_top_up_paid_by_midtrans_is_credited_once_however_often_it_notifies(
    pay_client, pay_services, pay_settings, providers
):
    line = await make_subscriber(pay_settings, "2135550303", currency="IDR", language="id")
    placed = await pay_services.orders.place_topup_order(line.id, 150_000)
    assert placed.gateway == "midtrans"
    assert providers.midtrans.transactions[placed.gateway_ref].gross_amount == 150_000
    providers.midtrans.set_status(placed.gateway_ref, "settlement")
    notification = providers.midtrans.notification(placed.gateway_ref)

    responses = [await pay_client.post(NOTIFY, json=notification) for _ in range(5)]

    assert {r.status for r in responses} == {200}
    await assert_credited_once(line.id, placed.tracking_number, 150_000)


async def test_twenty_concurrent_zarinpal_callbacks_on_postgres_credit_the_wallet_once(
    pg, providers, clock
):
    from tests.handlers.payments_support import provider_settings

    settings = provider_settings(providers)
    services = provider_services(settings, clock)
    line = await make_subscriber(settings, "2135550304", currency="IRR")
    placed = await services.orders.place_topup_order(line.id, 2_000_000)
    callback = path_of(providers.zarinpal.pay(placed.gateway_ref))

    async with app_client(services, settings) as client:
        responses = await asyncio.gather(*(client.get(callback) for _ in range(20)))
        texts = await asyncio.gather(*(r.text() for r in responses))

    assert {r.status for r in responses} == {200}
    assert all('data-result="paid"' in text for text in texts)
    await assert_credited_once(line.id, placed.tracking_number, 2_000_000)


async def test_the_sandbox_pay_page_names_the_top_up(client, services, bot_settings):
    line = await make_subscriber(bot_settings, "2135550305", language="en")
    placed = await services.orders.place_topup_order(line.id, 500_000)
    path = urlsplit(placed.pay_url).path

    page = await client.get(path)
    assert page.status == 200
    assert "Wallet top-up" in await page.text()

    assert (await client.post(path, data={"action": "pay"})).status == 200
    await assert_credited_once(line.id, placed.tracking_number, 500_000)


async def test_a_top_up_is_never_refunded_to_the_wallet_it_already_credited(
    client, services, bot_settings
):
    import pytest

    from core.errors import Conflict

    line = await make_subscriber(bot_settings, "2135550306", language="en")
    placed = await services.orders.place_topup_order(line.id, 500_000)
    path = urlsplit(placed.pay_url).path
    assert (await client.post(path, data={"action": "pay"})).status == 200

    with pytest.raises(Conflict) as refused:
        await services.orders.refund(placed.tracking_number, None, "by mistake")

    assert refused.value.code == "order_not_refundable"
    await assert_credited_once(line.id, placed.tracking_number, 500_000)
