"""A postpaid bill paid through the real providers' callbacks and the sandbox page: settled
once however often, or however concurrently, they call; a receipt in the message box."""

from __future__ import annotations

import asyncio
from datetime import date
from urllib.parse import urlsplit

from core.billing.enums import Billing, BillState, OrderKind, OrderStatus
from core.billing.models import Bill, Order, Plan, WalletEntry
from core.inbox.models import OutboxMessage
from tests.dialogs.conftest import make_subscriber
from tests.handlers.payments_support import app_client, path_of, provider_services

NOTIFY = "/payments/midtrans/notification"


async def postpaid_line(services, settings, currency: str, language: str = "id"):
    line = await make_subscriber(settings, "2135550404", currency=currency, language=language)
    await Plan.create(
        code="pp",
        price=300_000,
        duration_days=30,
        currency=currency,
        billing=Billing.POSTPAID,
        names={"en": "Postpaid"},
    )
    # One full month ended (October, or Aban for an IRR line).
    await services.bills.enrol(line.id, "pp", date(2026, 10, 1 if currency != "IRR" else 23))
    return line


async def assert_settled_once(line, order: Order) -> None:
    order = await Order.get(id=order.id)
    assert (order.kind, order.status) == (OrderKind.BILL, OrderStatus.APPLIED)
    [bill] = await Bill.filter(subscriber_id=line.id)
    assert (bill.state, bill.order_id) == (BillState.PAID, order.id)
    [applied] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied")
    assert applied.params["kind"] == "bill" and applied.params["plan_code"] is None
    assert await WalletEntry.filter(subscriber_id=line.id).count() == 0


async def test_a_bill_paid_by_midtrans_is_settled_once_however_often_it_notifies(
    pay_client, pay_services, pay_settings, providers
):
    line = await postpaid_line(pay_services, pay_settings, "IDR")
    placed = await pay_services.orders.place_bill_order(line.id)
    assert placed.gateway == "midtrans"
    # October: 300,000 x 31 / 30 = 310,000, VAT 9 % 27,900.
    assert providers.midtrans.transactions[placed.gateway_ref].gross_amount == 337_900
    providers.midtrans.set_status(placed.gateway_ref, "settlement")
    notification = providers.midtrans.notification(placed.gateway_ref)

    responses = [await pay_client.post(NOTIFY, json=notification) for _ in range(5)]

    assert {r.status for r in responses} == {200}
    await assert_settled_once(line, await Order.get(tracking_number=placed.tracking_number))


async def test_twenty_concurrent_zarinpal_callbacks_on_postgres_settle_the_bill_once(
    pg, providers, clock
):
    from tests.handlers.payments_support import provider_settings

    settings = provider_settings(providers)
    services = provider_services(settings, clock)
    line = await postpaid_line(services, settings, "IRR", language="fa")
    placed = await services.orders.place_bill_order(line.id)
    callback = path_of(providers.zarinpal.pay(placed.gateway_ref))

    async with app_client(services, settings) as client:
        responses = await asyncio.gather(*(client.get(callback) for _ in range(20)))
        texts = await asyncio.gather(*(r.text() for r in responses))

    assert {r.status for r in responses} == {200}
    assert all('data-result="paid"' in text for text in texts)
    await assert_settled_once(line, await Order.get(tracking_number=placed.tracking_number))


async def test_the_sandbox_pay_page_names_the_bill_and_paying_there_settles_it(
    client, services, bot_settings
):
    line = await postpaid_line(services, bot_settings, "IRR", language="en")
    placed = await services.orders.place_bill_order(line.id)
    path = urlsplit(placed.pay_url).path

    page = await client.get(path)
    assert page.status == 200
    assert "Postpaid bill" in await page.text()

    paid = await client.post(path, data={"action": "pay"})
    assert paid.status == 200
    await assert_settled_once(line, await Order.get(tracking_number=placed.tracking_number))
