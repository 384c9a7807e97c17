"""Reads of outages for the people who report them (the admin API, the staff console)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.alerts.models import Outage
from core.billing.models import Plan
from core.errors import NotFound


@dataclass(frozen=True, slots=True)
class OutageView:
    id: int
    # Who is affected: the subscribers of an exchange centre, or those on a plan.
    exchange_centre: str | None
    plan_code: str | None
    # What the subscribers are told, per language.
    texts: dict[str, str]
    started_at: datetime
    estimated_repair_at: datetime | None
    repaired_at: datetime | None
    # How many reports went out.
    reports: int

    @classmethod
    def of(cls, outage: Outage) -> OutageView:
        """``outage`` with its plan fetched."""
        return cls(
            id=outage.id,
            exchange_centre=outage.exchange_centre,
            plan_code=outage.plan.code if outage.plan else None,
            texts=dict(outage.texts),
            started_at=outage.started_at,
            estimated_repair_at=outage.estimated_repair_at,
            repaired_at=outage.repaired_at,
            reports=outage.reports,
        )


async def outage_page(limit: int, offset: int = 0) -> list[OutageView]:
    """The newest outages first, their plans read in one query for the page."""
    outages = (
        await Outage.all().order_by("-id").offset(offset).limit(limit).prefetch_related("plan")
    )
    return [OutageView.of(outage) for outage in outages]


async def outage_view(outage_id: int) -> OutageView:
    outage = await Outage.get_or_none(id=outage_id).prefetch_related("plan")
    if outage is None:
        raise NotFound("outage_not_found", outage_id=outage_id)
    return OutageView.of(outage)


async def known_plan(code: str) -> bool:
    """Whether an outage or an announcement may name this plan."""
    return await Plan.exists(code=code)
