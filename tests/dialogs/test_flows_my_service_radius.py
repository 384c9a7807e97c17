"""My service as the panel's main page shows it: the line's status and, with RADIUS configured,
online (the open session's start and IP) or offline (the last session's end), and the route IP;
read from FreeRADIUS's own radacct and radreply tables on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import asyncpg
import pytest

from bot.bootstrap import build_engine, build_services
from bot.dialogs.services import Services
from bot.dialogs.state import MemoryStateStore
from core.accounts.models import Subscriber
from core.billing.gateways.sandbox import SandboxGateway
from core.radius.presence import RadiusPresence
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    USERNAME,
    give_service,
    logged_in,
    subscriber,
)
from tests.fakes import InMemoryFileStore, RecordingSmsSender
from tests.ops.radius_schema import load_schema


@pytest.fixture
async def radius_db(pg, postgres_url) -> AsyncIterator[asyncpg.Connection]:
    """FreeRADIUS's schema in the test database, as its sql module writes it."""
    connection = await asyncpg.connect(postgres_url)
    await load_schema(connection)
    try:
        yield connection
    finally:
        await connection.close()


def services_with(bot_settings, clock, radius: RadiusPresence | None) -> Services:
    sandbox = SandboxGateway("http://bot.test")
    return build_services(
        bot_settings,
        clock=clock,
        sms=RecordingSmsSender(),
        files=InMemoryFileStore(),
        gateways={sandbox.name: sandbox},
        radius=radius,
    )


@pytest.fixture
async def radius_services(radius_db, postgres_url, bot_settings, clock) -> AsyncIterator[Services]:
    reader = RadiusPresence(postgres_url, timeout=2.0)
    try:
        yield services_with(bot_settings, clock, reader)
    finally:
        await reader.close()


async def session(
    radius,
    key: str,
    started,
    *,
    stopped=None,
    updated=None,
    ip: str | None = "100.64.0.7",
    user=USERNAME,
):
    """A radacct row as FreeRADIUS writes it; an open one's NAS sent its last Interim-Update
    (``updated``) two minutes ago unless said otherwise."""
    if updated is None:
        updated = stopped or max(started, NOW - timedelta(minutes=2))
    await radius.execute(
        "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime,"
        " acctupdatetime, acctstoptime, framedipaddress)"
        " VALUES ($1, $2, $3, '10.0.0.1', $4, $5, $6, $7)",
        key[:8],
        key,
        user,
        started,
        updated,
        stopped,
        ip,
    )


async def my_service(services: Services, language: str = "en") -> str:
    chat = await logged_in(build_engine(services, MemoryStateStore()), language_hint=language)
    await chat.send(choice="flow:status")
    return chat.text


