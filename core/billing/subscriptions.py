"""The chain of a subscriber's subscriptions: how a service starts and what follows it, shared by
orders, the free charge and the jobs; and an operator's or agent's grant and extension.

The module's functions run inside their caller's transaction, with the subscriber's row locked
(``lock_subscriber``); ``Subscriptions``' methods own theirs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.accounts.models import Subscriber
from core.accounts.profile import subscriber_zone
from core.billing import state
from core.billing.enums import (
    BucketKind,
    OrderKind,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
)
from core.billing.models import Bill, Order, Plan, Subscription, TrafficBucket
from core.billing.periods import period_days
from core.billing.read_models import SubscriptionView
from core.billing.units import mb_to_bytes
from core.config import Settings
from core.errors import DomainError, InvalidInput, NotFound
from core.ports import Clock

# An agent's /extend gives at most this many days at once.
MAX_EXTEND_DAYS = 31


async def lock_subscriber(subscriber_id: int) -> Subscriber:
    """Lock the subscriber's row for the rest of the transaction (PostgreSQL; FOR NO KEY UPDATE,
    so other transactions may still insert rows that refer to it). SQLite has one writer and
    tortoise holds a lock around each transaction there, so the same serialisation holds."""
    subscriber = await Subscriber.filter(id=subscriber_id).select_for_update(no_key=True).first()
    if subscriber is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    return subscriber


async def reopen_line(subscriber_id: int, now: datetime, reason: str) -> None:
    """A purchase or a free charge takes the line out of the collection list."""
    await change_line_status(
        subscriber_id, LineStatus.IN_OPERATION, reason, now, only_from=LineStatus.IN_COLLECTION_LIST
    )


async def end_free_windows(subscriber_id: int, now: datetime) -> None:
    """A purchase ends the free-charge window in force (and any still ahead) from now."""
    await Subscription.filter(
        subscriber_id=subscriber_id,
        status__in=state.LIVE,
        source=SubscriptionSource.FREE_CHARGE,
        ends_at__gt=now,
    ).update(status=SubscriptionStatus.REPLACED, ends_at=now)


async def bill(
    subscriber_id: int,
    plan: Plan,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    *,
    amount: int,
    currency: str,
    note: str,
    order: Order | None = None,
) -> None:
    """The history's line for a period; its days are calendar days in ``zone``."""
    await Bill.create(
        subscriber_id=subscriber_id,
        plan=plan,
        starts_at=starts_at,
        ends_at=ends_at,
        days=period_days(starts_at, ends_at, zone),
        amount=amount,
        total=amount,
        currency=currency,
        note=note,
        order=order,
    )


async def next_start(subscriber_id: int, now: datetime) -> datetime:
    """A bought service starts now, or when the paid service(s) in force or ahead end.
    A free-charge window is only a bridge to a purchase: one in force gives way to it, and
    one that has not started yet (taken on the last day of a service) is not needed any more.
    """
    ahead = await Subscription.filter(
        subscriber_id=subscriber_id,
        status__in=state.LIVE,
        source=SubscriptionSource.FREE_CHARGE,
        starts_at__gt=now,
    )
    for window in ahead:
        # Zero length: never current, never shown as the reserve service.
        await Subscription.filter(id=window.id).update(
            status=SubscriptionStatus.REPLACED, ends_at=window.starts_at
        )
        await TrafficBucket.filter(subscription_id=window.id).update(valid_until=window.starts_at)
    end = await state.paid_chain_end(subscriber_id, now)
    if end is not None and end > now:
        return end
    await end_free_windows(subscriber_id, now)
    return now


async def end_early(sub: Subscription, now: datetime) -> None:
    """A change of service replaces the service in force from now; its plan traffic ends."""
    await Subscription.filter(id=sub.id).update(status=SubscriptionStatus.REPLACED, ends_at=now)
    await TrafficBucket.filter(
        subscription_id=sub.id, kind__in=(BucketKind.PLAN, BucketKind.GIFT)
    ).update(valid_until=now)
    await end_free_windows(sub.subscriber_id, now)  # type: ignore[attr-defined]


async def end_at(sub: Subscription, at: datetime) -> None:
    """A change of service paid during a pause replaces the paused service from ``at``, the
    pause's end: it stays the service in force (paused) until then, its plan traffic too."""
    await Subscription.filter(id=sub.id).update(ends_at=at)
    await TrafficBucket.filter(
        subscription_id=sub.id, kind__in=(BucketKind.PLAN, BucketKind.GIFT)
    ).update(valid_until=at)


