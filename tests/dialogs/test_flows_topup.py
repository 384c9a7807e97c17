"""Topping up the wallet in the chat: from Buy or renew, an offered or typed amount, the
pre-invoice without VAT, a payment link; paid, the amount is in the wallet and its history."""

from __future__ import annotations

from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import give_service, subscriber


async def open_top_up(chat: ChatClient) -> None:
    await chat.send(choice="flow:buy")
    await chat.press("Top up my wallet")


async def test_a_typed_amount_gets_a_pre_invoice_without_vat_and_a_link(
    engine, services, bot_settings
):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await open_top_up(chat)
    assert "Your wallet holds" in chat.text

    await chat.send("750,000")
    assert "Top up your wallet: IRR\xa0750,000" in chat.text
    assert "VAT" not in chat.text
    await chat.press("Confirm and pay")

    order = await Order.get(kind=OrderKind.WALLET_TOPUP)
    assert (order.subtotal, order.vat, order.payable, order.status) == (
        750_000,
        0,
        750_000,
        OrderStatus.PENDING,
    )
    assert chat.replies[-1].links and "Tracking number" in chat.text


async def test_the_amount_the_next_renewal_needs_is_offered(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")

    await open_top_up(chat)

    renewal = await services.orders.quote(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    assert f"topup:{renewal.payable}" in [option.id for option in chat.options]


async def test_an_amount_out_of_range_or_not_a_number_is_asked_again(
    engine, services, bot_settings
):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await open_top_up(chat)

    await chat.send("five hundred")
    assert "Please type the amount in figures" in chat.text
    await chat.send("5")
    assert "A top-up can be from IRR\xa010,000 to IRR\xa01,000,000,000" in chat.text
    assert await Order.filter(kind=OrderKind.WALLET_TOPUP).count() == 0


async def test_a_paid_top_up_shows_in_the_wallet_history(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await open_top_up(chat)
    await chat.send("۵۰۰۰۰۰")  # Persian digits
    await chat.press("Confirm and pay")
    order = await Order.get(kind=OrderKind.WALLET_TOPUP)

    await services.orders.confirm_payment(
        order.tracking_number, order.gateway, order.gateway_ref, order.payable
    )

    await chat.send(choice="flow:history")
    await chat.press("Wallet")
    assert "Wallet credit: IRR\xa0500,000" in chat.text
    assert "wallet top-up" in chat.text
