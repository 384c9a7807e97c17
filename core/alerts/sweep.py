"""One pass over every alert selection: what is due now, written to the outbox (or, in a dry
run, only counted), per kind and per the channel it would go to first.

The worker runs a sweep every minute; running it again, or in two workers at once, adds nothing
that is already in the outbox (the unique dedup key), so a sweep is always safe to repeat.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta

from core.alerts.due import DueAlerts, Page
from core.alerts.outbox import enqueue_many, not_yet_enqueued
from core.alerts.reach import first_channels
from core.alerts.zones import subscriber_zones
from core.config import Settings
from core.ports import Clock

NO_CHANNEL = "none"

# (steps done, steps in all, alerts so far): a step is one selection in one zone.
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


async def read_ahead(pages: AsyncIterator[Page]) -> AsyncIterator[Page]:
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
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.channels = channels
        self.due = DueAlerts(settings, page_size)

    async def steps(self) -> list[tuple[str, AsyncIterator[Page]]]:
        """The selections due now, zone by zone: timed ones in the zones at their hour (or
        within the catch-up after it), the others in the zones in their daytime."""
        now, s = self.clock.now(), self.settings
        catch_up = timedelta(minutes=s.alert_catch_up_minutes)
        steps: list[tuple[str, AsyncIterator[Page]]] = []
        for zone in await subscriber_zones(s.timezone):
            if zone.within_catch_up(now, s.alert_local_time, catch_up):
                steps.append((f"expiry {zone.name}", self.due.expiring(zone, now)))
            if zone.within_day(now, s.alert_day_start, s.alert_day_end):
                steps.append((f"low traffic {zone.name}", self.due.low_traffic(zone, now)))
                steps.append((f"free charge {zone.name}", self.due.free_charge_ending(zone, now)))
                steps.append((f"documents {zone.name}", self.due.documents_rejected(zone, now)))
        return steps

    async def run(self, *, dry_run: bool = False, progress: Progress | None = None) -> SweepReport:
        """Write (or with ``dry_run`` only count) every alert due now and not yet written."""
        report = SweepReport()
        steps = await self.steps()
        for done, (_label, pages) in enumerate(steps, start=1):
            async for page in read_ahead(pages):
                if dry_run:
                    fresh = await not_yet_enqueued(page)
                else:
                    fresh = await enqueue_many(page, self.clock.now())
                routes = await first_channels({a.subscriber_id for a in fresh}, self.channels)
                for alert in fresh:
                    report.counts[(alert.kind, routes.get(alert.subscriber_id) or NO_CHANNEL)] += 1
                if progress is not None:
                    progress(done - 1, len(steps), report.total)
            if progress is not None:
                progress(done, len(steps), report.total)
        return report
