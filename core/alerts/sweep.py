"""One pass over every alert selection: what is due now, written to the outbox (or, in a dry
run, only counted), per kind and per the channel it would go to first.

The worker runs a sweep every minute; running it again, or in two workers at once, adds nothing
that is already in the outbox (the unique dedup key), so a sweep is always safe to repeat.

On PostgreSQL the expiry and low traffic come settled from their statements (core/alerts/
settled.py); a few selections run at once, so that the database works on both cores while
this process turns rows into alerts (bench/RESULTS.md "Alerts").
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from core import sql
from core.alerts import settled
from core.alerts.due import DueAlerts, Page
from core.alerts.outbox import enqueue_many, not_yet_enqueued
from core.alerts.reach import first_channels
from core.alerts.settled import Routed
from core.alerts.zones import Zone, subscriber_zones
from core.config import Settings
from core.ports import Clock

NO_CHANNEL = "none"

T = TypeVar("T")
# Low traffic is read in this many parts, each on a connection of its own (two cores), and
# this many selections run at once besides: the expiry beside the two parts.
PARTS = 2
LANES = PARTS + 1

# (steps done, steps in all, alerts so far): a step is one selection in one zone (or, low
# traffic on PostgreSQL, a part of the subscribers in every zone in daytime).
Progress = Callable[[int, int, int], None]


@dataclass
class SweepReport:
    # (kind, channel it would go to first) -> how many
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_kind(self) -> Counter[str]:
        result: Counter[str] = Counter()
        for (kind, _channel), n in self.counts.items():
            result[kind] += n
        return result


async def read_ahead(pages: AsyncIterator[T]) -> AsyncIterator[T]:
    """``pages``, each read while the one before is written and counted: the database works
    on the next page while this process settles the last (two cores, not one after the
    other). One page ahead at most: two pages in memory, never more."""
    following = asyncio.ensure_future(anext(pages, None))
    try:
        while (page := await following) is not None:
            following = asyncio.ensure_future(anext(pages, None))
            yield page
    finally:
        following.cancel()


class AlertSweep:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        channels: Collection[str] = ("telegram", "whatsapp", "sms", "web"),
        page_size: int | None = None,
        settled: bool | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.channels = channels
        self.due = DueAlerts(settings, page_size)
        # Expiry and low traffic each as one statement that settles its alerts itself
        # (core/alerts/settled.py): PostgreSQL's way, unless told otherwise (tests compare).
        self.settled = sql.on_postgres() if settled is None else settled

    async def steps(self, dry_run: bool) -> list[tuple[str, AsyncIterator[list[Routed]]]]:
        """The selections due now, zone by zone: timed ones in the zones at their hour (or
        within the catch-up after it), the others in the zones in their daytime; each a run
        of pages of the alerts to count, written to the outbox unless ``dry_run``."""
        now, s = self.clock.now(), self.settings
        catch_up = timedelta(minutes=s.alert_catch_up_minutes)
        steps: list[tuple[str, AsyncIterator[list[Routed]]]] = []

        def add(label: str, pages: AsyncIterator[Page]) -> None:
            steps.append((label, self._settle(pages, dry_run)))

        def add_settled(label: str, pages: AsyncIterator[list[Routed]]) -> None:
            steps.append((label, self._write(read_ahead(pages), dry_run)))

        in_daytime: list[Zone] = []
        for zone in await subscriber_zones(s.timezone):
            if zone.within_catch_up(now, s.alert_local_time, catch_up):
                if self.settled:
                    add_settled(
                        f"expiry {zone.name}", settled.expiring(self.due, zone, now, self.channels)
                    )
                else:
                    add(f"expiry {zone.name}", self.due.expiring(zone, now))
            if zone.within_day(now, s.alert_day_start, s.alert_day_end):
                in_daytime.append(zone)
                if not self.settled:
                    add(f"low traffic {zone.name}", self.due.low_traffic(zone, now))
                add(f"free charge {zone.name}", self.due.free_charge_ending(zone, now))
                add(f"documents {zone.name}", self.due.documents_rejected(zone, now))
        if self.settled and in_daytime:
            # The longest, in parts, first: the database sums the buckets on both cores while
            # the third lane takes the rest.
            for number, ids in enumerate(await settled.subscriber_ranges(PARTS), start=1):
                pages = settled.low_traffic(self.due, in_daytime, now, self.channels, ids)
                add_settled(f"low traffic ({number}/{PARTS})", pages)
                steps.insert(number - 1, steps.pop())
        return steps

    async def _settle(
        self, pages: AsyncIterator[Page], dry_run: bool
    ) -> AsyncIterator[list[Routed]]:
        """``pages``' alerts not in the outbox yet nor muted (written there unless
        ``dry_run``), with the channel each would go to first."""
        async for page in read_ahead(pages):
            if dry_run:
                fresh = await not_yet_enqueued(page)
            else:
                fresh = await enqueue_many(page, self.clock.now())
            routes = await first_channels({a.subscriber_id for a in fresh}, self.channels)
            yield [(alert, routes.get(alert.subscriber_id)) for alert in fresh]

    async def _write(
        self, pages: AsyncIterator[list[Routed]], dry_run: bool
    ) -> AsyncIterator[list[Routed]]:
        """Settled ``pages`` written to the outbox unless ``dry_run``: those another sweep
        wrote since they were read are left out (enqueue_many looks again)."""
        async for page in pages:
            if dry_run:
                yield page
                continue
            routes = {alert.key: route for alert, route in page}
            fresh = await enqueue_many([alert for alert, _ in page], self.clock.now())
            yield [(alert, routes[alert.key]) for alert in fresh]

    async def run(self, *, dry_run: bool = False, progress: Progress | None = None) -> SweepReport:
        """Write (or with ``dry_run`` only count) every alert due now and not yet written.
        Two selections at a time: the database works on both cores while this process turns
        rows into alerts (bench/RESULTS.md "Alerts")."""
        report = SweepReport()
        steps = await self.steps(dry_run)
        # Shared by the lanes: each step is taken by one of them.
        waiting = iter(steps)
        done = 0

        async def lane() -> None:
            nonlocal done
            for _label, pages in waiting:
                async for page in pages:
                    for alert, route in page:
                        report.counts[(alert.kind, route or NO_CHANNEL)] += 1
                    if progress is not None:
                        progress(done, len(steps), report.total)
                done += 1
                if progress is not None:
                    progress(done, len(steps), report.total)

        await asyncio.gather(*(lane() for _ in range(LANES)))
        return report
