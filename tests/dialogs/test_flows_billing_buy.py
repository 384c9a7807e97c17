"""Buying through the chat: pre-invoice, payment link, and the payment applied."""

from __future__ import annotations

from bot.dialogs.billing_words import what_was_added
from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.accounts.models import Subscriber
from core.billing.enums import Billing, OrderKind, OrderStatus, PlanKind
from core.billing.models import Order
from core.billing.read_models import PlanInfo
from core.inbox.models import OutboxMessage
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    SANDBOX_PAY,
    give_service,
    logged_in,
    money,
    pay_last_order,
    subscriber,
)


async def test_renewal_shows_the_pre_invoice_gives_a_sandbox_link_and_is_applied_when_paid(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    assert chat.labels == [
        "Buy or renew service",
        "Buy traffic",
        "Buy timed traffic",
        "Change service",
        "Static IP",
        "Top up my wallet",
    ]
    await chat.press("Buy or renew service")
    assert "Standard monthly: 30 days, 5.00 GB, 2,048 kbit/s (your current plan)" in chat.text
    assert "Retired plan" not in chat.text
    assert chat.labels[0] == f"Standard monthly, {money(500_000)}"

    await chat.press("Standard monthly")
    assert f"Price: {money(500_000)}" in chat.text
    assert f"VAT 9%: {money(45_000)}" in chat.text
    assert f"To pay: {money(545_000)}" in chat.text
    assert "Pre-invoice: Service renewal, Standard monthly" in chat.text
    assert "It starts when your current service ends." in chat.text
    assert chat.labels == ["Confirm and pay", "Cancel"]

    await chat.press("Confirm and pay")
    order = await Order.get(subscriber_id=sara.id)
    assert order.status == OrderStatus.PENDING and order.payable == 545_000
    assert f"Tracking number: {order.tracking_number}" in chat.text
    [link] = chat.replies[-1].links
    assert link.url == order.pay_url and link.url.startswith(SANDBOX_PAY)
    assert link.label == f"Pay {money(545_000)}"
    assert "Buy or renew" in chat.labels  # back at the main menu

    # The link lost? The order waits in the history with its link again, until it is paid.
    await chat.press("History")
    await chat.press("Payments and orders")
    [again] = chat.replies[0].links
    assert again.url == order.pay_url
    assert again.label == f"Pay order {order.tracking_number} ({money(545_000)})"

    await pay_last_order(services, sara)
    await chat.press("Payments and orders")
    assert chat.replies[0].links == ()
    await chat.send("menu")
    await chat.press("My service")
    assert "Bought ahead: Standard monthly" in chat.text
    assert "Reserve traffic: 5.00 GB" in chat.text

    notice = await OutboxMessage.get(subscriber_id=sara.id, kind="order_applied")
    [reply] = await render_notice(EN, notice.kind, notice.params)
    assert f"payment of {money(545_000)} for order {order.tracking_number}" in reply.text
    assert "Standard monthly: 30 days with 5.00 GB" in reply.text


async def test_a_first_service_starts_as_soon_as_it_is_paid(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Buy or renew service")
    await chat.send("3")  # the third plan by number: the 8 Mbps year
    assert "Pre-invoice: New service, Yearly 8 Mbps" in chat.text
    assert f"To pay: {money(8_720_000)}" in chat.text
    await chat.press("Confirm and pay")
    await pay_last_order(services, sara)
    await chat.press("My service")
    assert "Your service: Yearly 8 Mbps" in chat.text
    assert "Days left: 365" in chat.text
    assert "Traffic left: 200.00 GB" in chat.text


async def test_the_seed_change_of_service_shows_the_proration_credit_and_cancel_leaves_nothing(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, "year-2m", days_ago=13)  # 352 days left
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Change service")
    assert "Yearly 1 Mbps" not in chat.text  # the plan in force is not offered
    await chat.press("Yearly 8 Mbps")
    assert f"Price: {money(8_000_000)}" in chat.text
    assert f"VAT 9%: {money(720_000)}" in chat.text
    assert f"Credit for the rest of your current service: -{money(1_928_767)}" in chat.text
    assert f"To pay: {money(6_791_233)}" in chat.text
    assert "The new service starts as soon as the order is paid." in chat.text
    await chat.press("Cancel")
    assert "Cancelled. Nothing was changed." in chat.text
    assert await Order.filter(subscriber_id=sara.id).count() == 0


async def test_changing_to_a_cheaper_service_costs_nothing_and_credits_the_wallet(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, "year-2m", days_ago=13)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Change service")
    await chat.press("Standard monthly")
    assert "To pay: " + money(0) in chat.text
    left_over = 1_928_767 - 545_000
    assert f"Nothing to pay: {money(left_over)} left over goes to your wallet." in chat.text
    assert "The new service starts as soon as you confirm." in chat.text
    assert "as soon as the order is paid" not in chat.text  # there is nothing to pay
    assert chat.labels == ["Confirm", "Cancel"]
    await chat.press("Confirm")
    assert "is paid from your credit and applied" in chat.text
    assert "Standard monthly: 30 days with 5.00 GB" in chat.text
    assert not chat.replies[-1].links
    await chat.press("My service")
    assert "Your service: Standard monthly" in chat.text
    assert f"Wallet credit: {money(left_over)}" in chat.text


async def test_the_wallet_pays_part_and_a_changed_amount_is_shown_again_before_ordering(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await services.wallet.adjust(sara.id, 100_000, "goodwill")
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Buy traffic")
    assert "5 GB pack: 5.50 GB, 10% extra included" in chat.text
    await chat.press("5 GB pack")
    assert f"From your wallet: -{money(100_000)}" in chat.text
    assert f"To pay: {money(9_000)}" in chat.text

    await services.wallet.adjust(sara.id, -50_000, "correction")
    await chat.press("Confirm and pay")
    assert "The amounts have changed since" in chat.text
    assert f"To pay: {money(59_000)}" in chat.text
    assert await Order.filter(subscriber_id=sara.id).count() == 0
    await chat.press("Confirm and pay")
    assert chat.replies[-1].links[0].url.startswith(SANDBOX_PAY)
    await pay_last_order(services, sara)
    await chat.press("My service")
    assert "Traffic left: 10.50 GB" in chat.text
    assert f"Wallet credit: {money(0)}" in chat.text


async def test_traffic_without_a_service_is_refused_at_the_choice(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Buy timed traffic")
    assert "You have no active service to add to" in chat.text
    assert "Buy timed traffic" in chat.labels  # asked again
    await chat.press("Change service")
    assert "You have no active service to add to" in chat.text


async def test_static_ip_months_are_checked_and_typed_digits_are_the_answer(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine, channel="sms")
    await chat.press("Buy or renew")
    await chat.press("Static IP")
    assert "For how many months?" in chat.text
    assert chat.labels == ["1 month", "3 months", "6 months", "12 months"]
    await chat.send("13")
    assert "Please choose between 1 and 12 months." in chat.text
    await chat.send("two")
    assert "Please choose between 1 and 12 months." in chat.text
    await chat.send("۲")  # Persian digit two: two months, not the second option
    assert "Pre-invoice: Static IP, 2 months" in chat.text
    assert f"Price: {money(100_000)}" in chat.text
    assert f"VAT 9%: {money(9_000)}" in chat.text
    await chat.press("Confirm and pay")
    await pay_last_order(services, sara)
    sara = await Subscriber.get(id=sara.id)
    assert sara.static_ip and sara.static_ip_until > NOW
    await chat.press("Buy or renew")
    assert "Renew static IP" in chat.labels


async def test_wrong_answers_at_each_step_are_explained_and_asked_again(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.send("a bicycle")
    assert "Please choose one of the options below." in chat.text
    assert len(chat.labels) == 6
    await chat.send("9")
    assert "Please choose one of the options below." in chat.text
    await chat.press("Buy traffic")
    await chat.send("the big one")
    assert "Please choose one of the plans below." in chat.text
    await chat.send(choice="plan:old")  # a button of a plan no longer sold
    assert "That choice is no longer available." in chat.text
    assert "Which traffic pack would you like?" in chat.text
    await chat.press("5 GB pack")
    await chat.send("yes please")
    assert "Please choose Confirm to go on, or Cancel." in chat.text
    assert chat.labels == ["Confirm and pay", "Cancel"]
    await chat.send("back")
    assert "Which traffic pack would you like?" in chat.text
    assert await Order.filter(subscriber_id=sara.id).count() == 0


async def test_buying_in_persian_shows_persian_names_and_digits(engine, services, bot_settings):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    chat = await logged_in(engine, language_hint="fa")
    await chat.send(choice="flow:buy")
    assert len(chat.labels) == 6
    assert chat.replies[-1].language == "fa"
    await chat.send("۱")
    assert any("استاندارد ماهانه" in label for label in chat.labels)
    await chat.send(choice="plan:std-1m")
    assert FA.money(45_000, "IRR") in chat.text
    assert FA.money(545_000, "IRR") in chat.text
    await chat.send(choice="buy:confirm")
    order = await Order.get(subscriber_id=sara.id)
    assert FA.digits(str(order.tracking_number)) in chat.text
    assert chat.replies[-1].links[0].url.startswith(SANDBOX_PAY)


async def test_a_payment_that_cannot_start_is_explained_and_the_pre_invoice_stays(
    engine, services, bot_settings, monkeypatch
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)

    async def down(request):
        raise ConnectionError("gateway down")

    monkeypatch.setattr(services.orders.gateways["sandbox"], "start", down)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Buy traffic")
    await chat.press("5 GB pack")
    await chat.press("Confirm and pay")
    assert "The payment could not be started. Nothing was charged." in chat.text
    assert chat.labels == ["Confirm and pay", "Cancel"]
    assert not chat.replies[-1].links
    order = await Order.get(subscriber_id=sara.id)
    assert order.status == OrderStatus.FAILED


def test_an_unlimited_plan_added_says_traffic_once_in_every_language():
    plan = PlanInfo(
        code="rumah-unlimited",
        kind=PlanKind.SERVICE,
        names={"id": "Rumah Unlimited", "en": "Home Unlimited", "fa": "نامحدود خانگی"},
        speed_kbps=20_000,
        traffic_mb=None,
        gift_mb=0,
        bonus_percent=0,
        duration_days=30,
        price=299_000,
        currency="IDR",
        billing=Billing.PREPAID,
        monthly_campaign_mb=0,
        description={},
        active=True,
    )
    added = {
        language: what_was_added(translator(language), OrderKind.BUY_SERVICE, plan, 1)
        for language in ("id", "en", "fa")
    }
    assert added["id"] == "Rumah Unlimited: 30 hari dengan kuota tanpa batas."
    assert added["en"] == "Home Unlimited: 30 days with unlimited traffic."
    assert "نامحدود" in added["fa"]


async def test_my_service_shows_every_service_bought_ahead(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    for plan in ("std-1m", "year-8m"):
        await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, plan)
        await pay_last_order(services, sara)
    chat = await logged_in(engine)
    await chat.press("My service")
    lines = [line for line in chat.text.splitlines() if line.startswith("Bought ahead")]
    assert lines == [
        "Bought ahead: Standard monthly, from Dec 14, 2026",
        "Bought ahead: Yearly 8 Mbps, from Jan 13, 2027",
    ]
