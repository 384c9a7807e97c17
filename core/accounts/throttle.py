"""Counters of attempts under string keys, safe under concurrency on PostgreSQL.

An attempt is *reserved* before the work it guards (a password check, a reset SMS) with a
conditional ``UPDATE ... WHERE failures < limit``: the database, not a read in Python, decides
who gets the last attempt, so N concurrent requests cannot all slip through. The count of a key
starts afresh once its window has passed since the first attempt, or once its lock has expired.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from core.accounts.models import Throttle


@dataclass(frozen=True, slots=True)
class Limit:
    attempts: int
    window: timedelta
    # How long a key stays locked once a counted failure reaches ``attempts`` (None: never
    # locked; requests are simply refused until the window has passed).
    lock_for: timedelta | None = None


class Blocked(Exception):
    """A key had no attempt left; ``until`` is when it will have one again."""

    def __init__(self, key: str, until: datetime) -> None:
        super().__init__(key, until)
        self.key = key
        self.until = until

    def minutes_left(self, now: datetime) -> int:
        return max(1, math.ceil((self.until - now).total_seconds() / 60))


async def reserve(keys: Iterable[str], limit: Limit, now: datetime) -> None:
    """Take one attempt from every key, all or none; raise ``Blocked`` if one has none left."""
    ordered = sorted(set(keys))  # a fixed order: two requests never wait on each other's rows
    for _ in range(3):
        await _ensure_rows(ordered)
        try:
            async with in_transaction():
                for key in ordered:
                    await _expire(key, limit, now)
                    if not await _take(key, limit, now):
                        raise Blocked(key, await _free_at(key, limit, now))
            return
        except _Vanished:
            continue  # purged between creating and taking: create it again
    raise RuntimeError("throttle rows keep vanishing")


class _Vanished(Exception):
    pass


async def lock_exhausted(keys: Iterable[str], limit: Limit, now: datetime) -> None:
    """After a failure: lock every key whose count reached the limit."""
    if limit.lock_for is None:
        return
    await Throttle.filter(
        key__in=list(keys), failures__gte=limit.attempts, locked_until__isnull=True
    ).update(locked_until=now + limit.lock_for)


async def clear(keys: Iterable[str]) -> None:
    """After a success: the count starts again from zero."""
    await Throttle.filter(key__in=list(keys)).update(
        failures=0, window_started_at=None, locked_until=None
    )


async def give_back(keys: Iterable[str]) -> None:
    """Return a reserved attempt that turned out not to be a failure."""
    await Throttle.filter(key__in=list(keys), failures__gt=0).update(failures=F("failures") - 1)


async def purge(now: datetime, idle_for: timedelta) -> int:
    """Delete the counters that remember nothing: empty ones, and those whose window or lock
    ended more than ``idle_for`` ago. Returns how many went."""
    return await Throttle.filter(
        Q(window_started_at__isnull=True, locked_until__isnull=True, failures=0)
        | Q(window_started_at__lte=now - idle_for, locked_until__isnull=True)
        | Q(locked_until__lte=now - idle_for)
    ).delete()


async def attempts_left(keys: Iterable[str], limit: Limit) -> int:
    rows = await Throttle.filter(key__in=list(keys)).values_list("failures", flat=True)
    used = max((int(n) for n in rows), default=0)  # type: ignore[call-overload]
    return max(0, limit.attempts - used)


async def _ensure_rows(keys: list[str]) -> None:
    existing = set(await Throttle.filter(key__in=keys).values_list("key", flat=True))
    for key in keys:
        if key in existing:
            continue
        try:
            # A transaction of its own: on PostgreSQL a failed INSERT would spoil an outer one.
            async with in_transaction():
                await Throttle.create(key=key)
        except IntegrityError:
            pass  # a concurrent request created it first


async def _expire(key: str, limit: Limit, now: datetime) -> None:
    lock_over = Q(locked_until__lte=now)
    window_over = Q(locked_until__isnull=True, window_started_at__lte=now - limit.window)
    await Throttle.filter(Q(key=key), lock_over | window_over).update(
        failures=0, window_started_at=None, locked_until=None
    )


async def _take(key: str, limit: Limit, now: datetime) -> bool:
    for _ in range(3):
        # The first attempt of a window also stamps the window's start.
        if await Throttle.filter(key=key, failures=0, locked_until__isnull=True).update(
            failures=1, window_started_at=now
        ):
            return True
        if await Throttle.filter(
            key=key, failures__gt=0, failures__lt=limit.attempts, locked_until__isnull=True
        ).update(failures=F("failures") + 1):
            return True
        # Neither matched: either no attempt is left, or the count went back to zero between
        # the two statements (a success elsewhere). Look, and try again in the second case.
        row = await Throttle.get_or_none(key=key)
        if row is None:
            raise _Vanished(key)
        if row.locked_until is not None or row.failures >= limit.attempts:
            return False
    return False


async def _free_at(key: str, limit: Limit, now: datetime) -> datetime:
    row = await Throttle.get(key=key)
    if row.locked_until is not None:
        return row.locked_until
    if limit.lock_for is not None:
        # Attempts in flight hold the last places; if they fail the key is locked from now.
        return now + limit.lock_for
    return (row.window_started_at or now) + limit.window
