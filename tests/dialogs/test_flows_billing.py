"""My service, the free charge, usage details, histories and the order notices, through the chat."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.dialogs.notices import render_notice
from core.accounts.models import Subscriber
from core.billing.models import Order, Plan
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    give_service,
    logged_in,
    money,
    pay_last_order,
    record_seed_sessions,
    subscriber,
    use,
)

# ---- my service --------------------------------------------------------------------------------


async def test_my_service_shows_plan_days_traffic_static_ip_and_wallet(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)  # 30 days bought 10 days ago
    await use(services, sara, "s1", 5 * 1024**3 - 4_552_665_088)  # 4.24 GB left
    until = NOW + timedelta(days=45)
    await Subscriber.filter(id=sara.id).update(static_ip="198.51.100.10", static_ip_until=until)
    await services.wallet.adjust(sara.id, 150_000, "goodwill")
    chat = await logged_in(engine)

    await chat.press("My service")

    assert "Your service: Standard monthly" in chat.text
    assert f"Days left: 20 (until {EN.datetime(NOW + timedelta(days=20))})" in chat.text
    assert "Traffic left: 4.24 GB" in chat.text
    assert f"Static IP: 198.51.100.10, paid until {EN.date(until.date())}" in chat.text
    assert f"Wallet credit: {money(150_000)}" in chat.text
    assert "run out" not in chat.text
    assert "Free charge" not in chat.labels


async def test_my_service_says_when_the_traffic_ran_out_and_points_to_buying_and_free_charge(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await use(services, sara, "s1", 5 * 1024**3)
    chat = await logged_in(engine)
    await chat.press("My service")
    assert "Traffic left: 0.00 GB" in chat.text
    assert "Your traffic has run out." in chat.text
    assert "choose Buy or renew, or take your one-time Free charge" in chat.text
    assert "Free charge" in chat.labels


async def test_my_service_without_any_service_points_to_buying_only(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.press("My service")
    assert "You have no active service at the moment." in chat.text
    assert "To connect again, choose Buy or renew." in chat.text
    assert "Free charge" not in chat.labels


async def test_my_service_in_persian_uses_persian_digits_and_jalali_dates(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    chat = await logged_in(engine, language_hint="fa")
    await chat.send(choice="flow:status")
    reply = chat.replies[-1]
    assert reply.language == "fa"
    assert "استاندارد ماهانه" in reply.text
    assert "۲۰" in reply.text  # days left
    assert FA.traffic(5 * 1024**3) in reply.text
    assert "۱۴۰۵/۰۹/۲۳" in reply.text  # ends on 14 December 2026
    assert reply.options  # the main menu follows


async def test_plan_names_and_descriptions_typed_with_latin_digits_show_persian_digits_in_persian(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, language="fa")
    await Plan.create(
        code="home-10m",
        price=900_000,
        duration_days=30,
        traffic_mb=10 * 1024,
        speed_kbps=10_240,
        names={"en": "Home 10 Mbps", "fa": "خانگی 10 مگ"},
        description={"fa": "تا 4 دستگاه"},
    )
    await give_service(services, sara, "home-10m")
    chat = await logged_in(engine, language_hint="fa")
    await chat.send(choice="flow:status")
    assert "خانگی ۱۰ مگ" in chat.text and "10" not in chat.text
    await chat.send(choice="flow:buy")
    await chat.send(choice=chat.options[0].id)  # renew: the plans, the one in force among them
    assert "خانگی ۱۰ مگ" in chat.text and "تا ۴ دستگاه" in chat.text
    assert EN.catalogue("Home 10 Mbps") == "Home 10 Mbps"  # other languages keep them
    assert FA.catalogue("Home 10 Mbps") == "Home ۱۰ Mbps"


# ---- the free charge -------------------------------------------------------------------------


async def test_free_charge_when_the_service_ended_grants_two_days_and_100_mb_once(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=31)  # ended yesterday: no days, no traffic
    chat = await logged_in(engine)
    assert "Free charge" in chat.labels
    await chat.press("Free charge")
    assert "one-time free charge of 2 days and 100.00 MB" in chat.text
    await chat.send("what?")
    assert "Please choose Yes to take the free charge, or Not now." in chat.text
    await chat.press("Yes, take it")
    until = EN.datetime(NOW + timedelta(days=2))
    assert f"You got 2 days and 100.00 MB, until {until}" in chat.text
    assert "Free charge" not in chat.labels

    await chat.press("My service")
    assert "Days left: 2" in chat.text
    assert "Traffic left: 0.10 GB" in chat.text
    assert "This is your one-time free charge." in chat.text

    await chat.send(choice="flow:free_charge")  # an old button
    assert "You have already used your one-time free charge." in chat.text


async def test_free_charge_when_traffic_ran_out_grants_100_mb(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await use(services, sara, "s1", 5 * 1024**3)
    chat = await logged_in(engine)
    await chat.press("Free charge")
    assert "free charge of 100.00 MB" in chat.text
    await chat.press("Yes, take it")
    assert "You got 100.00 MB" in chat.text
    await chat.press("My service")
    assert "Traffic left: 0.10 GB" in chat.text


async def test_free_charge_chosen_while_service_remains_is_explained(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    assert "Free charge" not in chat.labels
    await chat.send(choice="flow:free_charge")
    assert "You still have 20 days and 5.00 GB, so you do not need it now." in chat.text
    assert "My service" in chat.labels


async def test_free_charge_without_any_past_service_is_explained(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.send(choice="flow:free_charge")
    assert "You have no service yet" in chat.text


async def test_not_now_leaves_the_free_charge_for_later(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara, days_ago=31)
    chat = await logged_in(engine)
    await chat.press("Free charge")
    await chat.press("Not now")
    assert "Nothing was changed" in chat.text
    assert "Free charge" in chat.labels


# ---- usage details ---------------------------------------------------------------------------


async def at_usage_details_with_seed_sessions(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await record_seed_sessions(services, sara)
    chat = await logged_in(engine)
    await chat.press("Usage details")
    return chat


async def test_usage_of_the_last_7_days_shows_the_seed_sessions_and_totals(
    engine, services, bot_settings
):
    chat = await at_usage_details_with_seed_sessions(engine, services, bot_settings)
    assert chat.labels == ["Last 7 days", "Last 30 days", "This month", "Choose dates"]
    await chat.press("Last 7 days")
    text = chat.text
    assert f"from {EN.date(NOW.date() - timedelta(days=6))} to {EN.date(NOW.date())}" in text
    first = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)
    logout = EN.time(first + timedelta(hours=2, minutes=5))
    assert (
        f"#1 {EN.datetime(first)} to {logout}: down 120.00 MB, up 30.00 MB, deducted 120.00 MB"
        in text
    )
    assert text.count("\n#") == 3
    assert "page" not in text  # one page: no paging
    assert "Total download: 243.63 MB" in text
    assert "Total upload: 53.39 MB" in text
    assert "Total used: 297.02 MB" in text
    assert "Deducted from your traffic: 243.62 MB" in text


async def test_usage_of_a_period_without_sessions_says_so(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Usage details")
    await chat.press("This month")
    assert f"No connections from {EN.date(NOW.date().replace(day=1))}" in chat.text


async def test_custom_dates_explain_bad_future_reversed_and_too_long_ranges(
    engine, services, bot_settings
):
    chat = await at_usage_details_with_seed_sessions(engine, services, bot_settings)
    await chat.send("whenever")
    assert "Please choose one of the periods below." in chat.text
    await chat.press("Choose dates")
    assert "like 2026-11-24" in chat.text
    await chat.send("last tuesday")
    assert "That is not a date I can read. Please write it like 2026-11-24." in chat.text
    await chat.send("2026-02-30")
    assert "That is not a date I can read" in chat.text
    await chat.send("2026-12-01")
    assert "That date is in the future." in chat.text
    await chat.send("2026-01-01")
    await chat.send("2026-11-24")
    assert "That period is too long. Please choose at most 93 days at a time." in chat.text
    await chat.send("back")
    await chat.send("2026-11-21")
    await chat.send("2026-11-20")
    assert "That is before the first day you chose (Nov 21, 2026)." in chat.text
    await chat.press("Today")
    assert chat.text.count("\n#") == 2
    assert "Total download: 123.63 MB" in chat.text


async def test_usage_in_persian_reads_jalali_dates_and_this_month_is_the_jalali_month(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    await record_seed_sessions(services, sara)
    chat = await logged_in(engine, language_hint="fa")
    await chat.send(choice="flow:usage")
    assert len(chat.labels) == 4
    await chat.send("۳")  # this month: Azar 1405 began on 22 November 2026
    assert chat.replies[-1].language == "fa"
    assert chat.text.count("\n#") == 1

    await chat.send(choice="flow:usage")
    await chat.send(choice="period:custom")
    assert "۱۴۰۵/۰۹/۰۳" in chat.text  # the example is today, in Jalali
    await chat.send("۱۴۰۵/۰۸/۲۹")  # 20 November 2026
    await chat.send("1405-09-03")
    assert chat.text.count("\n#") == 3
    assert "۲۴۳٫۶۳" in chat.text and "۲۴۳٫۶۲" in chat.text
    # The period's picture (its days in Jalali) comes first, then the report under the menu.
    picture, report = chat.replies
    assert picture.attachment is not None and picture.attachment.content_type == "image/png"
    assert picture.attachment.data.startswith(b"\x89PNG")
    assert picture.attachment.filename == "usage-2026-11-20-2026-11-24.png"
    assert "۱۴۰۵/۰۸/۲۹" in picture.text
    assert report.attachment is None and report.options


# ---- histories -------------------------------------------------------------------------------


async def test_histories_show_services_bills_orders_campaigns_and_wallet(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Buy traffic")
    await chat.press("5 GB pack")
    await chat.press("Confirm and pay")
    await pay_last_order(services, sara)
    await chat.press("Buy or renew")
    await chat.press("Buy timed traffic")
    await chat.press("Week pack")
    await chat.press("Confirm and pay")  # left unpaid
    paid, pending = await Order.filter(subscriber_id=sara.id).order_by("id")
    await Plan.filter(code="std-1m").update(monthly_campaign_mb=5120)
    await services.billing_jobs.run_campaign_charges("2026-11")
    await services.wallet.adjust(sara.id, 20_000, "goodwill")

    await chat.press("History")
    assert chat.labels[-1] == "Main menu"
    await chat.press("Service history")
    assert "Standard monthly, bought online, active" in chat.text
    await chat.press("Bill history")
    assert f"Standard monthly, 30 days, {money(500_000)}" in chat.text
    assert f"5 GB pack, 20 days, {money(109_000)} (order {paid.tracking_number})" in chat.text
    await chat.press("Payments and orders")
    assert f"• {paid.tracking_number}, " in chat.text
    assert f"Extra traffic, 5 GB pack, {money(109_000)}, paid and applied" in chat.text
    assert f"• {pending.tracking_number}, " in chat.text
    assert f"Timed traffic, Week pack, {money(65_400)}, waiting for payment" in chat.text
    await chat.press("Campaign charges")
    assert "Standard monthly, 5,120.00 MB, added" in chat.text
    await chat.press("Wallet")
    assert f"Wallet credit: {money(20_000)}" in chat.text
    assert f"+{money(20_000)}, correction by our office" in chat.text
    await chat.send("coupons")
    assert "Please choose one of the histories below." in chat.text
    await chat.press("Main menu")
    assert "My service" in chat.labels


async def test_empty_histories_say_there_is_nothing_yet(engine, services, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.press("History")
    await chat.press("Payments and orders")
    assert "Payments and orders: nothing yet." in chat.text
    assert len(chat.labels) == 7  # six histories (receipts too) and the main menu


# ---- notices ---------------------------------------------------------------------------------


async def test_the_order_not_applied_notice_says_the_money_went_to_the_wallet():
    [reply] = await render_notice(
        EN,
        "order_not_applied",
        {
            "tracking_number": 469627,
            "kind": "change_service",
            "plan_code": "year-8m",
            "currency": "IRR",
            "reason": "service_changed",
            "refunded": 6_791_233,
        },
    )
    assert "order 469627" in reply.text
    assert "your service changed after the order was placed" in reply.text
    assert f"The {money(6_791_233)} you paid is now in your wallet" in reply.text


async def test_the_order_applied_notice_in_persian_names_what_was_added(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    order = await services.orders.place_order(sara.id, "static_ip", "static-ip", 3)
    await pay_last_order(services, sara)
    [reply] = await render_notice(
        FA,
        "order_applied",
        {"tracking_number": order.tracking_number, "payable": 163_500, "currency": "IRR"},
    )
    assert reply.language == "fa"
    assert FA.digits(str(order.tracking_number)) in reply.text
    assert FA.money(163_500, "IRR") in reply.text
    assert "۳" in reply.text  # three months
