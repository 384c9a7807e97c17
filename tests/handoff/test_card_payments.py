"""The agents' card lists payments as the money moved, not the service periods they bought."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.handlers.agents.card import ticket_card
from core.billing.enums import OrderKind
from core.billing.models import Order
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
    text = ticket_card(card, TEHRAN)

    [payment] = card.last_payments
    assert (payment.paid, payment.from_wallet, payment.gateway) == (500_000, 45_000, "sandbox")
    assert (
        f"Last payments:\n  Nov 24, 2026, 10:30\u202fAM · #{order.tracking_number} · "
        "Standard monthly · IRR\u00a0500,000 by sandbox + IRR\u00a045,000 from the wallet"
    ) in text
    assert "Dec" not in text and "545,000" not in text
