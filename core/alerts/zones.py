"""Local time, zone by zone: which zones are at an alert's hour now, and a local day in UTC.

Subscribers without a zone of their own live in the default zone. The zones come from one
DISTINCT over the indexed ``subscriber.timezone``; then every query asks for one zone.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import Q

from core.accounts.models import Subscriber

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Zone:
    name: str
    info: ZoneInfo
    # Subscribers with no zone of their own are in this one.
    is_default: bool

    def subscribers(self, path: str = "") -> Q:
        """The filter for subscribers in this zone; ``path`` leads from the queried model to
        the subscriber (``"subscriber__"``)."""
        named = Q(**{f"{path}timezone": self.name})
        if self.is_default:
            unset: dict[str, Any] = {f"{path}timezone__isnull": True}
            return named | Q(**unset)
        return named

    def sql_condition(self, column: str, param: int) -> str:
        """The plain-SQL form of ``subscribers``: ``column`` (a subscriber's ``timezone``) is
        this zone's name, passed as ``$param``."""
        if self.is_default:
            return f"({column} = ${param} OR {column} IS NULL)"
        return f"{column} = ${param}"

    def today(self, now: datetime) -> date:
        return now.astimezone(self.info).date()

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        """The local day as [start, end) in UTC (23 or 25 hours long across a DST change)."""
        start = datetime.combine(day, time(0), tzinfo=self.info)
        end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.info)
        return start.astimezone(UTC), end.astimezone(UTC)

    def at(self, day: date, local: time) -> datetime:
        return datetime.combine(day, local, tzinfo=self.info).astimezone(UTC)

    def within_catch_up(self, now: datetime, local: time, catch_up: timedelta) -> bool:
        """Whether the local time ``local`` came today and at most ``catch_up`` ago."""
        due = self.at(self.today(now), local)
        return due <= now < due + catch_up

    def within_day(self, now: datetime, start: time, end: time) -> bool:
        here = now.astimezone(self.info).time()
        return start <= here < end


def sql_in_zones(zones: list[Zone], column: str, param: int) -> tuple[str, list[str]]:
    """The plain-SQL condition "``column`` (a subscriber's ``timezone``) puts them in one of
    ``zones``", and its parameter (the zones' names, as ``$param``)."""
    names = [zone.name for zone in zones]
    if any(zone.is_default for zone in zones):
        return f"({column} = ANY(${param}) OR {column} IS NULL)", names
    return f"{column} = ANY(${param})", names


async def subscriber_zones(default: str) -> list[Zone]:
    """Every zone some subscriber is in (the default zone always)."""
    names = (
        await Subscriber.filter(timezone__isnull=False)
        .distinct()
        .values_list("timezone", flat=True)
    )
    zones = [Zone(default, ZoneInfo(default), True)]
    for name in sorted({str(n) for n in names} - {default}):
        try:
            zones.append(Zone(name, ZoneInfo(name), False))
        except (ZoneInfoNotFoundError, ValueError):
            log.warning("subscribers with an unknown time zone %r get no timed alerts", name)
    return zones
