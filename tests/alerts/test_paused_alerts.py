"""A paused line is sent no expiry and no low-traffic alert while paused (its end moved with the
pause, and it uses no traffic); once it runs again it is due like any other."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.accounts.models import Subscriber
from core.alerts import kinds
from core.alerts.sweep import AlertSweep
from core.clock import FixedClock
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b

TEHRAN = "Asia/Tehran"


async def due_ids(kind: str) -> list[int]:
    rows = await OutboxMessage.filter(kind=kind).order_by("subscriber_id")
    return [row.subscriber_id for row in rows]  # type: ignore[attr-defined]


async def test_a_paused_line_is_not_told_its_service_ends_until_it_runs_again(db, settings):
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    running, paused = await b.subscriber(), await b.subscriber()
    for who in (running, paused):
        await b.service(who, b.local(TEHRAN, 2026, 11, 26, 20, 0))
    await Subscriber.filter(id=paused.id).update(paused_until=clock.now() + timedelta(hours=1))

    await AlertSweep(settings, clock).run()
    assert await due_ids(kinds.EXPIRY) == [running.id]

    # The pause ended at 11:30: the alert of the day it ends (10:30, two days on) finds it.
    clock.advance(timedelta(days=2))
    await AlertSweep(settings, clock).run()
    assert paused.id in await due_ids(kinds.EXPIRY)


async def test_a_paused_line_is_not_told_its_traffic_is_low(db, settings):
    clock = FixedClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))  # 12:30 in Tehran
    ends = clock.now() + timedelta(days=10)
    running, paused = await b.subscriber(), await b.subscriber()
    for who in (running, paused):
        await b.traffic(who, await b.service(who, ends), 5 * 1024, 5 * 1024 - 900)
    await Subscriber.filter(id=paused.id).update(paused_until=clock.now() + timedelta(days=3))

    await AlertSweep(settings, clock).run()
    assert await due_ids(kinds.LOW_TRAFFIC) == [running.id]

    clock.advance(timedelta(days=3))
    await AlertSweep(settings, clock).run()
    assert await due_ids(kinds.LOW_TRAFFIC) == [running.id, paused.id]
