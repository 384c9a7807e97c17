"""The agents' card lists payments as the money moved, not the service periods they bought,
with money written as the subscribers' messages write it, in the desk's language."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.handlers.agents.card import ticket_card
from bot.i18n import translator
from core.billing.enums import OrderKind
from core.billing.models import Order, Plan
from core.handoff import queries
from tests.dialogs.test_flows_billing_support import give_service, pay_last_order, subscriber

TEHRAN = ZoneInfo("Asia/Tehran")


async def test_the_card_shows_what_was_paid_when_and_the_wallet_part_apart(services, bot_settings):
    sara = await subscriber(bot_settings)
    # A service granted ten days ago: a period on the bills, but no payment.
    await give_service(services, sara)
    await services.wallet.adjust(sara.id, 45_000, "compensation")
    # Bought ahead: its service starts in December, its payment is today's.
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    await pay_last_order(services, sara)
    order = await Order.get(subscriber_id=sara.id)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "medium", "Slow", "Slow")

    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )
    text = ticket_card(card, translator("en", zone=TEHRAN))

    [payment] = card.last_payments
    assert (payment.paid, payment.from_wallet, payment.gateway) == (500_000, 45_000, "sandbox")
    assert (
        f"Last payments:\n  Nov 24, 2026, 10:30\u202fAM · #{order.tracking_number} · "
        "Standard monthly · IRR\u00a0500,000 by sandbox + IRR\u00a045,000 from the wallet"
    ) in text
    assert "Dec" not in text and "545,000" not in text


async def test_the_card_writes_money_as_the_bot_does_in_the_desk_s_language(services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    await pay_last_order(services, sara)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "medium", "Slow", "Slow")
    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )

    persian = ticket_card(card, translator("fa", zone=TEHRAN))
    in_toman = ticket_card(card, translator("fa", zone=TEHRAN, money_in_toman=True))

    # 500,000 and VAT, as the subscriber's receipt writes it.
    assert "۵۴۵٬۰۰۰\u00a0ریال از sandbox" in persian
    assert "۵۴٬۵۰۰ تومان از sandbox" in in_toman


async def test_a_payment_dated_after_now_is_not_on_the_card(services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    await pay_last_order(services, sara)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "medium", "Slow", "Slow")
    clock.advance(timedelta(minutes=-1))  # the payment is a minute ahead of the desk's clock

    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )

    assert card.last_payments == ()


async def test_the_card_names_a_postpaid_bill_payment(services, bot_settings):
    sara = await subscriber(bot_settings)
    await Plan.create(
        code="pp-2m", price=215_000, duration_days=30, billing="postpaid", names={"en": "PP"}
    )
    await services.bills.enrol(sara.id, "pp-2m", date(2026, 9, 23))  # Mehr's bill: 234,350
    await services.orders.place_bill_order(sara.id)
    await pay_last_order(services, sara)
    order = await Order.get(subscriber_id=sara.id)
    ticket = await services.tickets.open_ticket(sara.id, "billing", "medium", "Bill", "Paid")

    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )

    text = ticket_card(card, translator("en", zone=TEHRAN))
    assert f"#{order.tracking_number} · postpaid bill · IRR\u00a0234,350 by sandbox" in text