async def rechain_reserved(subscriber_id: int, after: datetime, now: datetime) -> None:
    """Services bought ahead keep their length and follow the new one."""
    upcoming = await Subscription.filter(
        subscriber_id=subscriber_id, status=SubscriptionStatus.RESERVED, starts_at__gt=now
    ).order_by("starts_at", "id")
    start = after
    for sub in upcoming:
        shift = start - sub.starts_at
        length = sub.ends_at - sub.starts_at
        await Subscription.filter(id=sub.id).update(starts_at=start, ends_at=start + length)
        for bucket in await TrafficBucket.filter(subscription_id=sub.id):
            await TrafficBucket.filter(id=bucket.id).update(
                valid_from=bucket.valid_from + shift,
                valid_until=bucket.valid_until + shift if bucket.valid_until else None,
            )
        start = start + length


async def start_service(
    subscriber_id: int,
    plan: Plan,
    starts_at: datetime,
    now: datetime,
    *,
    source: SubscriptionSource,
    price_paid: int,
    order: Order | None,
) -> Subscription:
    """A subscription of ``plan`` from ``starts_at``, with its plan and gift traffic."""
    ends_at = starts_at + timedelta(days=plan.duration_days)
    sub = await Subscription.create(
        subscriber_id=subscriber_id,
        plan=plan,
        status=SubscriptionStatus.ACTIVE if starts_at <= now else SubscriptionStatus.RESERVED,
        source=source,
        starts_at=starts_at,
        ends_at=ends_at,
        unlimited=plan.traffic_mb is None,
        price_paid=price_paid,
        order=order,
    )
    if plan.traffic_mb is not None:
        await TrafficBucket.create(
            subscriber_id=subscriber_id,
            subscription=sub,
            kind=BucketKind.PLAN,
            total_bytes=mb_to_bytes(plan.traffic_mb),
            valid_from=starts_at,
            valid_until=ends_at,
            order=order,
        )
        if plan.gift_mb:
            await TrafficBucket.create(
                subscriber_id=subscriber_id,
                subscription=sub,
                kind=BucketKind.GIFT,
                total_bytes=mb_to_bytes(plan.gift_mb),
                valid_from=starts_at,
                valid_until=ends_at,
                order=order,
            )
    return sub


class Subscriptions:
    """Service given without an order: an operator's or sales agent's grant (also the demo's
    seeding and the CSV import) and an agent's extension."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def grant_service(
        self,
        subscriber_id: int,
        plan_code: str,
        *,
        source: SubscriptionSource = SubscriptionSource.ADMIN,
        starts_at: datetime | None = None,
        price_paid: int | None = None,
    ) -> SubscriptionView:
        """An operator or sales agent gives a service (also the demo's seeding): no order, a
        bill for ``price_paid`` (default the plan's price). Starts at ``starts_at`` (may be in the
        past) or when the paid service in force ends.

        Errors: subscriber_not_found, plan_not_found, plan_kind_mismatch."""
        now = self.clock.now()
        plan = await Plan.get_or_none(code=plan_code)
        if plan is None:
            raise NotFound("plan_not_found", plan_code=plan_code)
        if plan.kind != PlanKind.SERVICE:
            raise InvalidInput(
                "plan_kind_mismatch",
                plan_code=plan_code,
                plan_kind=str(plan.kind),
                order_kind=OrderKind.BUY_SERVICE.value,
            )
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            start = starts_at or await next_start(subscriber_id, now)
            price = plan.price if price_paid is None else price_paid
            sub = await start_service(
                subscriber_id, plan, start, now, source=source, price_paid=price, order=None
            )
            if sub.ends_at <= now:
                await Subscription.filter(id=sub.id).update(status=SubscriptionStatus.ENDED)
            zone = subscriber_zone(subscriber, self.settings)
            await bill(
                subscriber_id,
                plan,
                sub.starts_at,
                sub.ends_at,
                zone,
                amount=price,
                currency=plan.currency,
                note=str(source),
            )
            if sub.ends_at > now:
                await reopen_line(subscriber_id, now, str(source))
        await sub.refresh_from_db()
        return SubscriptionView.of(sub, plan)

    async def extend_service(self, subscriber_id: int, days: int) -> SubscriptionView:
        """An agent adds days to the service in force (a goodwill gesture after an outage); its
        traffic stays valid as long, and services bought ahead move back by as much.

        Errors: invalid_days {days, max}, subscriber_not_found, no_service_in_force."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS:
            raise InvalidInput("invalid_days", days=days, max=MAX_EXTEND_DAYS)
        now = self.clock.now()
        async with in_transaction():
            await lock_subscriber(subscriber_id)
            current = (await state.service_state(subscriber_id, now)).current
            if current is None:
                raise DomainError("no_service_in_force", subscriber_id=subscriber_id)
            old_end = current.ends_at
            new_end = old_end + timedelta(days=days)
            await Subscription.filter(id=current.id).update(ends_at=new_end)
            await TrafficBucket.filter(subscription_id=current.id, valid_until=old_end).update(
                valid_until=new_end
            )
            await rechain_reserved(subscriber_id, new_end, now)
        await current.refresh_from_db()
        return SubscriptionView.of(current, current.plan)
