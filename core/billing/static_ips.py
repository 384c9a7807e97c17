"""Static IPs: the pool they are drawn from and a paid order's months of one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from ipaddress import IPv4Network
from zoneinfo import ZoneInfo

from core.accounts.models import Subscriber
from core.billing.periods import add_months
from core.errors import Conflict

# Documentation addresses (RFC 5737): the demo's static IPs.
DEMO_STATIC_IP_POOL = tuple(str(ip) for ip in IPv4Network("198.51.100.0/24").hosts())[9:250]


async def free_static_ip(pool: Sequence[str]) -> str:
    """The first address of ``pool`` no subscriber holds. Errors: static_ip_pool_exhausted."""
    taken = set(
        await Subscriber.filter(static_ip__isnull=False).values_list("static_ip", flat=True)
    )
    for ip in pool:
        if ip not in taken:
            return ip
    raise Conflict("static_ip_pool_exhausted")


async def extend_static_ip(
    subscriber: Subscriber, months: int, now: datetime, zone: ZoneInfo, pool: Sequence[str]
) -> tuple[datetime, datetime]:
    """Give the subscriber (a row locked by the caller's transaction) its static IP for
    ``months`` more, from now or from when the one it holds runs out; the same address is kept.
    Returns the period paid for."""
    start = max(now, subscriber.static_ip_until or now)
    until = add_months(start, months, zone)
    ip = subscriber.static_ip or await free_static_ip(pool)
    await Subscriber.filter(id=subscriber.id).update(static_ip=ip, static_ip_until=until)
    return start, until
