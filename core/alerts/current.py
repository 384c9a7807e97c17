"""The outages going on now that concern one subscriber: their exchange centre's or their
plan's, not yet repaired (what a subscriber who writes "my internet is down" is told)."""

from __future__ import annotations

from core.alerts.models import Outage
from core.alerts.queries import OutageView, centre_key


async def outages_concerning(
    exchange_centre: str | None, plan_code: str | None
) -> list[OutageView]:
    outages = (
        await Outage.filter(repaired_at__isnull=True)
        .order_by("-id")
        .limit(50)
        .prefetch_related("plan")
    )
    centre = centre_key(exchange_centre) if exchange_centre else None
    return [
        OutageView.of(outage)
        for outage in outages
        if (
            centre is not None
            and outage.exchange_centre
            and centre_key(outage.exchange_centre) == centre
        )
        or (plan_code is not None and outage.plan is not None and outage.plan.code == plan_code)
    ]
