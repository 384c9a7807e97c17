"""The connection check's core read (core/support/connection.py) on both databases: each cause
in its order, "tell me when it is fixed", and a ticket that carries the diagnosis and hears of
its outage's repair. FreeRADIUS's part is in tests/ops/test_connection_check_radius.py."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import pytest
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.broadcast import Broadcasts
from core.alerts.enums import OutageStage
from core.alerts.models import OutageWatch
from core.errors import Conflict
from core.inbox.models import OutboxMessage
from core.support.connection import Cause, ConnectionChecks
from core.tickets.models import Ticket
from core.tickets.service import Tickets
from tests.core import test_billing_support as support
from tests.core.test_billing_free_charge import use_all_traffic
from tests.core.test_billing_support import error_of, make_plans, make_subscriber
from tests.fakes import InMemoryFileStore

TEXTS = {"en": "The fibre to Pasdaran was cut."}
billing = support.billing
gateway = support.gateway


@pytest.fixture
def checks(settings, clock, billing) -> ConnectionChecks:
    tickets = Tickets(settings, clock, InMemoryFileStore())
    return ConnectionChecks(clock, billing.queries, tickets, radius=None)


async def served(billing, **extra) -> Subscriber:
    """A subscriber at Pasdaran with 30 days and 5 GB of std-1m."""
    await make_plans()
    kamal = await make_subscriber(exchange_centre="Pasdaran", **extra)
    await billing.subscriptions.grant_service(kamal.id, "std-1m")
    return kamal


async def test_nothing_wrong_is_unexplained_and_may_carry_a_ticket(db, billing, checks):
    kamal = await served(billing)

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.UNEXPLAINED
    assert (diagnosis.explained, diagnosis.may_open_ticket) == (False, True)
    assert diagnosis.radius is None and diagnosis.radius_configured is False


async def test_traffic_run_out_offers_the_free_charge_before_anything_else(
    db, billing, checks, settings, clock
):
    kamal = await served(billing)
    await use_all_traffic(billing, kamal.id, clock)
    await Broadcasts(settings, clock).start_outage(TEXTS, exchange_centre="Pasdaran")

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.OUT_OF_TRAFFIC
    assert diagnosis.free_charge is True
    assert diagnosis.outage is not None  # known, but the traffic explains it first


async def test_a_line_without_service_is_no_service(db, billing, checks):
    await make_plans()
    kamal = await make_subscriber()

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.NO_SERVICE
    assert diagnosis.free_charge is False  # never had one: nothing to bridge


@pytest.mark.parametrize(
    "status", [LineStatus.ISOLATED, LineStatus.DOCUMENTS_SUSPENDED, LineStatus.CLOSED]
)
async def test_a_line_blocked_beyond_buying_comes_before_an_empty_service(db, checks, status):
    await make_plans()
    kamal = await make_subscriber(line_status=status)

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.LINE_BLOCKED
    assert diagnosis.line_status is status
    assert diagnosis.may_open_ticket is False


async def test_a_known_outage_explains_it_and_can_be_watched_once(
    db, billing, checks, settings, clock
):
    kamal = await served(billing)
    outage, _ = await Broadcasts(settings, clock).start_outage(
        TEXTS, exchange_centre="pasdaran ", estimated_repair_at=clock.now() + timedelta(hours=3)
    )

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.OUTAGE
    assert diagnosis.outage is not None and diagnosis.outage.id == outage.id
    assert diagnosis.outage.estimated_repair_at == clock.now() + timedelta(hours=3)
    assert await checks.watch_outage(kamal.id, outage.id) is True
    assert await checks.watch_outage(kamal.id, outage.id) is False
    assert await OutageWatch.filter(subscriber_id=kamal.id).count() == 1


async def test_an_outage_that_does_not_concern_the_subscriber_cannot_be_watched(
    db, billing, checks, settings, clock
):
    kamal = await served(billing)
    other = await make_subscriber("3132230000", exchange_centre="Tajrish")
    outage, _ = await Broadcasts(settings, clock).start_outage(TEXTS, exchange_centre="Tajrish")
    broadcasts = Broadcasts(settings, clock)

    refused = await error_of(checks.watch_outage(kamal.id, outage.id))
    await broadcasts.repaired(outage.id)
    resolved = await error_of(checks.watch_outage(other.id, outage.id))

    assert (refused.code, resolved.code) == ("outage_not_found", "outage_already_resolved")
    assert await OutageWatch.all().count() == 0


async def test_the_repair_reaches_a_watcher_who_muted_outages_once(
    db, billing, checks, settings, clock
):
    kamal = await served(billing, muted_notices=kinds.OUTAGE)
    neighbour = await make_subscriber("3132230001", exchange_centre="Pasdaran")
    broadcasts = Broadcasts(settings, clock)
    outage, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")
    await checks.watch_outage(kamal.id, outage.id)

    written = await broadcasts.repaired(outage.id)

    assert written == 2  # the watcher (muted, but asked) and the neighbour, once each
    told = await OutboxMessage.filter(subscriber_id=kamal.id).values_list("kind", "params")
    assert [(kind, params["asked"]) for kind, params in told] == [(kinds.OUTAGE_REPAIRED, "watch")]
    neighbour_kinds = await OutboxMessage.filter(subscriber_id=neighbour.id).values_list(
        "kind", flat=True
    )
    assert sorted(neighbour_kinds) == [kinds.OUTAGE, kinds.OUTAGE]  # the start, the repair


async def test_a_ticket_carries_the_diagnosis_and_its_outage_tells_it_of_the_repair(
    db, billing, checks, settings, clock
):
    kamal = await served(billing)
    broadcasts = Broadcasts(settings, clock)
    outage, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")

    ticket, diagnosis = await checks.open_ticket(
        kamal.id, "My Internet does not work", lambda d: f"cause: {d.cause}"
    )
    await broadcasts.repaired(outage.id)

    stored = await Ticket.get(id=ticket.id).prefetch_related("messages")
    assert stored.department == "technical" and stored.outage_id == outage.id
    assert stored.diagnosis == diagnosis.record()
    assert stored.diagnosis["cause"] == "outage" and stored.diagnosis["outage_id"] == outage.id
    assert [m.body for m in stored.messages] == ["cause: outage"]
    [repair] = await OutboxMessage.filter(subscriber_id=kamal.id, kind=kinds.OUTAGE_REPAIRED)
    assert repair.params["ticket_number"] == ticket.number


async def test_no_ticket_while_something_the_subscriber_can_fix_explains_it(
    db, billing, checks, clock
):
    kamal = await served(billing)
    await use_all_traffic(billing, kamal.id, clock)

    error = await error_of(checks.open_ticket(kamal.id, "Down", lambda d: "down"))

    assert error.code == "connection_check_explained"
    assert error.details["cause"] == "out_of_traffic"
    assert await Ticket.all().count() == 0


async def test_a_paused_line_says_until_when_and_never_carries_a_ticket(db, billing, checks, clock):
    kamal = await served(billing)
    resumes = clock.now() + timedelta(days=5)
    await Subscriber.filter(id=kamal.id).update(paused_until=resumes)

    diagnosis = await checks.diagnose(kamal.id)
    error = await error_of(checks.open_ticket(kamal.id, "Down", lambda d: "down"))

    assert diagnosis.cause is Cause.PAUSED
    assert diagnosis.paused_until == resumes
    assert diagnosis.record()["paused_until"] == resumes.isoformat()
    assert (diagnosis.explained, diagnosis.may_open_ticket) == (True, False)
    assert (error.code, error.details["cause"]) == ("connection_check_explained", "paused")
    assert await Ticket.all().count() == 0


async def test_a_pause_whose_day_has_come_no_longer_explains_it(db, billing, checks, clock):
    kamal = await served(billing)
    await Subscriber.filter(id=kamal.id).update(paused_until=clock.now() - timedelta(minutes=1))

    diagnosis = await checks.diagnose(kamal.id)

    assert diagnosis.cause is Cause.UNEXPLAINED
    assert diagnosis.paused_until is None


async def test_a_blocked_line_comes_before_its_pause(db, billing, checks, clock):
    kamal = await served(billing)
    await Subscriber.filter(id=kamal.id).update(
        paused_until=clock.now() + timedelta(days=5), line_status=LineStatus.ISOLATED
    )

    assert (await checks.diagnose(kamal.id)).cause is Cause.LINE_BLOCKED


async def test_the_repair_tells_who_asked_in_the_transaction_that_records_it(
    db, billing, checks, settings, clock
):
    kamal = await served(billing)
    broadcasts = Broadcasts(settings, clock)
    outage, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")
    await checks.watch_outage(kamal.id, outage.id)

    # The repair recorded, its report to the whole centre not sent yet (a crash here).
    report = await broadcasts.next_report(outage.id, OutageStage.REPAIRED, texts=TEXTS)

    [told] = await OutboxMessage.filter(subscriber_id=kamal.id, kind=kinds.OUTAGE_REPAIRED)
    assert told.params["asked"] == "watch" and told.params["texts"] == TEXTS
    assert report.told == 1
    # The report then sent reaches nobody twice and counts the watcher once.
    assert await broadcasts.send_report(report, TEXTS) == 1
    assert (
        await OutboxMessage.filter(subscriber_id=kamal.id, kind=kinds.OUTAGE_REPAIRED).count() == 1
    )
    assert await OutboxMessage.filter(subscriber_id=kamal.id, kind=kinds.OUTAGE).count() == 1


async def while_the_repair_is_uncommitted(
    broadcasts: Broadcasts, outage_id: int, act: Coroutine[Any, Any, Any]
) -> tuple[bool, Any]:
    """``act`` started while the outage's repair is recorded and not yet committed: whether it
    waited for the repair, and what it came to (its result or its error)."""
    recorded, release = asyncio.Event(), asyncio.Event()

    async def repair_held_open() -> None:
        async with in_transaction():
            await broadcasts.next_report(outage_id, OutageStage.REPAIRED, texts=TEXTS)
            recorded.set()
            await release.wait()  # the repair's transaction not committed yet

    repair = asyncio.create_task(repair_held_open())
    await recorded.wait()
    acting = asyncio.create_task(act)
    await asyncio.sleep(0.3)
    waited = not acting.done()
    release.set()
    await repair
    return waited, (await asyncio.gather(acting, return_exceptions=True))[0]


async def test_a_watch_asked_while_the_repair_goes_out_is_told_or_refused(
    pg, billing, checks, settings, clock
):
    kamal = await served(billing)
    broadcasts = Broadcasts(settings, clock)
    outage, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")
    waited, outcome = await while_the_repair_is_uncommitted(
        broadcasts, outage.id, checks.watch_outage(kamal.id, outage.id)
    )

    assert waited  # the watch waits for the outage's lock
    assert isinstance(outcome, Conflict) and outcome.code == "outage_already_resolved"
    # Whoever holds a watch was told of the repair.
    watchers = set(
        await OutageWatch.filter(outage_id=outage.id).values_list("subscriber_id", flat=True)
    )
    told = set(
        await OutboxMessage.filter(kind=kinds.OUTAGE_REPAIRED).values_list(
            "subscriber_id", flat=True
        )
    )
    assert watchers <= told


async def test_a_ticket_opened_while_the_repair_goes_out_is_told_or_refused(
    pg, billing, checks, settings, clock
):
    kamal = await served(billing)
    broadcasts = Broadcasts(settings, clock)
    outage, _ = await broadcasts.start_outage(TEXTS, exchange_centre="Pasdaran")
    _, outcome = await while_the_repair_is_uncommitted(
        broadcasts, outage.id, checks.open_ticket(kamal.id, "Down", lambda d: "down")
    )

    assert isinstance(outcome, Conflict) and outcome.code == "outage_already_resolved"
    linked = set(await Ticket.filter(outage_id=outage.id).values_list("subscriber_id", flat=True))
    told = set(
        await OutboxMessage.filter(kind=kinds.OUTAGE_REPAIRED).values_list(
            "subscriber_id", flat=True
        )
    )
    assert linked <= told
