"""Static IPs: the first free one of the operator's pool, and a paid order's months of one."""

from __future__ import annotations

from datetime import datetime
from ipaddress import ip_address
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.billing.ip_pool import StaticIpPool
from core.billing.periods import add_months
from core.billing.subscriptions import lock_subscriber
from core.errors import Conflict, DomainError, InvalidInput


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


class StaticIps:
    """An operator gives a line a static IP of the pool (a chosen one, or the first free) or
    takes it back, without an order. Each runs in its own transaction, the row locked."""

    def __init__(self, pool: StaticIpPool) -> None:
        self.pool = pool

    async def assign(self, subscriber_id: int, address: str = "") -> str:
        """The line's new address. Errors: subscriber_not_found, static_ips_not_offered,
        static_ip_already_assigned {address}, invalid_static_ip {field}, static_ip_not_in_pool
        {field}, static_ip_taken {field}, static_ip_pool_exhausted."""
        wanted = address.strip()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            if subscriber.static_ip:
                raise Conflict("static_ip_already_assigned", address=subscriber.static_ip)
            if not self.pool:
                raise DomainError("static_ips_not_offered", subscriber_id=subscriber_id)
            if not wanted:
                ip = await claim_static_ip(subscriber, self.pool)
                if ip is None:
                    raise DomainError("static_ip_pool_exhausted", subscriber_id=subscriber_id)
                return ip
            try:
                ip = str(ip_address(wanted))
            except ValueError:
                raise InvalidInput("invalid_static_ip", field="address") from None
            if ip not in self.pool:
                raise InvalidInput("static_ip_not_in_pool", field="address", address=ip)
            try:
                async with in_transaction():
                    await Subscriber.filter(id=subscriber_id).update(static_ip=ip)
            except IntegrityError:
                raise Conflict("static_ip_taken", field="address", address=ip) from None
            return ip

    async def release(self, subscriber_id: int) -> str:
        """Take the line's static IP back to the pool (with the months it was paid for);
        returns the address. Errors: subscriber_not_found, no_static_ip."""
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            if not subscriber.static_ip:
                raise Conflict("no_static_ip", subscriber_id=subscriber_id)
            await Subscriber.filter(id=subscriber_id).update(static_ip=None, static_ip_until=None)
            return subscriber.static_ip
