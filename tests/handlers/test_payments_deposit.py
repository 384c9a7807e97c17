"""A new line's deposit paid through the real providers' callbacks: applied once however often
they call, the line opened once, a receipt in the message box."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage
from tests.dialogs.conftest import make_subscriber
from tests.handlers.payments_support import app_client, path_of, provider_services

NOTIFY = "/payments/midtrans/notification"


async def isolated_line(services, settings, currency: str) -> Subscriber:
    line = await make_subscriber(settings, "2135550303", currency=currency, language="id")
    await services.deposits.set_owed(line.id, 500_000, 250_000)
    return line


async def assert_opened_once(line: Subscriber, order: Order) -> None:
    order = await Order.get(id=order.id)
    assert (order.kind, order.status) == (OrderKind.DEPOSIT, OrderStatus.APPLIED)
    opened = await Subscriber.get(id=line.id)
    assert (opened.line_status, opened.deposit_due, opened.installation_fee_due) == (
        LineStatus.IN_OPERATION,
        0,
        0,
    )
    changes = await LineStatusChange.filter(subscriber_id=line.id, status=LineStatus.IN_OPERATION)
    assert [c.reason for c in changes] == [f"deposit:{order.tracking_number}"]
    [applied] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied")
    assert applied.params["kind"] == "deposit" and applied.params["plan_code"] is None


async def test_a_deposit_paid_by_midtrans_opens_the_line_once_however_often_it_notifies(
    pay_client, pay_services, pay_settings, providers
):
    line = await isolated_line(pay_services, pay_settings, "IDR")
    placed = await pay_services.orders.place_deposit_order(line.id)
    assert placed.gateway == "midtrans"
    assert providers.midtrans.transactions[placed.gateway_ref].gross_amount == 750_000
    providers.midtrans.set_status(placed.gateway_ref, "settlement")
    notification = providers.midtrans.notification(placed.gateway_ref)

    responses = [await pay_client.post(NOTIFY, json=notification) for _ in range(5)]

    assert {r.status for r in responses} == {200}
    order = await Order.get(tracking_number=placed.tracking_number)
    await assert_opened_once(line, order)
    applied = await OutboxMessage.get(kind="order_applied")
    assert (
        applied.params["receipt"]
        == providers.midtrans.transactions[order.gateway_ref].transaction_id
    )


async def test_twenty_concurrent_zarinpal_callbacks_on_postgres_open_the_line_once(
    pg, providers, clock
):
    from tests.handlers.payments_support import provider_settings

    settings = provider_settings(providers)
    services = provider_services(settings, clock)
    line = await isolated_line(services, settings, "IRR")
    placed = await services.orders.place_deposit_order(line.id)
    callback = path_of(providers.zarinpal.pay(placed.gateway_ref))

    async with app_client(services, settings) as client:
        responses = await asyncio.gather(*(client.get(callback) for _ in range(20)))
        texts = await asyncio.gather(*(r.text() for r in responses))

    assert {r.status for r in responses} == {200}
    assert all('data-result="paid"' in text for text in texts)
    await assert_opened_once(line, await Order.get(tracking_number=placed.tracking_number))


async def test_the_sandbox_pay_page_names_the_deposit_and_paying_there_opens_the_line(
    client, services, bot_settings
):
    line = await make_subscriber(bot_settings, "2135550303", language="en")
    await services.deposits.set_owed(line.id, 500_000, 0)
    placed = await services.orders.place_deposit_order(line.id)
    path = urlsplit(placed.pay_url).path

    page = await client.get(path)
    assert page.status == 200
    assert "Deposit and installation fee" in await page.text()

    paid = await client.post(path, data={"action": "pay"})
    assert paid.status == 200
    await assert_opened_once(line, await Order.get(tracking_number=placed.tracking_number))
