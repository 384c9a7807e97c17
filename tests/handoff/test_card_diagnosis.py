"""A ticket opened by the connection check carries its diagnosis to the agents: on the agents'
group card, in the desk's language (the console's ticket page: tests/staff/test_desk_tickets.py)."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.handlers.agents.card import ticket_card
from bot.i18n import translator
from bot.rendering.diagnosis import diagnosis_lines
from core.alerts.models import Outage
from core.handoff import queries
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import give_service, subscriber

TEHRAN = ZoneInfo("Asia/Tehran")


async def test_the_card_shows_what_the_connection_check_found(services, bot_settings):
    sara = await subscriber(bot_settings, exchange_centre="Daneshgah")
    await give_service(services, sara)
    outage = await Outage.create(
        exchange_centre="Daneshgah", texts={"en": "Fibre cut."}, started_at=NOW - timedelta(hours=1)
    )
    ticket, _ = await services.connection_checks.open_ticket(
        sara.id, "My Internet does not work", lambda d: "Down since noon"
    )
    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )

    text = ticket_card(card, translator("en", zone=TEHRAN))
    persian = ticket_card(card, translator("fa", zone=TEHRAN))

    assert "Connection check: a known outage" in text
    assert f"Outage: #{outage.id}" in text
    assert "Line: In operation · plan std-1m · 20 days" in text
    assert "RADIUS: not configured" in text
    assert text.endswith("Down since noon")
    assert "Connection check: a known outage" not in persian


async def test_a_ticket_not_opened_by_the_check_shows_no_diagnosis(services, bot_settings):
    sara = await subscriber(bot_settings)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "medium", "Slow", "Slow")
    card = await queries.ticket_card(
        services.billing_queries, services.files, ticket.id, payments=3
    )
    assert "Connection check" not in ticket_card(card, translator("en", zone=TEHRAN))


def test_the_diagnosis_counts_days_in_the_plural_and_writes_the_outage_in_persian_digits():
    record = {
        "cause": "outage",
        "line_status": "in_operation",
        "plan_code": "std-1m",
        "remaining_days": 1,
        "remaining_bytes": None,
        "outage_id": 12,
        "radius_configured": False,
    }

    english = "\n".join(diagnosis_lines(translator("en", zone=TEHRAN), record))
    persian = "\n".join(diagnosis_lines(translator("fa", zone=TEHRAN), record))

    assert "· 1 day ·" in english
    assert "Outage: #12" in english
    assert "۱۲" in persian and "12" not in persian
    assert "۱ " in persian and " 1 " not in persian
