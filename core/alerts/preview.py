"""Before a send: how many subscribers an outage report or an announcement would reach, and on
which channel each would be tried first (core/alerts/reach.py, the notifier's own order).

Read in the send's own pages (core/alerts/audience.py), one query a page for the chats, so a
preview of a million subscribers costs what writing their messages would, and changes nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from core.alerts.audience import recipient_pages, resolve_audience
from core.alerts.reach import first_channels
from core.config import Settings
from core.ports import Clock


@dataclass(frozen=True, slots=True)
class Preview:
    # The centre as the records spell it (None when the audience names none).
    exchange_centre: str | None
    plan_code: str | None
    subscribers: int
    # (channel, subscribers), the busiest first; a subscriber no configured channel can
    # reach now is counted under None (their message waits in the outbox).
    first_channels: tuple[tuple[str | None, int], ...]

    @property
    def unreachable(self) -> int:
        return dict(self.first_channels).get(None, 0)


class Previews:
    def __init__(self, settings: Settings, clock: Clock, page_size: int | None = None) -> None:
        self.clock = clock
        self.page_size = page_size or settings.alert_page_size

    async def preview(
        self,
        configured: Collection[str],
        *,
        exchange_centre: str | None = None,
        plan_code: str | None = None,
        everyone: bool = True,
        force: bool = False,
    ) -> Preview:
        """Whom a send to this audience would reach now, among the ``configured`` channels.
        ``everyone``: an announcement to no centre and no plan goes to all (an outage report
        names one). Refused as the send would be: plan_not_found, and unless ``force``d,
        no_subscriber_on_plan, no_subscriber_at_exchange_centre."""
        now = self.clock.now()
        audience = await resolve_audience(exchange_centre, plan_code, force=force, now=now)
        counts: Counter[str | None] = Counter()
        subscribers = 0
        pages = recipient_pages(
            audience.exchange_centre,
            audience.plan_id,
            everyone=everyone,
            page_size=self.page_size,
            now=now,
        )
        async for ids in pages:
            firsts = await first_channels(ids, configured)
            subscribers += len(firsts)
            counts.update(firsts.values())
        ranked = sorted(counts.items(), key=lambda item: (item[0] is None, -item[1], item[0] or ""))
        return Preview(audience.exchange_centre, audience.plan_code, subscribers, tuple(ranked))
