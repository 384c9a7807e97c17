"""A new line's deposit through the chat: My service says why the line is blocked, the menu
offers "Pay the deposit", paying it opens the line; a blocked line is sold nothing."""

from __future__ import annotations

from bot.dialogs.notices import render_notice
from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage
from tests.dialogs.test_flows_billing_support import (
    EN,
    SANDBOX_PAY,
    give_service,
    logged_in,
    money,
    pay_last_order,
    subscriber,
)

BLOCKED_PURCHASE = {
    LineStatus.DOCUMENTS_SUSPENDED: "Please upload your documents (My documents)",
    LineStatus.CLOSED: "This line is closed, so nothing can be bought for it.",
}


async def isolated_new_line(services, bot_settings) -> Subscriber:
    line = await subscriber(bot_settings)
    await services.deposits.set_owed(line.id, 400_000, 100_000)
    return line


async def test_an_isolated_line_is_told_why_pays_the_deposit_by_link_and_is_opened(
    engine, services, bot_settings
):
    line = await isolated_new_line(services, bot_settings)
    chat = await logged_in(engine)

    await chat.press("My service")
    assert (
        f"Your line is isolated until its deposit and installation fee ({money(500_000)}) are "
        "paid. Choose Pay the deposit below" in chat.text
    )
    assert "choose Buy or renew" not in chat.text
    assert "Pay the deposit" in chat.labels

    await chat.press("Pay the deposit")
    assert f"Deposit: {money(400_000)}" in chat.text
    assert f"Installation fee: {money(100_000)}" in chat.text
    assert f"To pay: {money(500_000)}" in chat.text  # what staff set, no VAT added
    assert chat.labels == ["Confirm and pay", "Cancel"]
    await chat.press("Confirm and pay")
    order = await Order.get(subscriber_id=line.id)
    assert (order.kind, order.plan_id, order.payable) == (OrderKind.DEPOSIT, None, 500_000)
    [link] = chat.replies[-1].links
    assert link.url == order.pay_url and link.url.startswith(SANDBOX_PAY)

    await pay_last_order(services, line)
    again = await pay_last_order(services, line)  # a repeated confirmation changes nothing
    assert again.status == OrderStatus.APPLIED

    opened = await Subscriber.get(id=line.id)
    assert opened.line_status == LineStatus.IN_OPERATION
    assert (opened.deposit_due, opened.installation_fee_due) == (0, 0)
    history = await LineStatusChange.filter(subscriber_id=line.id).order_by("id")
    assert [(h.status, h.reason) for h in history] == [
        (LineStatus.ISOLATED, "deposit due"),
        (LineStatus.IN_OPERATION, f"deposit:{order.tracking_number}"),
    ]
    [notice] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert "Your deposit and installation fee are paid, and your line is open." in reply.text
    assert "Item: Deposit and installation fee" in reply.text  # the receipt below it

    await chat.send("menu")
    assert "Pay the deposit" not in chat.labels
    await chat.press("My service")
    assert "isolated" not in chat.text
    await chat.send("menu")
    await chat.press("Buy or renew")
    assert "What would you like to buy?" in chat.text


async def test_an_isolated_line_is_not_sold_a_plan_and_is_told_to_pay_the_deposit(
    engine, services, bot_settings
):
    line = await isolated_new_line(services, bot_settings)
    chat = await logged_in(engine)

    await chat.press("Buy or renew")

    assert (
        f"Your line stays isolated until its deposit and installation fee ({money(500_000)}) "
        "are paid, so nothing bought now could be used. Please choose Pay the deposit first"
        in chat.text
    )
    assert "Pay the deposit" in chat.labels
    assert await Order.filter(subscriber_id=line.id).count() == 0


async def test_a_line_isolated_without_a_deposit_is_sent_to_support(engine, services, bot_settings):
    line = await subscriber(bot_settings)
    await services.line_statuses.set_line_status(line.id, LineStatus.ISOLATED, "unpaid")
    chat = await logged_in(engine)

    await chat.press("Buy or renew")
    assert "Please talk to an agent or open a support ticket to have it opened." in chat.text
    assert "Pay the deposit" not in chat.labels
    await chat.press("My service")
    assert "Your line is isolated. Please talk to an agent" in chat.text


async def test_a_line_cut_for_documents_or_closed_is_told_what_to_do_instead_of_buying(
    engine, services, bot_settings
):
    line = await subscriber(bot_settings)
    await give_service(services, line, days_ago=40)  # ran out: it would normally renew
    chat = await logged_in(engine)
    for status, sentence in BLOCKED_PURCHASE.items():
        await Subscriber.filter(id=line.id).update(line_status=status)
        await chat.send("menu")
        await chat.press("Buy or renew")
        assert sentence in chat.text, status
        assert "What would you like to buy?" not in chat.text
    assert await Order.filter(subscriber_id=line.id).count() == 0


async def test_a_deposit_changed_by_staff_after_the_order_is_not_applied_and_goes_to_the_wallet(
    engine, services, bot_settings
):
    line = await isolated_new_line(services, bot_settings)
    chat = await logged_in(engine)
    await chat.press("Pay the deposit")
    await chat.press("Confirm and pay")
    await services.deposits.set_owed(line.id, 600_000, 100_000)

    order = await pay_last_order(services, line)

    assert (order.status, order.refunded) == (OrderStatus.PAID, 500_000)
    assert (await Subscriber.get(id=line.id)).line_status == LineStatus.ISOLATED
    assert await services.billing_queries.wallet_balance(line.id) == 500_000
    notice = await OutboxMessage.get(subscriber_id=line.id, kind="order_not_applied")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert "the amount your line owes changed after the order was placed" in reply.text
