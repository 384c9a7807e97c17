"""Check my connection, one chat per situation the check tells apart: out of traffic (the free
charge), an isolated line (the deposit), a known outage (its ETA, "tell me when it is fixed"),
FreeRADIUS's last refused login (a wrong internet password), online now (the session), and
nothing wrong (a technical ticket carrying the diagnosis). The entry points: the menu, free
text, and the ticket flow's technical team."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from bot.bootstrap import build_engine
from bot.dialogs.services import Services
from bot.dialogs.state import MemoryStateStore
from core.accounts.enums import LineStatus
from core.alerts.models import Outage, OutageWatch
from core.billing.models import ServicePause
from core.radius.presence import RadiusPresence
from core.support.connection import Cause
from core.tickets.models import Ticket
from tests.conftest import NOW
from tests.dialogs.client import ChatClient
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    USERNAME,
    give_service,
    logged_in,
    money,
    subscriber,
    use,
)
from tests.dialogs.test_flows_my_service_radius import services_with, session
from tests.ops.radius_schema import load_schema

GB = 1024**3


async def check(chat: ChatClient) -> str:
    await chat.send(choice="flow:connection_check")
    return chat.text


async def test_the_main_menu_offers_the_check(engine, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    assert "Check my connection" in chat.labels


async def test_out_of_traffic_offers_the_free_charge_and_traffic_first(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await use(services, sara, "all", 5 * GB)
    chat = await logged_in(engine)

    text = await check(chat)

    assert "Your traffic has run out, so the line cannot connect." in text
    assert chat.labels[:3] == ["Take the free charge", "Buy traffic", "Renew my service"]
    await chat.press("Take the free charge")
    assert "one-time free charge" in chat.text


async def test_an_isolated_line_says_why_and_offers_the_deposit(engine, bot_settings):
    await subscriber(
        bot_settings,
        line_status=LineStatus.ISOLATED,
        deposit_due=500_000,
        installation_fee_due=250_000,
    )
    chat = await logged_in(engine)

    text = await check(chat)

    assert (
        f"Your line is isolated until its deposit and installation fee ({money(750_000)}) are "
        "paid." in text
    )
    assert chat.labels[0] == "Pay the deposit"
    assert "Open a technical ticket" not in chat.labels


async def test_a_line_isolated_for_an_unpaid_bill_names_the_bill(engine, bot_settings):
    await subscriber(bot_settings, line_status=LineStatus.ISOLATED, unpaid_bills_due=328_090)
    chat = await logged_in(engine)

    text = await check(chat)

    assert f"a bill ({money(328_090)}) is unpaid" in text
    assert "deposit" not in text
    assert chat.labels[0] == "Bills"


async def test_a_line_isolated_by_staff_sends_to_an_agent(engine, bot_settings):
    await subscriber(bot_settings, line_status=LineStatus.ISOLATED)
    chat = await logged_in(engine)
    assert "isolated by our team" in await check(chat)
    assert "Talk to an agent" in chat.labels


async def test_a_known_outage_gives_its_eta_and_tells_when_fixed(engine, services, bot_settings):
    sara = await subscriber(bot_settings, exchange_centre="Daneshgah")
    await give_service(services, sara)
    outage = await Outage.create(
        exchange_centre="Daneshgah",
        texts={"en": "Fibre cut near the exchange.", "fa": "فیبر نزدیک مرکز قطع شده است."},
        started_at=NOW - timedelta(hours=1),
        estimated_repair_at=NOW + timedelta(hours=3),
    )
    chat = await logged_in(engine, language_hint="fa")

    text = await check(chat)

    assert "فیبر نزدیک مرکز قطع شده است." in text
    assert FA.datetime(NOW + timedelta(hours=3)) in text  # Jalali, Persian digits
    await chat.send("1")  # the first option: tell me when it is fixed
    assert await OutageWatch.filter(outage_id=outage.id, subscriber_id=sara.id).exists()
    assert await Ticket.all().count() == 0


async def test_nothing_wrong_opens_a_technical_ticket_carrying_the_diagnosis(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)

    text = await check(chat)
    assert "we know of no outage on it" in text
    await chat.send("something else")
    assert "Please choose one of the options below." in chat.text
    await chat.press("Open a technical ticket")

    [ticket] = await Ticket.all()
    assert f"Its number is {ticket.number}" in chat.text
    assert (ticket.department, ticket.priority) == ("technical", "high")
    assert ticket.diagnosis is not None and ticket.diagnosis["cause"] == "unexplained"
    assert ticket.outage_id is None


async def test_a_paused_line_says_until_when_and_resume_now_leads_to_the_pause_flow(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    paused = await services.pauses.pause(sara.id, 10)
    chat = await logged_in(engine)

    text = await check(chat)

    assert (
        f"Your service is paused until {EN.datetime(paused.resume_at)}, so the line cannot "
        "connect until then." in text
    )
    assert chat.labels[0] == "Resume now"
    assert "Open a technical ticket" not in chat.labels
    await chat.press("Resume now")
    assert "Your service is paused until" in chat.text  # the pause flow's resume step
    await chat.press("Resume now")
    assert "Your service runs again" in chat.text
    assert await Ticket.all().count() == 0


async def test_free_text_leads_to_the_check(engine, services, bot_settings):
    sara = await subscriber(bot_settings, line_status=LineStatus.DOCUMENTS_SUSPENDED)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.send("my internet is not working")
    assert "Your line is: Suspended for documents." in chat.text
    assert chat.labels[0] == "My documents"


async def test_the_technical_team_offers_the_check_first(engine, services, bot_settings):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await use(services, sara, "all", 5 * GB)
    chat = await logged_in(engine)
    await chat.send(choice="flow:tickets")
    await chat.press("New ticket")
    await chat.press("Technical")
    assert "Is your Internet down?" in chat.text
    assert chat.labels[-1] == "Check my connection first"
    await chat.press("Check my connection first")
    assert "Your traffic has run out" in chat.text


async def test_billing_questions_are_not_offered_the_check(engine, bot_settings):
    await subscriber(bot_settings)
    chat = await logged_in(engine)
    await chat.send(choice="flow:tickets")
    await chat.press("New ticket")
    await chat.press("Billing")
    assert "Check my connection first" not in chat.labels


# ---- with FreeRADIUS's database (PostgreSQL) ------------------------------------------------


@pytest.fixture
async def radius_db(pg, postgres_url) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(postgres_url)
    await load_schema(connection)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def radius_services(radius_db, postgres_url, bot_settings, clock) -> AsyncIterator[Services]:
    reader = RadiusPresence(postgres_url, timeout=2.0)
    try:
        yield services_with(bot_settings, clock, reader)
    finally:
        await reader.close()


async def radius_chat(services: Services) -> ChatClient:
    return await logged_in(build_engine(services, MemoryStateStore()))


async def test_a_wrong_password_reject_offers_to_set_the_internet_password(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await session(radius_db, "old", NOW - timedelta(days=1), stopped=NOW - timedelta(hours=20))
    await radius_db.execute(
        "INSERT INTO radcheck (username, attribute, op, value) VALUES"
        " ($1, 'Cleartext-Password', ':=', 'modem-pass-1'), ($1, 'Expiration', ':=', $2)",
        USERNAME,
        str(int((NOW + timedelta(days=20)).timestamp())),
    )
    await radius_db.execute(
        "INSERT INTO radpostauth (username, pass, reply, authdate)"
        " VALUES ($1, 'typo', 'Access-Reject', $2)",
        USERNAME,
        NOW - timedelta(minutes=5),
    )
    chat = await radius_chat(radius_services)

    text = await check(chat)

    assert (
        f"Your modem tried to connect at {EN.datetime(NOW - timedelta(minutes=5))} with a wrong "
        "internet password." in text
    )
    assert f"the last connection ended {EN.datetime(NOW - timedelta(hours=20))}" in text
    assert "typo" not in text
    await chat.press("Set the internet password again")
    assert "your modem must be set to the new password" in chat.text


async def test_a_session_a_rebooted_nas_left_open_does_not_hide_a_wrong_password(
    radius_db, radius_services, bot_settings
):
    """No Stop came for the session (its NAS rebooted three hours ago): it is over since its
    last update, and the modem's refusal after it is the answer, not "connected"."""
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    last_update = NOW - timedelta(hours=3)
    await session(radius_db, "left-open", NOW - timedelta(days=2), updated=last_update)
    await radius_db.execute(
        "INSERT INTO radcheck (username, attribute, op, value)"
        " VALUES ($1, 'Cleartext-Password', ':=', 'modem-pass-1')",
        USERNAME,
    )
    await radius_db.execute(
        "INSERT INTO radpostauth (username, pass, reply, authdate)"
        " VALUES ($1, 'typo', 'Access-Reject', $2)",
        USERNAME,
        NOW - timedelta(minutes=5),
    )

    text = await check(await radius_chat(radius_services))

    assert "with a wrong internet password" in text
    assert f"the last connection ended {EN.datetime(last_update)}" in text
    assert "Connected since" not in text


