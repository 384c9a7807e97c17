"""A postpaid line's bills through the chat: Bills lists them with their state and last day to
pay, "Pay the open bill" gives a link, paying it settles the bill once, with a receipt."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.dialogs.notices import render_notice
from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.billing.bills import BillDueDates
from core.billing.enums import Billing, BillState, OrderKind, OrderStatus
from core.billing.models import Bill, Order, Plan
from core.inbox.models import OutboxMessage
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    SANDBOX_PAY,
    logged_in,
    money,
    pay_last_order,
    subscriber,
)


async def postpaid_line(services, bot_settings, activated_on: date = date(2026, 9, 11)):
    """Activated on 1405/06/20 by default: Mehr's bill (with 12 days of Shahrivar) and Aban's
    are out."""
    line = await subscriber(bot_settings)
    await Plan.create(
        code="pp-2m",
        price=215_000,
        duration_days=30,
        billing=Billing.POSTPAID,
        names={"en": "Postpaid 2 Mbps"},
    )
    await services.bills.enrol(line.id, "pp-2m", activated_on)
    return line


async def test_bills_list_the_periods_and_paying_the_open_one_settles_it_once(
    engine, services, bot_settings
):
    line = await postpaid_line(services, bot_settings)
    chat = await logged_in(engine)

    assert "Bills" in chat.labels
    await chat.press("Bills")
    # Newest first; Mehr's carries Shahrivar's last 12 days: 86,000 + 215,000, VAT 27,090.
    assert "Oct 23, 2026 to Nov 21, 2026 (30 days): " + money(234_350) in chat.text
    assert (
        f"Sep 11, 2026 to Oct 22, 2026 (42 days): {money(328_090)}, to pay, last day to pay "
        "Nov 1, 2026 (with 12 days from the activation)"
    ) in chat.text
    assert chat.labels == ["Pay the open bill", "Main menu"]

    await chat.press("Pay the open bill")
    assert "Bill for Sep 11, 2026 to Oct 22, 2026 (42 days)" in chat.text  # the oldest first
    assert f"Amount: {money(301_000)}" in chat.text
    assert f"VAT: {money(27_090)}" in chat.text
    assert f"To pay: {money(328_090)}" in chat.text
    await chat.press("Confirm and pay")
    order = await Order.get(subscriber_id=line.id)
    assert (order.kind, order.plan_id, order.payable) == (OrderKind.BILL, None, 328_090)
    [link] = chat.replies[-1].links
    assert link.url == order.pay_url and link.url.startswith(SANDBOX_PAY)

    await pay_last_order(services, line)
    again = await pay_last_order(services, line)  # a repeated confirmation changes nothing
    assert again.status == OrderStatus.APPLIED
    states = [b.state for b in await Bill.filter(subscriber_id=line.id).order_by("starts_at")]
    assert states == [BillState.PAID, BillState.OPEN]
    [notice] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert "Your bill is paid." in reply.text
    assert "Item: Postpaid bill" in reply.text  # the receipt below it

    await chat.send("menu")
    await chat.press("Bills")
    assert f"{money(328_090)}, paid" in chat.text
    assert f"{money(234_350)}, to pay" in chat.text


async def test_a_second_link_for_the_same_bill_sends_the_first_payment_to_the_wallet(
    engine, services, bot_settings
):
    line = await postpaid_line(services, bot_settings)
    chat = await logged_in(engine)
    for _ in range(2):
        await chat.send("menu")
        await chat.press("Bills")
        await chat.press("Pay the open bill")
        await chat.press("Confirm and pay")
    first, _second = await Order.filter(subscriber_id=line.id).order_by("id")

    late = await services.orders.confirm_payment(
        first.tracking_number, "sandbox", first.gateway_ref, first.payable
    )
    paid = await pay_last_order(services, line)

    assert (late.status, late.refunded) == (OrderStatus.PAID, 328_090)
    assert paid.status == OrderStatus.APPLIED
    [notice] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_not_applied")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert "a newer payment link was made for it" in reply.text
    assert await Bill.filter(subscriber_id=line.id, state=BillState.PAID).count() == 1


async def test_a_prepaid_line_is_not_offered_bills(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    assert "Bills" not in chat.labels
    await chat.send("bills")
    assert "Bills" not in chat.labels
    assert chat.text.startswith(("Sorry, I could not tell what you need.", "Did you mean"))


async def test_a_postpaid_line_before_its_first_bill_is_told_when_it_comes(
    engine, services, bot_settings
):
    await postpaid_line(services, bot_settings, activated_on=date(2026, 11, 10))
    chat = await logged_in(engine)
    await chat.press("Bills")
    assert "No bill yet. Your first bill comes after your first full month" in chat.text
    assert chat.labels == ["Main menu"]


async def test_an_unpaid_bill_isolates_the_line_after_the_grace_and_paying_it_opens_the_line(
    engine, services, bot_settings, clock
):
    line = await postpaid_line(services, bot_settings)
    due_dates = BillDueDates(bot_settings, clock)
    # Today (1405/09/03) Mehr's bill is 22 days past its last day (Nov 1), over the 3 of grace.
    assert await due_dates.run() == (0, 1, 1)
    assert await due_dates.run() == (0, 0, 0)  # once a bill

    isolated = await Subscriber.get(id=line.id)
    assert (isolated.line_status, isolated.unpaid_bills_due) == (LineStatus.ISOLATED, 328_090)
    [notice] = await OutboxMessage.filter(subscriber_id=line.id, kind="bill_unpaid_isolated")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert (
        f"Your bill for Sep 11, 2026 to Oct 22, 2026 ({money(328_090)}) was not paid by "
        "Nov 1, 2026, so your line is isolated. Choose Bills, then Pay the open bill"
    ) in reply.text

    chat = await logged_in(engine)
    await chat.press("My service")
    assert f"Your line is isolated because a bill ({money(328_090)}) is unpaid." in chat.text
    assert "deposit" not in chat.text
    await chat.send("menu")
    await chat.press("Buy or renew")
    assert (
        f"Your line is isolated because a bill ({money(328_090)}) is unpaid, so nothing bought "
        "now could be used. Please choose Bills, then Pay the open bill" in chat.text
    )
    assert "deposit" not in chat.text
    await chat.send("menu")
    await chat.press("Bills")
    assert f"{money(328_090)}, overdue" in chat.text
    await chat.press("Pay the open bill")
    await chat.press("Confirm and pay")
    order = await pay_last_order(services, line)

    opened = await Subscriber.get(id=line.id)
    assert (opened.line_status, opened.unpaid_bills_due) == (LineStatus.IN_OPERATION, 0)
    history = await LineStatusChange.filter(subscriber_id=line.id).order_by("id")
    assert [(h.status, h.reason) for h in history] == [
        (LineStatus.ISOLATED, "unpaid bill"),
        (LineStatus.IN_OPERATION, f"bill paid:{order.tracking_number}"),
    ]


async def test_a_reminder_goes_once_in_the_day_before_the_last_day_to_pay(
    engine, services, bot_settings, clock
):
    line = await postpaid_line(services, bot_settings, activated_on=date(2026, 9, 23))
    due_dates = BillDueDates(bot_settings, clock)
    # Mehr's bill (1405/07) is to be paid by Aban 10 (Nov 1); three days before, at night:
    clock.set(datetime(2026, 10, 29, 22, 0, tzinfo=UTC))  # 01:30 in Tehran
    assert await due_dates.run() == (0, 0, 0)
    clock.set(datetime(2026, 10, 30, 6, 30, tzinfo=UTC))  # 10:00 in Tehran
    assert await due_dates.run() == (1, 0, 0)
    assert await due_dates.run() == (0, 0, 0)

    [notice] = await OutboxMessage.filter(subscriber_id=line.id, kind="bill_due")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert reply.text == (
        f"Your bill for Sep 23, 2026 to Oct 22, 2026 ({money(234_350)}) is to be paid by "
        "Nov 1, 2026. Choose Bills, then Pay the open bill, to pay it by link.\n\n"
        "Why you got this: the last day to pay your postpaid bill is near"
    )
    assert [o.label for o in reply.options] == ["Bills"]
    [persian] = await render_notice(FA, notice.kind, notice.params)
    assert "۱۴۰۵/۰۸/۱۰" in persian.text
