"""The SMS keywords that pay what a line owes without a plan, end to end through a signed
Twilio webhook: BILL (the oldest unpaid postpaid bill) and DEPOSIT (a new line's deposit and
installation fee), each answering with what is due and the app's short pay link, in fa, id and
en, within two SMS parts; paid, the bill is settled and the deposit opens the line."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

from datetime import date

import pytest

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.billing.bills import BillDueDates
from core.billing.enums import Billing, BillState, OrderKind, OrderStatus
from core.billing.models import Bill, Order, Plan
from tests.dialogs.test_flows_billing_support import (
    EN,
    give_service,
    money,
    pay_last_order,
    subscriber,
)
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    twilio_app,
    twilio_fake,
    twilio_settings,
)
from tests.handlers.test_sms_keywords import ask, assert_fits
from tests.handlers.test_sms_keywords import bot_settings as bot_settings

FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


async def postpaid_line(services, bot_settings, **fields):
    """Activated on 11 September 2026: Mehr's bill (with 12 days of Shahrivar) and Aban's are
    out, Mehr's the oldest unpaid (328,090 with VAT, last day 1 November)."""
    line = await subscriber(bot_settings, **fields)
    await Plan.create(
        code="pp-2m",
        price=215_000,
        duration_days=30,
        billing=Billing.POSTPAID,
        names={"en": "Postpaid 2 Mbps"},
    )
    await services.bills.enrol(line.id, "pp-2m", date(2026, 9, 11))
    return line


async def test_bill_answers_the_oldest_bill_s_last_day_and_a_short_link_that_settles_it(
    twilio_app, services, bot_settings
):
    line = await postpaid_line(services, bot_settings)
    oldest = await services.bills.open_bill(line.id)
    assert oldest is not None

    answer = await ask(twilio_app, "BILL")

    order = await Order.get(subscriber_id=line.id)
    assert (order.kind, order.status) == (OrderKind.BILL, OrderStatus.PENDING)
    assert answer == (
        f"Bill to pay by {EN.date(oldest.due_on)}, order {order.tracking_number}: pay "
        f"{money(order.payable)} at https://bot.example/p/{order.short_code}"
    ).replace("\u00a0", " ")
    assert_fits(answer)
    await pay_last_order(services, line)
    assert (await Bill.get(id=oldest.id)).state == BillState.PAID
    # Aban's bill is the oldest unpaid now; once it is paid too, nothing is left.
    await ask(twilio_app, "bill")
    await pay_last_order(services, line)
    assert await ask(twilio_app, "Bill") == "You have no bill to pay."


@pytest.mark.parametrize(
    ("word", "language", "start"),
    [("قبض", "fa", "قبض با مهلت "), ("TAGIHAN", "id", "Tagihan jatuh tempo ")],
)
async def test_bill_in_persian_and_indonesian_answers_in_that_language(
    twilio_app, services, bot_settings, word, language, start
):
    line = await postpaid_line(services, bot_settings, language=language)
    answer = await ask(twilio_app, word)
    order = await Order.get(subscriber_id=line.id)
    tracking = str(order.tracking_number)
    assert answer.startswith(start)
    assert (tracking.translate(FA_DIGITS) if language == "fa" else tracking) in answer
    assert answer.endswith(f"https://bot.example/p/{order.short_code}")
    assert_fits(answer)


async def test_bill_of_a_line_isolated_for_it_opens_the_line_once_paid(
    twilio_app, services, bot_settings, clock
):
    line = await postpaid_line(services, bot_settings)
    await BillDueDates(bot_settings, clock).run()  # 22 days past the last day: isolated
    refusal = await ask(twilio_app, "BUY 1")
    assert refusal.endswith("Send BILL for the payment link.")
    await ask(twilio_app, "BILL")
    await pay_last_order(services, line)
    assert (await Subscriber.get(id=line.id)).line_status == LineStatus.IN_OPERATION


async def test_bill_on_a_prepaid_line_says_it_has_no_bills_and_orders_nothing(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    assert await ask(twilio_app, "BILL") == "Your line is prepaid: it has no bills."
    assert await ask(twilio_app, "قبض") == "خط شما پیش‌پرداخت است و قبضی ندارد."
    assert await Order.filter(subscriber_id=sara.id).count() == 0


async def test_deposit_answers_a_short_link_whose_payment_opens_the_line_once(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings, language="id", currency="IDR")
    await services.deposits.set_owed(sara.id, 500_000, 250_000)
    refusal = await ask(twilio_app, "BELI 1")
    assert refusal.endswith("Kirim JAMINAN untuk tautan pembayaran.")

    answer = await ask(twilio_app, "jaminan")

    order = await Order.get(subscriber_id=sara.id)
    assert (order.kind, order.status, order.payable) == (
        OrderKind.DEPOSIT,
        OrderStatus.PENDING,
        750_000,
    )
    assert answer.startswith(f"Uang jaminan, pesanan {order.tracking_number}: bayar Rp")
    assert f"https://bot.example/p/{order.short_code}; jalur dibuka setelah lunas." in answer
    assert_fits(answer)
    await pay_last_order(services, sara)
    await pay_last_order(services, sara)  # a repeated confirmation changes nothing
    opened = await Subscriber.get(id=sara.id)
    assert opened.line_status == LineStatus.IN_OPERATION
    assert opened.deposit_due + opened.installation_fee_due == 0
    assert await ask(twilio_app, "DEPOSIT") == "Your line has no deposit to pay."
    assert await Order.filter(subscriber_id=sara.id).count() == 1


async def test_deposit_the_wallet_covers_is_applied_at_once(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings, language="fa")
    await services.deposits.set_owed(sara.id, 400_000, 100_000)
    await services.wallet.adjust(sara.id, 600_000, "goodwill")
    answer = await ask(twilio_app, "ودیعه")
    assert answer == "انجام شد: ودیعه از اعتبارتان پرداخت شد و خط شما باز است."
    assert (await Subscriber.get(id=sara.id)).line_status == LineStatus.IN_OPERATION


async def test_deposit_with_nothing_owed_orders_nothing(twilio_app, services, bot_settings):
    sara = await subscriber(bot_settings)
    assert await ask(twilio_app, "DEPOSIT") == "Your line has no deposit to pay."
    assert await Order.filter(subscriber_id=sara.id).count() == 0
