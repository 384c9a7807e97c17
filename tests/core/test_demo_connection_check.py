"""The demo has one subscriber for each situation the connection check tells apart, and the
check finds it: out of traffic, isolated, paused, a known outage and nothing wrong on both
databases;
the wrong password's refusal and the online line with FreeRADIUS's tables written as
``ispbot demo`` writes them (core/demo/radius.py)."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
import pytest

from core.accounts.models import Subscriber
from core.demo import seed_demo
from core.demo.radius import ONLINE_USERNAME, WRONG_PASSWORD_USERNAME, seed_radius
from core.radius.presence import RadiusPresence
from core.radius.provisioning import provision
from core.support.connection import Cause, ConnectionChecks
from core.tickets.service import Tickets
from tests.core.test_billing_support import billing_services
from tests.fakes import InMemoryFileStore
from tests.ops.radius_schema import load_schema

WITHOUT_RADIUS = {
    "2129180202": Cause.OUT_OF_TRAFFIC,
    "2135550303": Cause.LINE_BLOCKED,
    "2155443322": Cause.OUTAGE,
    "2177889900": Cause.UNEXPLAINED,
    "2144001212": Cause.PAUSED,
    # Without FreeRADIUS's database nothing is known of the modem: nothing wrong.
    WRONG_PASSWORD_USERNAME: Cause.UNEXPLAINED,
    ONLINE_USERNAME: Cause.UNEXPLAINED,
}


def checks_of(settings, clock, radius: RadiusPresence | None) -> ConnectionChecks:
    billing = billing_services(settings, clock, {})
    tickets = Tickets(settings, clock, InMemoryFileStore())
    return ConnectionChecks(clock, billing.queries, tickets, radius)


async def causes(checks: ConnectionChecks, usernames) -> dict[str, Cause]:
    found = {}
    for username in usernames:
        subscriber = await Subscriber.get(username=username)
        found[username] = (await checks.diagnose(subscriber.id)).cause
    return found


async def test_each_situation_has_its_demo_subscriber(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())
    checks = checks_of(settings, clock, None)
    assert await causes(checks, WITHOUT_RADIUS) == WITHOUT_RADIUS
    outage = (await checks.diagnose((await Subscriber.get(username="2155443322")).id)).outage
    assert outage is not None and outage.estimated_repair_at is not None
    assert outage.estimated_repair_at > clock.now()


@pytest.fixture
async def radius_db(pg, postgres_url):
    connection = await asyncpg.connect(postgres_url)
    await load_schema(connection)
    try:
        yield connection
    finally:
        await connection.close()


async def test_with_freeradius_the_demo_shows_a_wrong_password_and_an_online_line(
    radius_db, postgres_url, settings, clock
):
    await seed_demo(settings, clock, InMemoryFileStore())
    await provision(radius_db)
    assert await seed_radius(radius_db, clock.now()) is True
    assert await seed_radius(radius_db, clock.now()) is False  # once
    reader = RadiusPresence(postgres_url, timeout=5.0)
    try:
        checks = checks_of(settings, clock, reader)
        found = await causes(checks, [WRONG_PASSWORD_USERNAME, ONLINE_USERNAME, "2177889900"])
    finally:
        await reader.close()
    assert found == {
        WRONG_PASSWORD_USERNAME: Cause.WRONG_PASSWORD,
        ONLINE_USERNAME: Cause.ONLINE,
        "2177889900": Cause.UNEXPLAINED,
    }


async def test_the_demos_online_line_stays_online_while_the_demo_is_run_again(
    radius_db, postgres_url, settings, clock
):
    """No NAS updates the demo's open session: it reads as ended once stale, and a new run of
    ``ispbot demo`` stands in for the interim update."""
    await seed_demo(settings, clock, InMemoryFileStore())
    await provision(radius_db)
    await seed_radius(radius_db, clock.now())
    reader = RadiusPresence(postgres_url, timeout=5.0)
    try:
        checks = checks_of(settings, clock, reader)
        clock.advance(timedelta(minutes=30))
        assert await causes(checks, [ONLINE_USERNAME]) == {ONLINE_USERNAME: Cause.UNEXPLAINED}
        assert await seed_radius(radius_db, clock.now()) is False
        assert await causes(checks, [ONLINE_USERNAME]) == {ONLINE_USERNAME: Cause.ONLINE}
    finally:
        await reader.close()
