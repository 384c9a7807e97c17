"""End to end with a real FreeRADIUS server: accounting packets sent with radclient land in
radacct through FreeRADIUS's own queries, ``usage sync`` reads them (Gigawords included), and
what provisioning writes to radcheck decides whether the modem may log in."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from core.accounts.chats import Chats
from core.accounts.line_status import LineStatuses
from core.accounts.lockout import Lockout
from core.accounts.password_changes import PasswordChanges
from core.billing.models import Plan, UsageSession
from core.billing.pauses import Pauses
from core.radius.accounting import AccountingSync
from core.radius.presence import LinePresence, RadiusPresence
from core.radius.provisioning import provision
from tests.conftest import NOW
from tests.core.test_billing_support import billing_services
from tests.dialogs.conftest import make_subscriber
from tests.fakes import RecordingSmsSender
from tests.ops.freeradius_server import running_freeradius
from tests.ops.radius_schema import load_schema

MB = 1024 * 1024


@pytest.fixture
async def radius(pg, postgres_url, tmp_path):
    connection = await asyncpg.connect(postgres_url)
    await load_schema(connection)
    try:
        async with running_freeradius(tmp_path / "freeradius", postgres_url) as server:
            yield connection, server
    finally:
        await connection.close()


def at(delta: timedelta) -> int:
    return int((NOW + delta).timestamp())


async def test_radclient_accounting_becomes_usage_and_radcheck_decides_logins(
    radius, settings, clock
):
    connection, server = radius
    billing = billing_services(settings, clock, {})
    await Plan.create(code="std-1m", names={"en": "Standard"}, price=215000, traffic_mb=51200)
    sara = await make_subscriber(settings, username="2188001234")
    await billing.subscriptions.grant_service(sara.id, "std-1m", starts_at=NOW - timedelta(days=1))
    session = {
        "User-Name": '"2188001234"',
        "Acct-Session-Id": '"0000A1B2"',
        "NAS-IP-Address": "10.0.0.1",
        "NAS-Port": 7,
        "Framed-IP-Address": "100.64.0.7",
    }
    reply = await server.send(
        "acct", {**session, "Acct-Status-Type": "Start", "Event-Timestamp": at(-timedelta(hours=2))}
    )
    assert "Accounting-Response" in reply, reply
    sync = AccountingSync(billing.usage, clock, overlap=timedelta(minutes=60))
    for _ in range(2):  # the same interim update delivered twice
        await server.send(
            "acct",
            {
                **session,
                "Acct-Status-Type": "Interim-Update",
                "Event-Timestamp": at(-timedelta(hours=1)),
                "Acct-Session-Time": 3600,
                "Acct-Input-Octets": 20 * MB,
                "Acct-Output-Octets": 7,
                "Acct-Output-Gigawords": 1,  # 4 GiB + 7 bytes received
            },
        )
        await sync.run(connection)
    [recorded] = await UsageSession.all()
    assert (recorded.download_bytes, recorded.upload_bytes) == ((1 << 32) + 7, 20 * MB)
    await server.send(
        "acct",
        {
            **session,
            "Acct-Status-Type": "Stop",
            "Event-Timestamp": at(-timedelta(minutes=10)),
            "Acct-Session-Time": 6600,
            "Acct-Input-Octets": 30 * MB,
            "Acct-Output-Octets": 100 * MB,
            "Acct-Output-Gigawords": 1,
            "Acct-Terminate-Cause": "User-Request",
        },
    )
    await sync.run(connection)
    await sync.run(connection)
    recorded = await UsageSession.get(id=recorded.id)
    assert recorded.download_bytes == (1 << 32) + 100 * MB
    assert recorded.ended_at == NOW - timedelta(minutes=10)
    assert recorded.deducted_bytes == (1 << 32) + 100 * MB  # counted once

    login = {"User-Name": '"2188001234"', "User-Password": '"modem-pass-1"'}
    assert "Access-Reject" in await server.send("auth", login)  # not provisioned yet
    await provision(connection)
    assert "Access-Accept" in await server.send("auth", login)
    chats, lockout = Chats(clock), Lockout(settings, clock)
    passwords = PasswordChanges(settings, clock, RecordingSmsSender(), chats, lockout)
    lines = LineStatuses(clock)
    await passwords.change_internet_password(
        sara.id, "modem-pass-1", "NewModem-2468", "NewModem-2468"
    )
    await provision(connection)
    assert "Access-Reject" in await server.send("auth", login)
    new_login = {**login, "User-Password": '"NewModem-2468"'}
    assert "Access-Accept" in await server.send("auth", new_login)
    await lines.set_line_status(sara.id, "in_collection_list", "not renewed")
    await provision(connection)
    assert "Access-Reject" in await server.send("auth", new_login)

    # A line whose service has ended: Expiration is in the past, FreeRADIUS refuses it.
    await make_subscriber(settings, username="2166402020", mobile="+989121112233")
    await provision(connection)
    expired = {"User-Name": '"2166402020"', "User-Password": '"modem-pass-1"'}
    assert "Access-Reject" in await server.send("auth", expired)
    assert await server.logged("expiration: ERROR: Account expired at")


async def test_a_session_radclient_starts_shows_the_line_online_and_its_stop_offline(
    radius, postgres_url
):
    """What My service reads (core/radius/presence.py) from the rows FreeRADIUS's own queries
    write: the open session's start and Framed-IP-Address, then the Stop's time."""
    _connection, server = radius
    reader = RadiusPresence(postgres_url, timeout=5.0)
    session = {
        "User-Name": '"2188001234"',
        "Acct-Session-Id": '"0000C3D4"',
        "NAS-IP-Address": "10.0.0.1",
        "NAS-Port": 9,
        "Framed-IP-Address": "100.64.0.9",
    }
    try:
        assert await reader.presence("2188001234", now=NOW) == LinePresence(False, None, None, None)
        start = {**session, "Acct-Status-Type": "Start", "Event-Timestamp": at(-timedelta(hours=1))}
        assert "Accounting-Response" in await server.send("acct", start)
        interim = {
            **session,
            "Acct-Status-Type": "Interim-Update",
            "Event-Timestamp": at(-timedelta(minutes=10)),
            "Acct-Session-Time": 3000,
        }
        assert "Accounting-Response" in await server.send("acct", interim)
        online = await reader.presence("2188001234", now=NOW)
        assert online == LinePresence(True, NOW - timedelta(hours=1), "100.64.0.9", None)
        # Had the NAS rebooted then, no Stop would come: 15 minutes on, over since its update.
        later = await reader.presence("2188001234", now=NOW + timedelta(minutes=6))
        assert later == LinePresence(False, NOW - timedelta(minutes=10), None, None)
        stop = {
            **session,
            "Acct-Status-Type": "Stop",
            "Event-Timestamp": at(-timedelta(minutes=5)),
            "Acct-Session-Time": 3300,
            "Acct-Terminate-Cause": "User-Request",
        }
        assert "Accounting-Response" in await server.send("acct", stop)
        offline = await reader.presence("2188001234", now=NOW)
        assert offline == LinePresence(False, NOW - timedelta(minutes=5), None, None)
    finally:
        await reader.close()


async def test_a_paused_line_is_rejected_until_it_resumes(radius, settings, clock):
    """Pausing writes Auth-Type := Reject for the line (its Expiration moved with the pause);
    resuming early takes it away, and the modem logs in again."""
    connection, server = radius
    billing = billing_services(settings, clock, {})
    pauses = Pauses(settings, clock)
    await Plan.create(code="std-1m", names={"en": "Standard"}, price=215000, traffic_mb=51200)
    sara = await make_subscriber(settings, username="2188005555")
    await billing.subscriptions.grant_service(sara.id, "std-1m", starts_at=NOW - timedelta(days=1))
    login = {"User-Name": '"2188005555"', "User-Password": '"modem-pass-1"'}
    await provision(connection, clock.now())
    assert "Access-Accept" in await server.send("auth", login)

    await pauses.pause(sara.id, 14)
    await provision(connection, clock.now())
    assert "Access-Reject" in await server.send("auth", login)
    rows = await connection.fetch(
        "SELECT attribute, value FROM radcheck WHERE username = '2188005555' ORDER BY attribute"
    )
    assert ("Auth-Type", "Reject") in [(r["attribute"], r["value"]) for r in rows]

    clock.advance(timedelta(days=2))
    await pauses.resume(sara.id)
    await provision(connection, clock.now())
    assert "Access-Accept" in await server.send("auth", login)
