"""FreeRADIUS's radacct read into usage sessions, and radcheck provisioning, on PostgreSQL with
FreeRADIUS's own schema. The rows are written the way FreeRADIUS's queries.conf writes them:
one row per session, inserted at Start, updated in place by Interim-Update and Stop."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from core.accounts.chats import Chats
from core.accounts.line_status import LineStatuses
from core.accounts.lockout import Lockout
from core.accounts.models import Subscriber
from core.accounts.password_changes import PasswordChanges
from core.billing.models import Plan, TrafficBucket, UsageSession
from core.radius.accounting import STOP_AWAITED_FOR, AccountingSync
from core.radius.provisioning import provision
from tests.conftest import NOW
from tests.core.test_billing_support import BillingServices, billing_services
from tests.dialogs.conftest import make_subscriber
from tests.fakes import RecordingSmsSender
from tests.ops.radius_schema import load_schema

MB = 1024 * 1024
GIGAWORD = 1 << 32


@pytest.fixture
async def radius(pg, postgres_url):
    connection = await asyncpg.connect(postgres_url)
    await load_schema(connection)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def billing(settings, clock) -> BillingServices:
    return billing_services(settings, clock, {})


@pytest.fixture
async def sara(settings, billing):
    await Plan.create(code="std-1m", names={"en": "Standard"}, price=215000, traffic_mb=5120)
    subscriber = await make_subscriber(settings, username="2188001234")
    # Bought a day ago: the sessions below fall inside the service.
    await billing.subscriptions.grant_service(
        subscriber.id, "std-1m", starts_at=NOW - timedelta(days=1)
    )
    return subscriber


def sync(billing, clock) -> AccountingSync:
    return AccountingSync(billing.usage, clock, overlap=timedelta(minutes=60))


async def start(radius, key: str, username: str, at) -> None:
    await radius.execute(
        "INSERT INTO radacct (acctsessionid, acctuniqueid, username, nasipaddress, acctstarttime,"
        " acctupdatetime, acctinputoctets, acctoutputoctets, framedipaddress)"
        " VALUES ($1, $2, $3, '10.0.0.1', $4, $4, 0, 0, '100.64.0.7')",
        key[:8],
        key,
        username,
        at,
    )


async def interim(radius, key: str, at, upload: int, download: int, *, stop: bool = False):
    column = "acctstoptime = $2, " if stop else ""
    await radius.execute(
        f"UPDATE radacct SET {column}acctupdatetime = $2, acctinputoctets = $3,"
        " acctoutputoctets = $4 WHERE acctuniqueid = $1",
        key,
        at,
        upload,
        download,
    )


async def used_bytes(subscriber) -> int:
    return sum(b.used_bytes for b in await TrafficBucket.filter(subscriber=subscriber))


async def test_a_session_is_counted_once_however_many_interim_updates_arrive(
    radius, sara, billing, clock
):
    key = "8b1f3c0e9a7d4b2c8b1f3c0e9a7d4b2c"
    await start(radius, key, "2188001234", NOW - timedelta(hours=2))
    assert (await sync(billing, clock).run(radius)).recorded == 1
    for minutes, down in [(30, 100 * MB), (60, 180 * MB), (90, 243 * MB)]:
        await interim(
            radius, key, NOW - timedelta(hours=2) + timedelta(minutes=minutes), 40 * MB, down
        )
        await sync(billing, clock).run(radius)
        again = await sync(billing, clock).run(radius)  # nothing new: nothing written
        assert (again.recorded, again.unchanged) == (0, 1)
        assert await used_bytes(sara) == down  # download only counts (the default)
    await interim(radius, key, NOW - timedelta(minutes=5), 53 * MB, 244 * MB, stop=True)
    await sync(billing, clock).run(radius)
    await sync(billing, clock).run(radius)
    session = await UsageSession.get(session_key=key)
    assert (session.download_bytes, session.upload_bytes) == (244 * MB, 53 * MB)
    assert session.ended_at == NOW - timedelta(minutes=5) and session.ip == "100.64.0.7"
    assert await used_bytes(sara) == 244 * MB


async def test_octets_past_four_gigabytes_keep_their_gigawords(radius, sara, billing, clock):
    key = "gw-session-0000000000000000000001"
    await start(radius, key, "2188001234", NOW - timedelta(hours=5))
    # queries.conf stores (Acct-Output-Gigawords << 32) + Acct-Output-Octets.
    await interim(radius, key, NOW - timedelta(hours=1), 7, GIGAWORD + 5 * MB, stop=True)
    await sync(billing, clock).run(radius)
    session = await UsageSession.get(session_key=key)
    assert session.download_bytes == GIGAWORD + 5 * MB


async def test_a_stop_that_arrives_after_the_session_was_seen_open_is_still_read(
    radius, sara, billing, clock
):
    await start(radius, "late-stop", "2188001234", NOW - timedelta(hours=20))
    await sync(billing, clock).run(radius)
    await start(radius, "newer", "2188001234", NOW - timedelta(hours=1))
    await interim(radius, "newer", NOW - timedelta(minutes=30), 0, MB, stop=True)
    await sync(billing, clock).run(radius)
    # The old session's Stop comes now, dated long before the newest recorded end (and the
    # overlap): it is read because our record of it is still open.
    await interim(radius, "late-stop", NOW - timedelta(hours=19), 0, 9 * MB, stop=True)
    await sync(billing, clock).run(radius)
    assert (await UsageSession.get(session_key="late-stop")).download_bytes == 9 * MB
    assert await used_bytes(sara) == 10 * MB


async def test_a_session_its_nas_left_open_ends_at_its_last_update_until_its_stop_comes(
    radius, sara, billing, clock
):
    """The NAS rebooted without a Stop: once the open session is 15 minutes without an update
    the history says when it ended, not "still connected"; a Stop that comes after all (a
    NAS resending its records, dated before the window read by time) gives its real end."""
    await start(radius, "left-open", "2188001234", NOW - timedelta(hours=2))
    await interim(radius, "left-open", NOW - timedelta(minutes=90), MB, 50 * MB)
    await sync(billing, clock).run(radius)
    session = await UsageSession.get(session_key="left-open")
    assert (session.ended_at, session.end_presumed) == (NOW - timedelta(minutes=90), True)
    assert (await sync(billing, clock).run(radius)).unchanged == 1  # nothing new: no write

    await start(radius, "newer", "2188001234", NOW - timedelta(minutes=40))
    await interim(radius, "newer", NOW - timedelta(minutes=20), 0, MB, stop=True)
    await sync(billing, clock).run(radius)
    await interim(radius, "left-open", NOW - timedelta(minutes=85), MB, 60 * MB, stop=True)
    await sync(billing, clock).run(radius)
    session = await UsageSession.get(session_key="left-open")
    assert (session.ended_at, session.end_presumed) == (NOW - timedelta(minutes=85), False)
    assert await used_bytes(sara) == 61 * MB


async def test_a_session_presumed_ended_that_its_nas_updates_again_is_open_again(
    radius, sara, billing, clock
):
    """RADIUS, not the NAS, was away: the next Interim-Update shows the session never ended."""
    await start(radius, "away", "2188001234", NOW - timedelta(hours=2))
    await interim(radius, "away", NOW - timedelta(minutes=60), 0, 10 * MB)
    await sync(billing, clock).run(radius)
    assert (await UsageSession.get(session_key="away")).end_presumed
    await interim(radius, "away", NOW - timedelta(minutes=1), 0, 30 * MB)
    await sync(billing, clock).run(radius)
    session = await UsageSession.get(session_key="away")
    assert (session.ended_at, session.end_presumed) == (None, False)
    assert await used_bytes(sara) == 30 * MB


async def test_sessions_of_users_we_do_not_know_are_left_alone(radius, sara, billing, clock):
    await start(radius, "someone-else", "guest-wifi", NOW - timedelta(hours=1))
    result = await sync(billing, clock).run(radius)
    assert (result.unknown_users, result.recorded) == (1, 0)
    assert not await UsageSession.exists()


async def radcheck(radius) -> set[tuple[str, str, str, str]]:
    rows = await radius.fetch("SELECT username, attribute, op, value FROM radcheck")
    return {tuple(row.values()) for row in rows}


async def test_provisioning_writes_password_expiration_and_blocks_a_suspended_line(
    radius, sara, settings, clock, billing
):
    await radius.execute(
        "INSERT INTO radcheck (username, attribute, op, value)"
        " VALUES ('guest-wifi', 'Cleartext-Password', ':=', 'theirs')"
    )
    done = await provision(radius)
    expires = str(int((NOW + timedelta(days=29)).timestamp()))
    assert await radcheck(radius) == {
        ("guest-wifi", "Cleartext-Password", ":=", "theirs"),
        ("2188001234", "Cleartext-Password", ":=", "modem-pass-1"),
        ("2188001234", "Expiration", ":=", expires),
    }
    assert done.inserted == 2
    again = await provision(radius)
    assert (again.inserted, again.updated, again.deleted) == (0, 0, 0)

    chats, lockout = Chats(clock), Lockout(settings, clock)
    passwords = PasswordChanges(settings, clock, RecordingSmsSender(), chats, lockout)
    lines = LineStatuses(clock)
    await passwords.change_internet_password(
        sara.id, "modem-pass-1", "NewModem-2468", "NewModem-2468"
    )
    await lines.set_line_status(sara.id, "isolated", "deposit unpaid")
    done = await provision(radius)
    assert (done.updated, done.inserted) == (1, 1)
    rows = await radcheck(radius)
    assert ("2188001234", "Cleartext-Password", ":=", "NewModem-2468") in rows
    assert ("2188001234", "Auth-Type", ":=", "Reject") in rows

    await lines.set_line_status(sara.id, "in_operation", "deposit paid")
    await billing.subscriptions.grant_service(sara.id, "std-1m")  # renewed: a month more
    done = await provision(radius)
    assert (done.deleted, done.updated) == (1, 1)
    later = str(int((NOW + timedelta(days=59)).timestamp()))
    assert ("2188001234", "Expiration", ":=", later) in await radcheck(radius)
    assert not any(row[1] == "Auth-Type" for row in await radcheck(radius))
    assert (await Subscriber.get(id=sara.id)).internet_password == "NewModem-2468"


async def test_a_stop_is_looked_for_a_week_after_a_session_was_presumed_ended(
    radius, sara, billing, clock
):
    """A NAS that never sends the Stop: the session is no longer read back after a week."""
    await start(radius, "never-stops", "2188001234", NOW - timedelta(hours=2))
    await interim(radius, "never-stops", NOW - timedelta(minutes=90), 0, MB)
    await start(radius, "newer", "2188001234", NOW - timedelta(minutes=40))
    await interim(radius, "newer", NOW - timedelta(minutes=20), 0, MB, stop=True)
    await sync(billing, clock).run(radius)
    # The window read by time starts after its last update: it is read as a session awaited.
    assert (await sync(billing, clock).run(radius)).read == 2
    clock.advance(STOP_AWAITED_FOR)
    assert (await sync(billing, clock).run(radius)).read == 1  # the newer one, by time
