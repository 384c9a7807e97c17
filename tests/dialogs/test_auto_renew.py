"""Automatic renewal: turned on in My account; in a service's last hours it is renewed from the
wallet once (however many runs or workers), starting when the old one ends; a short wallet is
told at once with what it lacks, and a top-up since renews it on the next run."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from core.billing.enums import OrderKind, OrderStatus, SubscriptionStatus, WalletEntryKind
from core.billing.models import AutoRenewal, Order, Subscription, WalletEntry
from core.inbox.models import OutboxMessage
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import give_service, subscriber

RENEWAL = 545_000  # std-1m's 500,000 and 9 % VAT


async def credit(sara, amount: int, clock) -> None:
    await WalletEntry.create(
        subscriber_id=sara.id,
        amount=amount,
        currency="IRR",
        kind=WalletEntryKind.ADJUSTMENT,
        created_at=clock.now(),
    )


async def near_the_end(services, sara, clock) -> Subscription:
    """Sara's paid month, and the clock 3 hours before it ends."""
    await give_service(services, sara)
    current = await Subscription.get(subscriber_id=sara.id)
    clock.advance(current.ends_at - clock.now() - timedelta(hours=3))
    return current


async def test_turned_on_in_the_chat_and_renewed_once_from_the_wallet(
    engine, services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    current = await near_the_end(services, sara, clock)
    await credit(sara, RENEWAL + 1_000, clock)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:auto_renew")
    assert "Automatic renewal is off." in chat.text
    await chat.press("Turn it on")
    assert "Automatic renewal is on." in chat.text

    assert await services.auto_renewals.run() == 1
    assert await services.auto_renewals.run() == 0

    [order] = await Order.filter(subscriber_id=sara.id, kind=OrderKind.RENEW_SERVICE)
    assert (order.status, order.wallet_used, order.payable) == (OrderStatus.APPLIED, RENEWAL, 0)
    renewed = await Subscription.get(subscriber_id=sara.id, status=SubscriptionStatus.RESERVED)
    assert renewed.starts_at == current.ends_at
    assert await OutboxMessage.filter(subscriber_id=sara.id, kind="order_applied").count() == 1


async def test_concurrent_runs_renew_once(services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    await near_the_end(services, sara, clock)
    await credit(sara, RENEWAL, clock)
    await services.auto_renewals.set(sara.id, True)

    await asyncio.gather(*(services.auto_renewals.run() for _ in range(4)))

    assert await Order.filter(subscriber_id=sara.id).count() == 1
    assert await AutoRenewal.filter(subscriber_id=sara.id, outcome="renewed").count() == 1


async def test_a_short_wallet_is_told_once_and_a_top_up_renews_on_the_next_run(
    services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await near_the_end(services, sara, clock)
    await credit(sara, 45_000, clock)
    await services.auto_renewals.set(sara.id, True)

    await services.auto_renewals.run()
    await services.auto_renewals.run()

    [told] = await OutboxMessage.filter(subscriber_id=sara.id, kind="auto_renew_failed")
    assert (told.params["reason"], told.params["short"]) == ("wallet_short", RENEWAL - 45_000)
    assert await Order.filter(subscriber_id=sara.id).count() == 0

    await credit(sara, RENEWAL, clock)
    clock.advance(timedelta(minutes=10))
    await services.auto_renewals.run()

    [order] = await Order.filter(subscriber_id=sara.id)
    assert order.status == OrderStatus.APPLIED
    assert await OutboxMessage.filter(subscriber_id=sara.id, kind="auto_renew_failed").count() == 1


async def test_nothing_is_renewed_when_it_is_off_or_a_period_is_bought_ahead(
    services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    await near_the_end(services, sara, clock)
    await credit(sara, 3 * RENEWAL, clock)

    assert await services.auto_renewals.run() == 0  # off

    await services.auto_renewals.set(sara.id, True)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")  # bought ahead
    assert await services.auto_renewals.run() == 0
    assert await Order.filter(subscriber_id=sara.id).count() == 1


async def test_the_short_wallet_notice_offers_the_top_up(services, bot_settings, clock):
    from bot.dialogs.notices import render_notice
    from bot.i18n import translator

    sara = await subscriber(bot_settings)
    await near_the_end(services, sara, clock)
    await services.auto_renewals.set(sara.id, True)
    await services.auto_renewals.run()
    told = await OutboxMessage.get(subscriber_id=sara.id, kind="auto_renew_failed")

    [reply] = await render_notice(translator("en"), told.kind, told.params)

    assert "your wallet is short of IRR\xa0545,000" in reply.text
    assert [o.id for o in reply.options] == ["flow:topup"]


async def two_days_before(services, sara, clock) -> dict:
    """The params of Sara's 2-day expiry alert, as the sweep writes them."""
    from core.alerts.due import DueAlerts
    from core.alerts.zones import subscriber_zones

    await give_service(services, sara)
    current = await Subscription.get(subscriber_id=sara.id)
    clock.advance(current.ends_at - timedelta(days=2) - clock.now())
    [zone] = await subscriber_zones(services.settings.timezone)
    due = DueAlerts(services.settings)
    alerts = [alert async for page in due.expiring(zone, clock.now()) for alert in page]
    [alert] = [a for a in alerts if a.params["days_before"] == 2]
    return alert.params


async def test_the_expiry_alert_says_what_the_wallet_is_short_of_and_tops_up_that_much(
    engine, services, bot_settings, clock
):
    from bot.dialogs.notices import render_notice
    from bot.i18n import translator

    sara = await subscriber(bot_settings)
    await credit(sara, 45_000, clock)
    await services.auto_renewals.set(sara.id, True)
    params = await two_days_before(services, sara, clock)
    assert (params["short"], params["renewal_total"]) == (RENEWAL - 45_000, RENEWAL)

    [reply] = await render_notice(translator("en"), "service_expiring", params)
    assert "your wallet is short of IRR\xa0500,000 for it" in reply.text
    assert "the renewal costs IRR\xa0545,000" in reply.text
    [fa] = await render_notice(translator("fa"), "service_expiring", params)
    assert "۵۰۰٬۰۰۰" in fa.text  # Persian digits
    top_up = reply.options[0]
    assert top_up.id == f"flow:topup?amount={RENEWAL - 45_000}"

    # The option goes straight to the top-up's pre-invoice of that amount.
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice=top_up.id)
    assert "Top up your wallet: IRR\xa0500,000" in chat.text
    await chat.press("Confirm and pay")
    order = await Order.get(kind=OrderKind.WALLET_TOPUP)
    assert order.payable == RENEWAL - 45_000


async def test_a_top_up_amount_out_of_the_limits_in_an_option_is_asked_for(
    engine, services, bot_settings
):
    await subscriber(bot_settings)
    chat = ChatClient(engine)
    await chat.log_in("5120001", "Secret-2468")
    await chat.send(choice="flow:topup?amount=5")
    assert "How much would you like to add?" in chat.text
    await chat.send(choice="flow:topup?amount=lots")
    assert "How much would you like to add?" in chat.text


async def test_a_wallet_that_holds_the_renewal_is_not_called_short(services, bot_settings, clock):
    from bot.dialogs.notices import render_notice
    from bot.i18n import translator

    sara = await subscriber(bot_settings)
    await credit(sara, RENEWAL, clock)
    await services.auto_renewals.set(sara.id, True)
    params = await two_days_before(services, sara, clock)
    assert params["short"] == 0

    [reply] = await render_notice(translator("en"), "service_expiring", params)
    assert "short of" not in reply.text and "Automatic renewal is on" in reply.text
    assert reply.options[0].id == "flow:topup"


async def test_the_expiry_alert_says_the_renewal_will_happen_and_offers_the_top_up(
    services, bot_settings, clock
):
    from bot.dialogs.notices import render_notice
    from bot.i18n import translator

    params = {"days_before": 2, "ends_at": "2026-11-26T07:00:00+00:00", "auto_renew": True}

    [reply] = await render_notice(translator("en"), "service_expiring", params)

    assert "Automatic renewal is on" in reply.text
    assert [o.id for o in reply.options] == ["flow:topup", "flow:auto_renew"]


async def test_a_paused_line_is_not_renewed_until_it_runs_again(services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    current = await near_the_end(services, sara, clock)
    await credit(sara, RENEWAL, clock)
    await services.auto_renewals.set(sara.id, True)
    await services.pauses.pause(sara.id, 7)
    # An hour before it resumes, the moved end is 4 hours away: within the renewal's reach.
    clock.advance(timedelta(days=7, hours=-1))
    moved = await Subscription.get(id=current.id)
    assert moved.ends_at - clock.now() == timedelta(hours=4)

    assert await services.auto_renewals.run() == 0

    clock.advance(timedelta(hours=2))
    assert await services.pauses.resume_due() == 1
    assert await services.auto_renewals.run() == 1
    renewed = await Subscription.get(subscriber_id=sara.id, status=SubscriptionStatus.RESERVED)
    assert renewed.starts_at == moved.ends_at
