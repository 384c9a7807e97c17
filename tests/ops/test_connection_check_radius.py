"""The connection check against a real FreeRADIUS: logins sent with radclient are refused by
FreeRADIUS itself, logged by its stock post-auth query to radpostauth, and the check reads the
refusal's reason from what decided it (radcheck, as provisioning wrote it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.i18n import translator
from bot.rendering.diagnosis import diagnosis_lines
from core.accounts.line_status import LineStatuses
from core.billing.models import Plan
from core.radius.diagnosis import RejectReason, radius_connection
from core.radius.presence import RadiusPresence
from core.radius.provisioning import provision
from core.support.connection import Cause, ConnectionChecks
from core.tickets.service import Tickets
from tests.conftest import NOW
from tests.core.test_billing_support import billing_services
from tests.dialogs.conftest import make_subscriber
from tests.fakes import InMemoryFileStore
from tests.ops.test_freeradius import radius  # noqa: F401  (the fixture)

EN = translator("en", zone="Asia/Tehran")


async def test_a_wrong_password_reject_is_a_wrong_internet_password_in_the_diagnosis(
    radius,  # noqa: F811
    postgres_url,
    settings,
    clock,
):
    connection, server = radius
    billing = billing_services(settings, clock, {})
    # Ten years: FreeRADIUS compares Expiration with the real time, not the tests' clock.
    await Plan.create(code="decade", names={"en": "Decade"}, price=1, duration_days=3650)
    sara = await make_subscriber(settings, username="2188001234")
    await billing.subscriptions.grant_service(sara.id, "decade", starts_at=NOW - timedelta(days=1))
    await provision(connection)
    reader = RadiusPresence(postgres_url, timeout=5.0)
    checks = ConnectionChecks(
        clock, billing.queries, Tickets(settings, clock, InMemoryFileStore()), reader
    )
    try:
        right = {"User-Name": '"2188001234"', "User-Password": '"modem-pass-1"'}
        assert "Access-Accept" in await server.send("auth", right)
        assert (await checks.diagnose(sara.id)).cause is Cause.UNEXPLAINED  # accepted: no reject

        wrong = {**right, "User-Password": '"modem-pass-2"'}
        assert "Access-Reject" in await server.send("auth", wrong)
        diagnosis = await checks.diagnose(sara.id)

        assert diagnosis.cause is Cause.WRONG_PASSWORD
        assert diagnosis.radius is not None
        assert diagnosis.radius.reject_reason is RejectReason.WRONG_PASSWORD
        lines = diagnosis_lines(EN, diagnosis.record())
        assert "wrong internet password" in lines[-1]
        stored = await connection.fetchval(
            "SELECT count(*) FROM radpostauth WHERE username = $1", "2188001234"
        )
        assert stored == 2  # the accept and the reject, as FreeRADIUS logged them

        # An ended service: rlm_expiration refuses before the password is looked at.
        await make_subscriber(settings, username="2166402020", mobile="+989121112233")
        await provision(connection)
        expired = {"User-Name": '"2166402020"', "User-Password": '"modem-pass-2"'}
        assert "Access-Reject" in await server.send("auth", expired)
        seen = await radius_connection(reader, "2166402020", now=clock.now())
        assert seen is not None and seen.reject_reason is RejectReason.EXPIRED
    finally:
        await reader.close()


async def test_a_refusal_while_blocked_is_not_read_as_a_wrong_password_once_the_line_opens(
    radius,  # noqa: F811
    postgres_url,
    settings,
    clock,
):
    connection, server = radius
    # FreeRADIUS stamps its log with the real time: the tests' clock follows it here.
    clock.set(datetime.now(UTC))
    billing = billing_services(settings, clock, {})
    await Plan.create(code="decade", names={"en": "Decade"}, price=1, duration_days=3650)
    sara = await make_subscriber(settings, username="2188005678")
    await billing.subscriptions.grant_service(sara.id, "decade", starts_at=clock.now())
    statuses = LineStatuses(clock)
    await statuses.set_line_status(sara.id, "isolated", "deposit unpaid")
    await provision(connection)
    reader = RadiusPresence(postgres_url, timeout=5.0)
    checks = ConnectionChecks(
        clock, billing.queries, Tickets(settings, clock, InMemoryFileStore()), reader
    )
    right = {"User-Name": '"2188005678"', "User-Password": '"modem-pass-1"'}
    try:
        assert "Access-Reject" in await server.send("auth", right)  # Auth-Type := Reject
        seen = await radius_connection(reader, "2188005678", now=clock.now())
        assert seen is not None and seen.reject_reason is RejectReason.BLOCKED

        await asyncio.sleep(0.01)
        clock.set(datetime.now(UTC))
        await statuses.set_line_status(sara.id, "in_operation", "deposit paid")
        await provision(connection)  # the Reject is gone: today's radcheck is an open line

        opened = await checks.diagnose(sara.id)
        assert opened.cause is Cause.UNEXPLAINED  # not the refusal made while blocked
        assert opened.radius is not None and opened.radius.rejected_at is None

        wrong = {**right, "User-Password": '"modem-pass-2"'}
        assert "Access-Reject" in await server.send("auth", wrong)
        assert (await checks.diagnose(sara.id)).cause is Cause.WRONG_PASSWORD
        assert "Access-Accept" in await server.send("auth", right)
        assert (await checks.diagnose(sara.id)).cause is Cause.UNEXPLAINED  # accepted since
    finally:
        await reader.close()
