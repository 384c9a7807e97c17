"""Static IPs: the first free one of the operator's pool, and a paid order's months of one."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.billing.ip_pool import StaticIpPool
from core.billing.periods import add_months
from core.errors import DomainError


async def taken_static_ips() -> set[str]:
    held = await Subscriber.filter(static_ip__isnull=False).values_list("static_ip", flat=True)
    return {str(ip) for ip in held}


async def free_static_ip(pool: StaticIpPool) -> str | None:
    """The first address of ``pool`` no subscriber holds; None when every one is held."""
    taken = await taken_static_ips()
    return next((ip for ip in pool.addresses() if ip not in taken), None)


async def refuse_static_ip(subscriber: Subscriber, pool: StaticIpPool) -> None:
    """A subscriber without a static IP is sold one only while the pool has one free (one they
    hold is renewed whatever the pool is now).

    Errors: static_ips_not_offered (no pool set), static_ip_pool_exhausted."""
    if subscriber.static_ip:
        return
    if not pool:
        raise DomainError("static_ips_not_offered", subscriber_id=subscriber.id)
    if await free_static_ip(pool) is None:
        raise DomainError("static_ip_pool_exhausted", subscriber_id=subscriber.id)


async def claim_static_ip(subscriber: Subscriber, pool: StaticIpPool) -> str | None:
    """The address the subscriber (a row locked by the caller's transaction) holds, else the
    first free one of ``pool`` written to their row; None when none is free. The column is
    unique: of two subscribers paying at once for the last free address, the one that loses
    takes the next (a savepoint undoes only its own try)."""
    if subscriber.static_ip:
        return subscriber.static_ip
    taken = await taken_static_ips()
    for ip in pool.addresses():
        if ip in taken:
            continue
        try:
            async with in_transaction():
                await Subscriber.filter(id=subscriber.id).update(static_ip=ip)
        except IntegrityError:
            continue
        subscriber.static_ip = ip
        return ip
    return None


async def extend_static_ip(
    subscriber: Subscriber, months: int, now: datetime, zone: ZoneInfo
) -> tuple[datetime, datetime]:
    """Give the subscriber (a row locked by the caller's transaction, its address claimed) its
    static IP for ``months`` more, from now or from when it runs out. Returns the period paid
    for."""
    start = max(now, subscriber.static_ip_until or now)
    until = add_months(start, months, zone)
    await Subscriber.filter(id=subscriber.id).update(static_ip_until=until)
    return start, until
