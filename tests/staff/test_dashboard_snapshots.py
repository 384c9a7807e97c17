"""The dashboard's figures as the worker keeps them: what is kept reads back as counted, the
page shows the kept figures (and when they were counted) until the next count, and figures that
nobody refreshed for twice the interval, or that were counted on an earlier day, are counted
again when asked for. On both databases."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from core.billing.enums import OrderStatus
from core.config import Settings
from core.staff.dashboard import Dashboard, PeriodName
from core.staff.dashboard_snapshots import (
    DashboardSnapshots,
    figures_from_json,
    figures_to_json,
)
from core.staff.models import DashboardSnapshot
from core.tickets.enums import Department, Priority
from core.tickets.models import Ticket
from tests.core.test_accounts_support import make_subscriber
from tests.core.test_billing_support import make_plans
from tests.staff.test_dashboard import order, subscription

TEHRAN = ZoneInfo("Asia/Tehran")


async def some_rows(now):
    plan = (await make_plans())["std-1m"]
    a = await make_subscriber("2100000001")
    await subscription(a, plan, now - timedelta(days=29), now + timedelta(hours=5))
    await order(a, plan, 1, now - timedelta(hours=1), OrderStatus.APPLIED, payable=280_000)
    await order(a, plan, 2, now - timedelta(hours=3), OrderStatus.PENDING)
    await Ticket.create(
        number=1, subscriber=a, department=Department.TECHNICAL, priority=Priority.HIGH,
        subject="s", created_at=now - timedelta(days=2), updated_at=now,
    )  # fmt: skip
    return a, plan


async def test_kept_figures_read_back_as_they_were_counted(db, settings, clock):
    await some_rows(clock.now())
    counted = await Dashboard(settings, clock).every_period(TEHRAN)

    for name, figures in counted.items():
        assert figures_from_json(figures_to_json(figures)) == figures, name
    assert counted[PeriodName.TODAY].awaiting_reconcile == 1
    assert counted[PeriodName.MONTH].revenue[0].amount == 280_000


async def test_the_worker_keeps_every_period_and_the_page_reads_them_until_the_next_count(
    db, settings, clock
):
    a, plan = await some_rows(clock.now())
    snapshots = DashboardSnapshots(Dashboard(settings, clock))

    kept = await snapshots.refresh(TEHRAN)
    assert {k.figures.period.name for k in kept} == set(PeriodName)
    assert await DashboardSnapshot.all().count() == 3
    # A payment after the count: not on the page until the worker counts again.
    await order(a, plan, 3, clock.now(), OrderStatus.APPLIED, payable=20_000)
    clock.advance(timedelta(minutes=settings.dashboard_refresh_minutes))
    shown = await snapshots.latest(PeriodName.TODAY, TEHRAN)
    assert shown.computed_at == clock.now() - timedelta(minutes=5)
    assert [r.amount for r in shown.figures.revenue] == [280_000]

    await snapshots.refresh(TEHRAN)
    again = await snapshots.latest(PeriodName.TODAY, TEHRAN)
    assert again.computed_at == clock.now()
    assert [r.amount for r in again.figures.revenue] == [300_000]
    assert await DashboardSnapshot.all().count() == 3  # each period's row, written over


async def test_figures_nobody_refreshed_are_counted_again_when_asked_for(db, settings, clock):
    a, plan = await some_rows(clock.now())
    snapshots = DashboardSnapshots(Dashboard(settings, clock))
    await snapshots.refresh(TEHRAN)
    await order(a, plan, 3, clock.now(), OrderStatus.APPLIED, payable=20_000)

    clock.advance(timedelta(minutes=2 * settings.dashboard_refresh_minutes + 1))
    shown = await snapshots.latest(PeriodName.WEEK, TEHRAN)

    assert shown.computed_at == clock.now()
    assert sum(r.amount for r in shown.figures.revenue) == 300_000
    row = await DashboardSnapshot.get(period="7d", zone="Asia/Tehran")
    assert row.computed_at == clock.now()


async def test_figures_of_an_earlier_day_are_counted_again_after_midnight(db, clock):
    settings = Settings(_env_file=None, dashboard_refresh_minutes=60)
    snapshots = DashboardSnapshots(Dashboard(settings, clock))
    clock.set(clock.now().replace(hour=20, minute=20))  # 23:50 in Tehran
    await snapshots.refresh(TEHRAN)

    clock.advance(timedelta(minutes=20))  # 00:10, well within the refresh interval
    shown = await snapshots.latest(PeriodName.TODAY, TEHRAN)

    assert shown.computed_at == clock.now()
    assert shown.figures.period.last_day == clock.now().astimezone(TEHRAN).date()


def test_the_refresh_interval_divides_the_hour():
    assert Settings(_env_file=None, dashboard_refresh_minutes=15).dashboard_refresh_minutes == 15
    with pytest.raises(ValidationError, match="must divide 60"):
        Settings(_env_file=None, dashboard_refresh_minutes=7)


async def test_the_page_shows_the_kept_figures_and_when_they_were_counted(console, clock):
    snapshots = DashboardSnapshots(Dashboard(console.wiring.settings, clock))
    await snapshots.refresh(console.wiring.settings.zone)  # the worker, at 10:30 in Tehran
    await make_subscriber("2100000001")
    await console.log_in("admin")

    page = await (await console.client.get("/staff/?period=7d")).text()

    # (CLDR puts a narrow no-break space before AM.)
    assert re.search(r"counted at 10:30\s+AM, again every 5 minutes", page)
    assert await DashboardSnapshot.all().count() == 3  # read, not counted again
    clock.advance(timedelta(minutes=11))  # no worker since: counted when the page is opened
    later = await (await console.client.get("/staff/?period=7d")).text()
    assert re.search(r"counted at 10:41\s+AM", later)


async def test_staff_opening_stale_figures_at_once_wait_for_one_count(db, settings, clock):
    class CountingDashboard(Dashboard):
        counts = 0

        async def figures(self, name, zone):
            CountingDashboard.counts += 1
            await asyncio.sleep(0.05)  # a count takes a while: the others arrive meanwhile
            return await super().figures(name, zone)

    await some_rows(clock.now())
    snapshots = DashboardSnapshots(CountingDashboard(settings, clock))

    shown = await asyncio.gather(*(snapshots.latest(PeriodName.TODAY, TEHRAN) for _ in range(4)))

    assert CountingDashboard.counts == 1
    assert {s.figures for s in shown} == {shown[0].figures}
