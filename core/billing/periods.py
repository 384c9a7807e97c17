"""Calendar rules for services: remaining days, a period's length, adding months.

Days are calendar days in the subscriber's time zone (a service bought at 10:30 for 30 days has 30
days left that day and 0 on the day it ends), never negative. Pure functions; times are aware.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("a timezone-aware datetime is needed")
    return value


def local_date(moment: datetime, zone: ZoneInfo) -> date:
    return _aware(moment).astimezone(zone).date()


def remaining_days(ends_at: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days from today to the end date, 0 on the last day and after it."""
    if _aware(ends_at) <= _aware(now):
        return 0
    return max(0, (local_date(ends_at, zone) - local_date(now, zone)).days)


def period_days(starts_at: datetime, ends_at: datetime, zone: ZoneInfo) -> int:
    """Calendar days a period covers (a one-year service: 365), at least 1 for a real period."""
    if _aware(ends_at) <= _aware(starts_at):
        return 0
    return max(1, (local_date(ends_at, zone) - local_date(starts_at, zone)).days)


def add_months(moment: datetime, months: int, zone: ZoneInfo) -> datetime:
    """The same local day and time ``months`` later (clamped to the month's last day), in UTC."""
    if months < 0:
        raise ValueError("months cannot be negative")
    local = _aware(moment).astimezone(zone)
    index = local.month - 1 + months
    year, month = local.year + index // 12, index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def month_period(moment: datetime, zone: ZoneInfo) -> str:
    """``'2026-11'``: the calendar month a moment falls in, for monthly charges."""
    local = _aware(moment).astimezone(zone)
    return f"{local.year:04d}-{local.month:02d}"
