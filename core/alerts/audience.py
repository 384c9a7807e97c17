"""Whom an outage report or an announcement is for: the subscribers of an exchange centre, those
on a plan now, or (an announcement to no one in particular) everyone whose line is not closed.

The one rule behind sending (core/alerts/broadcast.py) and the console's preview of a send
(core/alerts/preview.py), so what the preview counts is what the send writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts.due import keyset_pages
from core.alerts.queries import anyone_on_plan, centre_reach
from core.billing.models import Plan, Subscription
from core.billing.state import LIVE
from core.errors import InvalidInput, NotFound


@dataclass(frozen=True, slots=True)
class Audience:
    # The centre as the subscribers' records spell it (or as typed, when forced).
    exchange_centre: str | None
    plan_id: int | None
    plan_code: str | None


async def resolve_audience(
    exchange_centre: str | None, plan_code: str | None, *, force: bool, now: datetime
) -> Audience:
    """The centre as the records spell it and the plan a report names. A centre or plan with
    no subscriber is almost always a typing mistake that would tell nobody, so it is refused
    as the field's error unless the operator insists (a forced centre is kept as typed).
    Errors: plan_not_found, no_subscriber_on_plan, no_subscriber_at_exchange_centre."""
    plan = None
    if plan_code is not None:
        plan = await Plan.get_or_none(code=plan_code)
        if plan is None:
            raise NotFound("plan_not_found", plan_code=plan_code)
        if not force and not await anyone_on_plan(plan_code, now):
            raise InvalidInput("no_subscriber_on_plan", field="plan_code")
    if exchange_centre is not None:
        reach = await centre_reach(exchange_centre)
        if reach.exchange_centre is not None:
            exchange_centre = reach.exchange_centre
        elif force:
            exchange_centre = " ".join(exchange_centre.split())
        else:
            raise InvalidInput("no_subscriber_at_exchange_centre", field="exchange_centre")
    return Audience(exchange_centre, plan.id if plan else None, plan.code if plan else None)


async def recipient_pages(
    exchange_centre: str | None,
    plan_id: int | None,
    *,
    everyone: bool,
    page_size: int,
    now: datetime,
) -> AsyncIterator[list[int]]:
    """Pages of subscriber ids: those of the exchange centre, or on the plan now, or (with
    neither and ``everyone``) all subscribers whose line is not closed."""
    if plan_id is not None:
        subscriptions = Subscription.filter(
            plan_id=plan_id, status__in=LIVE, starts_at__lte=now, ends_at__gt=now
        ).exclude(subscriber__line_status=LineStatus.CLOSED)
        async for rows in keyset_pages(subscriptions, page_size, "subscriber_id"):
            yield list(dict.fromkeys(row["subscriber_id"] for row in rows))
    elif exchange_centre is not None or everyone:
        subscribers = Subscriber.exclude(line_status=LineStatus.CLOSED)
        if exchange_centre is not None:
            subscribers = subscribers.filter(exchange_centre=exchange_centre)
        async for rows in keyset_pages(subscribers, page_size):
            yield [row["id"] for row in rows]