async def test_online_shows_the_session_and_still_offers_a_ticket(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await session(radius_db, "open", NOW - timedelta(minutes=42))
    await radius_db.execute(
        "UPDATE radacct SET acctoutputoctets = $1, acctinputoctets = $2 WHERE username = $3",
        300 * 1024 * 1024,
        20 * 1024 * 1024,
        USERNAME,
    )
    chat = await radius_chat(radius_services)

    text = await check(chat)

    assert (
        f"Connected since {EN.datetime(NOW - timedelta(minutes=42))} (IP 100.64.0.7); this "
        f"session: {EN.traffic(300 * 1024 * 1024, 'MB')} down, "
        f"{EN.traffic(20 * 1024 * 1024, 'MB')} up." in text
    )
    await chat.press("Open a technical ticket")
    [ticket] = await Ticket.all()
    assert ticket.diagnosis is not None
    assert ticket.diagnosis["cause"] == "online"
    assert ticket.diagnosis["radius"]["ip"] == "100.64.0.7"


async def test_an_expired_refusal_with_the_service_in_force_again_says_restart(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await session(radius_db, "old", NOW - timedelta(days=3), stopped=NOW - timedelta(days=2))
    # radcheck still holds the end of the service before the renewal (not provisioned since).
    await radius_db.execute(
        "INSERT INTO radcheck (username, attribute, op, value) VALUES"
        " ($1, 'Cleartext-Password', ':=', 'modem-pass-1'), ($1, 'Expiration', ':=', $2)",
        USERNAME,
        str(int((NOW - timedelta(days=1)).timestamp())),
    )
    await radius_db.execute(
        "INSERT INTO radpostauth (username, pass, reply, authdate)"
        " VALUES ($1, '', 'Access-Reject', $2)",
        USERNAME,
        NOW - timedelta(hours=1),
    )
    chat = await radius_chat(radius_services)

    text = await check(chat)

    assert "because your service had ended then. It is in force now: restart the modem." in text
    assert chat.labels[0] == "Open a technical ticket"
    await chat.press("Open a technical ticket")
    [ticket] = await Ticket.all()
    assert ticket.diagnosis is not None
    assert ticket.diagnosis["radius"]["reject_reason"] == "expired"


async def refused(radius_db, at, *, blocked: bool = False) -> None:
    """radcheck as provisioning writes an open (or blocked) line in force, and one refusal."""
    await radius_db.execute(
        "INSERT INTO radcheck (username, attribute, op, value) VALUES"
        " ($1, 'Cleartext-Password', ':=', 'modem-pass-1'), ($1, 'Expiration', ':=', $2)",
        USERNAME,
        str(int((NOW + timedelta(days=20)).timestamp())),
    )
    if blocked:
        await radius_db.execute(
            "INSERT INTO radcheck (username, attribute, op, value)"
            " VALUES ($1, 'Auth-Type', ':=', 'Reject')",
            USERNAME,
        )
    await radius_db.execute(
        "INSERT INTO radpostauth (username, pass, reply, authdate)"
        " VALUES ($1, '', 'Access-Reject', $2)",
        USERNAME,
        at,
    )


async def test_a_refusal_from_before_the_line_was_opened_again_is_not_a_wrong_password(
    radius_db, radius_services, bot_settings, clock
):
    sara = await subscriber(bot_settings, line_status=LineStatus.ISOLATED)
    await give_service(radius_services, sara)
    await refused(radius_db, NOW - timedelta(hours=2))  # while isolated
    clock.set(NOW - timedelta(hours=1))
    await radius_services.line_statuses.set_line_status(sara.id, "in_operation", "deposit paid")
    clock.set(NOW)

    diagnosis = await radius_services.connection_checks.diagnose(sara.id)

    assert diagnosis.cause is Cause.UNEXPLAINED
    assert diagnosis.radius is not None and diagnosis.radius.rejected_at is None


async def test_a_refusal_from_before_a_pause_ended_is_not_a_wrong_password(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await refused(radius_db, NOW - timedelta(days=2))  # while paused
    await ServicePause.create(
        subscriber_id=sara.id,
        days=7,
        started_at=NOW - timedelta(days=5),
        resume_at=NOW + timedelta(days=2),
        resumed_at=NOW - timedelta(days=1),
        resumed_by="subscriber",
        currency="IRR",
    )

    diagnosis = await radius_services.connection_checks.diagnose(sara.id)

    assert diagnosis.cause is Cause.UNEXPLAINED


async def test_a_refusal_followed_by_an_accepted_login_explains_nothing(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await refused(radius_db, NOW - timedelta(minutes=10))
    await radius_db.execute(
        "INSERT INTO radpostauth (username, pass, reply, authdate)"
        " VALUES ($1, '', 'Access-Accept', $2)",
        USERNAME,
        NOW - timedelta(minutes=9),
    )

    diagnosis = await radius_services.connection_checks.diagnose(sara.id)

    assert diagnosis.cause is Cause.UNEXPLAINED


async def test_a_blocked_refusal_on_an_open_line_says_restart_and_offers_a_ticket(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    # radcheck still blocks the line (not provisioned since it was opened).
    await refused(radius_db, NOW - timedelta(minutes=5), blocked=True)
    chat = await radius_chat(radius_services)

    text = await check(chat)

    assert "because your line was blocked then. It is open now: restart the modem." in text
    assert "wrong internet password" not in text
    assert chat.labels[0] == "Open a technical ticket"
    await chat.press("Open a technical ticket")
    [ticket] = await Ticket.all()
    assert ticket.diagnosis is not None
    assert ticket.diagnosis["cause"] == "refused_blocked"
    assert ticket.diagnosis["radius"]["reject_reason"] == "blocked"
