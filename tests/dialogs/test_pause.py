"""Pause my service (My account): the limits and the fee are said, the days chosen, the resume
date and the fee confirmed; My service then shows "paused until"; Resume now adds only the days
paused; every refusal says why and what to do."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.config import BotSettings
from core.billing.enums import OrderKind, WalletEntryKind
from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT
from core.billing.models import ServicePause, Subscription, WalletEntry
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import give_service, subscriber

FEE = 200_000  # 20,000 toman


@pytest.fixture
def bot_settings() -> BotSettings:
    return BotSettings(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        file_link_secret="test-file-link-secret",
        static_ip_pool=DEMO_STATIC_IP_POOL_TEXT,
        pause_fee={"IRR": FEE},
    )


async def credit(sara, amount: int, clock) -> None:
    await WalletEntry.create(
        subscriber_id=sara.id,
        amount=amount,
        currency="IRR",
        kind=WalletEntryKind.ADJUSTMENT,
        created_at=clock.now(),
    )


async def logged_in(engine) -> ChatClient:
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    return chat


async def test_paused_from_my_account_with_the_fee_and_resume_date_shown(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await credit(sara, FEE, clock)
    before = await Subscription.get(subscriber_id=sara.id)
    chat = await logged_in(engine)

    await chat.send(choice="flow:account")
    await chat.press("Pause my service")
    assert "7 to 60 days" in chat.text
    assert "A pause costs" in chat.text and "paid from your wallet" in chat.text
    assert "Pauses left in the last 12 months: 2 of 2." in chat.text
    assert chat.labels[:2] == ["7 days", "14 days"]
    await chat.press("14 days")
    assert "Pause for 14 days: from now until" in chat.text
    assert "Fee:" in chat.text
    await chat.press("Confirm the pause")

    assert "Your service is paused until" in chat.text
    [pause] = await ServicePause.all()
    assert (pause.days, pause.fee) == (14, FEE)
    moved = await Subscription.get(id=before.id)
    assert moved.ends_at == before.ends_at + timedelta(days=14)
    await chat.send(choice="flow:status")
    assert "Paused until" in chat.text
    await chat.send(choice="flow:line_status")
    assert "Paused until" in chat.text and "working normally" not in chat.text
    await chat.send(choice="flow:history")
    await chat.press("Wallet")
    assert "fee for pausing the service" in chat.text and "pause_fee" not in chat.text


async def test_a_typed_length_outside_the_limits_is_refused_and_asked_again(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await credit(sara, FEE, clock)
    chat = await logged_in(engine)
    await chat.send(choice="flow:pause")

    await chat.send("3")
    assert "A pause is at least 7 days. Please choose more days." in chat.text
    await chat.send("90")
    assert "A pause is at most 60 days." in chat.text
    await chat.send("two weeks")
    assert "in figures" in chat.text
    await chat.send("۱۰")  # Persian digits
    assert "Pause for 10 days" in chat.text
    assert await ServicePause.all().count() == 0


async def test_a_short_wallet_is_told_what_it_lacks_before_the_days_are_asked(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await credit(sara, FEE - 50_000, clock)
    chat = await logged_in(engine)

    await chat.send(choice="flow:pause")

    assert "short of" in chat.text and "Top up my wallet" in chat.text
    assert await ServicePause.all().count() == 0


async def test_without_a_service_the_pause_is_refused_with_what_to_do(engine, bot_settings, clock):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.send(choice="flow:pause")
    assert "There is no paid service in force to pause" in chat.text
    assert "Buy or renew" in chat.text


async def test_resume_now_adds_only_the_days_paused(engine, services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await credit(sara, FEE, clock)
    before = await Subscription.get(subscriber_id=sara.id)
    await services.pauses.pause(sara.id, 30)
    clock.advance(timedelta(days=4))
    chat = await logged_in(engine)

    await chat.send(choice="flow:pause")
    assert "Your service is paused until" in chat.text
    await chat.press("Resume now")

    assert "Your service runs again; it now ends on" in chat.text
    resumed = await Subscription.get(id=before.id)
    assert resumed.ends_at == before.ends_at + timedelta(days=4)
    await chat.send(choice="flow:status")
    assert "Paused until" not in chat.text


async def test_the_menu_offers_no_pause_when_the_isp_offers_none(
    engine, services, bot_settings, clock
):
    object.__setattr__(bot_settings, "pause_times_a_year", 0)
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.send(choice="flow:account")
    assert not any("Pause" in label for label in chat.labels)


async def test_persian_dates_and_digits_in_the_confirmation(engine, services, bot_settings, clock):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(services, sara)
    await credit(sara, FEE, clock)
    chat = ChatClient(engine, language_hint="fa")
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:pause")
    await chat.send(choice="pause:days:14")
    assert "۱۴۰۵" in chat.text  # the Jalali year of December 2026
    assert "14" not in chat.text


async def test_a_pause_made_meanwhile_by_sms_is_said_at_confirm_and_not_made_twice(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await credit(sara, 2 * FEE, clock)
    chat = await logged_in(engine)
    await chat.send(choice="flow:pause")
    await chat.press("14 days")
    await services.pauses.pause(sara.id, 7)  # meanwhile, by SMS

    await chat.press("Confirm the pause")

    assert "Your service is already paused until" in chat.text
    assert await ServicePause.all().count() == 1
    assert await WalletEntry.filter(kind=WalletEntryKind.PAUSE_FEE).count() == 1


def test_every_kind_of_wallet_entry_has_a_label_in_the_history():
    from bot.dialogs.flows.history import WALLET_LABELS

    assert set(WalletEntryKind) <= set(WALLET_LABELS)


async def test_an_order_for_the_service_waiting_for_payment_holds_the_pause_and_says_why(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    order = await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    await credit(sara, FEE, clock)
    chat = await logged_in(engine)

    await chat.send(choice="flow:pause")

    assert f"Your order {order.tracking_number} for your service is waiting for its payment" in (
        chat.text
    )
    assert "Pay it first, or pause after its payment link runs out at" in chat.text
    assert await ServicePause.all().count() == 0
