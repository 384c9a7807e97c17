"""Reads of outages for the people who report them (the admin API, the staff console)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from tortoise.functions import Count

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts.models import Outage
from core.billing.models import Plan, Subscription
from core.billing.state import LIVE
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


@dataclass(frozen=True, slots=True)
class Reach:
    """Whom a report for an exchange centre or a plan would reach."""

    # The centre's name as the subscribers' records spell it (None: no record has it).
    exchange_centre: str | None
    # Subscribers whose line is not closed.
    subscribers: int


def centre_key(name: str) -> str:
    """The way people compare centre names: case, and spaces around and between words, aside."""
    return " ".join(name.split()).casefold()


async def centre_reach(typed: str) -> Reach:
    """The stored exchange centre ``typed`` names, however it is cased or spaced, and how many
    subscribers it has. Centres are few, so their names are compared here rather than in SQL;
    when records spell one centre several ways the commonest spelling is chosen."""
    key = centre_key(typed)
    rows = await (
        Subscriber.exclude(line_status=LineStatus.CLOSED)
        .exclude(exchange_centre=None)
        .annotate(subscribers=Count("id"))
        .group_by("exchange_centre")
        .values_list("exchange_centre", "subscribers")
    )
    counts = Counter({str(name): n for name, n in rows if centre_key(str(name)) == key})
    if not counts:
        return Reach(None, 0)
    name, subscribers = counts.most_common(1)[0]
    return Reach(name, subscribers)


async def anyone_on_plan(code: str, now: datetime) -> bool:
    """Whether a subscriber whose line is not closed is on the plan now."""
    return await (
        Subscription.filter(plan__code=code, status__in=LIVE, starts_at__lte=now, ends_at__gt=now)
        .exclude(subscriber__line_status=LineStatus.CLOSED)
        .exists()
    )


async def outages_before(before: int | None = None, limit: int = 20) -> list[OutageView]:
    """The newest outages first, a page before the id ``before`` (keyset, for the console)."""
    rows = Outage.all()
    if before is not None:
        rows = rows.filter(id__lt=before)
    found = await rows.order_by("-id").limit(limit).prefetch_related("plan")
    return [OutageView.of(outage) for outage in found]


async def exchange_centres(limit: int = 500) -> list[str]:
    """The exchange centres subscribers' records name (lines not closed), for a form's
    suggestions; the most populous first."""
    rows = await (
        Subscriber.exclude(line_status=LineStatus.CLOSED)
        .exclude(exchange_centre=None)
        .annotate(subscribers=Count("id"))
        .group_by("exchange_centre")
        .order_by("-subscribers")
        .limit(limit)
        .values_list("exchange_centre", flat=True)
    )
    return [str(name) for name in rows]
