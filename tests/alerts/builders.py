"""Rows for alert tests, written directly: a subscriber in a zone, a service ending at a local
time, traffic left, a free charge, a rejected document."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.accounts.enums import LineStatus
from core.accounts.models import ChatIdentity, Subscriber
from core.billing.enums import BucketKind, SubscriptionSource, SubscriptionStatus
from core.billing.models import Plan, Subscription, TrafficBucket
from core.billing.units import mb_to_bytes

_numbers = itertools.count(2188000001)


def local(zone: str, *args: int) -> datetime:
    """A local wall-clock time in ``zone``, as UTC."""
    return datetime(*args, tzinfo=ZoneInfo(zone)).astimezone(UTC)  # type: ignore[misc]


async def plan(code: str = "std-1m", traffic_mb: int | None = 5 * 1024) -> Plan:
    found = await Plan.get_or_none(code=code)
    if found is not None:
        return found
    return await Plan.create(
        code=code, names={"en": code}, traffic_mb=traffic_mb, duration_days=30, price=1000
    )


async def subscriber(
    timezone: str | None = None,
    *,
    exchange_centre: str | None = None,
    line_status: LineStatus = LineStatus.IN_OPERATION,
    mobile: str | None = None,
    preferred_channel: str | None = None,
    language: str = "en",
) -> Subscriber:
    number = str(next(_numbers))
    return await Subscriber.create(
        customer_number=f"C{number}",
        username=number,
        password_hash="-",
        timezone=timezone,
        exchange_centre=exchange_centre,
        line_status=line_status,
        mobile=mobile,
        preferred_channel=preferred_channel,
        language=language,
    )


async def service(
    who: Subscriber,
    ends_at: datetime,
    *,
    days: int = 30,
    source: SubscriptionSource = SubscriptionSource.ONLINE,
    status: SubscriptionStatus = SubscriptionStatus.ACTIVE,
    plan_code: str = "std-1m",
    unlimited: bool = False,
) -> Subscription:
    return await Subscription.create(
        subscriber=who,
        plan=await plan(plan_code),
        status=status,
        source=source,
        starts_at=ends_at - timedelta(days=days),
        ends_at=ends_at,
        unlimited=unlimited,
    )


async def traffic(
    who: Subscriber, subscription: Subscription, total_mb: int, used_mb: int
) -> TrafficBucket:
    return await TrafficBucket.create(
        subscriber=who,
        subscription=subscription,
        kind=BucketKind.PLAN,
        total_bytes=mb_to_bytes(total_mb),
        used_bytes=mb_to_bytes(used_mb),
        valid_from=subscription.starts_at,
        valid_until=subscription.ends_at,
    )


async def chat(
    who: Subscriber,
    channel: str,
    external_id: str,
    *,
    seen: datetime,
    unreachable: bool = False,
    opted_out: bool = False,
) -> ChatIdentity:
    return await ChatIdentity.create(
        channel=channel,
        external_id=external_id,
        subscriber=who,
        last_seen_at=seen,
        unreachable=unreachable,
        opted_out=opted_out,
    )