async def test_an_open_session_shows_online_since_its_start_with_its_ip_and_the_route(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await session(radius_db, "old", NOW - timedelta(days=1), stopped=NOW - timedelta(hours=20))
    await session(radius_db, "open", NOW - timedelta(minutes=42))
    await radius_db.execute(
        "INSERT INTO radreply (username, attribute, op, value)"
        " VALUES ($1, 'Framed-Route', '+=', '203.0.113.16/29 0.0.0.0 1')",
        USERNAME,
    )

    text = await my_service(radius_services)

    assert "Line status: In operation" in text
    assert f"Online since {EN.datetime(NOW - timedelta(minutes=42))}, IP 100.64.0.7" in text
    assert "Route IP: 203.0.113.16/29" in text
    assert "Offline" not in text


async def test_without_an_open_session_the_line_is_offline_since_the_last_session_ended(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    ended = NOW - timedelta(hours=3, minutes=10)
    await session(radius_db, "a", NOW - timedelta(days=2), stopped=NOW - timedelta(days=1))
    await session(radius_db, "b", NOW - timedelta(hours=5), stopped=ended)
    await session(radius_db, "other", NOW - timedelta(hours=1), user="someone-else")

    text = await my_service(radius_services)

    assert f"Offline since {EN.datetime(ended)}" in text
    assert "Online" not in text and "Route IP" not in text


async def test_a_session_its_nas_stopped_updating_is_over_since_its_last_update(
    radius_db, radius_services, bot_settings
):
    """A NAS that rebooted never sends the Stop: the session stays open in radacct, and past
    ISPBOT_RADIUS_STALE_AFTER_MINUTES (15) without an update the line is offline since then."""
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    last_update = NOW - timedelta(minutes=16)
    await session(radius_db, "old", NOW - timedelta(days=1), stopped=NOW - timedelta(hours=20))
    await session(radius_db, "left-open", NOW - timedelta(hours=6), updated=last_update)

    chat = await logged_in(build_engine(radius_services, MemoryStateStore()))
    await chat.send(choice="flow:status")

    assert f"Offline since {EN.datetime(last_update)}" in chat.text
    assert "Online" not in chat.text
    await radius_db.execute(  # the NAS is back and updates it: online again
        "UPDATE radacct SET acctupdatetime = $1 WHERE acctuniqueid = 'left-open'",
        NOW - timedelta(minutes=1),
    )
    await chat.send(choice="flow:status")
    assert f"Online since {EN.datetime(NOW - timedelta(hours=6))}" in chat.text


async def test_a_session_never_updated_is_over_since_its_start_once_stale(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(radius_services, sara)
    await session(radius_db, "no-update", NOW - timedelta(minutes=20))
    await radius_db.execute("UPDATE radacct SET acctupdatetime = NULL")

    assert f"Offline since {EN.datetime(NOW - timedelta(minutes=20))}" in await my_service(
        radius_services
    )


async def test_a_line_that_never_connected_is_offline_with_no_connection_yet(
    radius_db, radius_services, bot_settings
):
    await subscriber(bot_settings)
    text = await my_service(radius_services)
    assert "Offline: no connection yet" in text
    assert "You have no active service at the moment." in text


async def test_in_persian_the_session_start_is_a_jalali_time_with_persian_digits(
    radius_db, radius_services, bot_settings
):
    sara = await subscriber(bot_settings, language="fa")
    await give_service(radius_services, sara)
    await session(radius_db, "open", NOW - timedelta(minutes=42))
    text = await my_service(radius_services, "fa")
    assert FA.datetime(NOW - timedelta(minutes=42)) in text
    assert "100.64.0.7" in text


async def test_without_radius_configured_nothing_is_said_about_online_or_offline(
    pg, bot_settings, clock
):
    services = services_with(bot_settings, clock, None)
    assert services.radius is None  # ISPBOT_RADIUS_DATABASE_URL unset in the tests
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await Subscriber.filter(id=sara.id).update(route_ip="198.51.100.64/30")

    text = await my_service(services)

    assert "Line status: In operation" in text
    assert "Online" not in text and "Offline" not in text and "checked" not in text
    assert "Route IP: 198.51.100.64/30" in text  # the subscriber's record, without RADIUS


async def test_an_unreachable_radius_database_is_said_and_not_asked_again_at_once(
    pg, bot_settings, clock, unused_tcp_port, caplog
):
    reader = RadiusPresence(f"postgres://radius@127.0.0.1:{unused_tcp_port}/radius", timeout=2.0)
    services = services_with(bot_settings, clock, reader)
    sara = await subscriber(bot_settings)
    await give_service(services, sara)

    text = await my_service(services)

    assert "Online or offline: cannot be checked right now. Please try again later." in text
    assert "Your service: Standard monthly" in text  # the rest of the page as always
    assert "FreeRADIUS's database not readable" in caplog.text
    caplog.clear()
    assert await reader.presence(USERNAME, now=NOW) is None
    assert "not readable" not in caplog.text  # quiet for a while: not tried again
    await reader.close()


async def test_a_radius_database_that_never_answers_costs_the_turn_the_timeout_only():
    """A server that takes the connection and says nothing (a hung PostgreSQL, a firewall that
    drops packets): the read gives up after its timeout."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the client gives up and closes

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader = RadiusPresence(f"postgres://radius@127.0.0.1:{port}/radius", timeout=0.5)
    try:
        started = time.monotonic()
        assert await reader.presence(USERNAME, now=NOW) is None
        assert time.monotonic() - started < 2
    finally:
        await reader.close()
        server.close()
        await server.wait_closed()
