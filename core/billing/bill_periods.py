"""A postpaid line's billing periods: calendar months from its activation (BAAB) date.

An Iranian line (IRR) is billed by the Solar Hijri month (Partak's bills run 1394/01/01 to
1394/01/31, 31 days), any other by the Gregorian month. An activation after a month's first
day leaves a partial month, which is charged with the first full month's bill (PadiNET: "biaya
prorata akan dibebankan pada tagihan periode berikutnya"). Pure functions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import jdatetime

from core.billing.pricing import postpaid_amount

JALALI_CURRENCIES = frozenset({"IRR"})


@dataclass(frozen=True, slots=True)
class BilledPeriod:
    """One bill's days: ``starts_on`` to ``ends_before`` (excluded), local calendar days."""

    # The first day of the full month billed: the bill's unique key.
    month_starts_on: date
    starts_on: date
    ends_before: date
    # Days of the partial month carried onto this bill (0 after the first).
    carried_days: int

    @property
    def month_days(self) -> int:
        return (self.ends_before - self.month_starts_on).days

    @property
    def days(self) -> int:
        return (self.ends_before - self.starts_on).days

    @property
    def key(self) -> str:
        return self.month_starts_on.isoformat()

    def amount(self, monthly_price: int, base_days: int) -> int:
        """The daily rate x the days, each part rounded down as a bill of its own would be:
        215,000 for 30 days -> 222,166 for a 31-day month."""
        carried = postpaid_amount(monthly_price, base_days, self.carried_days)
        return carried + postpaid_amount(monthly_price, base_days, self.month_days)


def uses_jalali(currency: str) -> bool:
    return currency in JALALI_CURRENCIES


def next_month_start(day: date, jalali: bool) -> date:
    """The first day of the calendar month after ``day``'s."""
    if jalali:
        j = jdatetime.date.fromgregorian(date=day)
        year, month = (j.year + 1, 1) if j.month == 12 else (j.year, j.month + 1)
        return jdatetime.date(year, month, 1).togregorian()
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def month_start(day: date, jalali: bool) -> date:
    """The first day of ``day``'s calendar month."""
    if jalali:
        j = jdatetime.date.fromgregorian(date=day)
        return jdatetime.date(j.year, j.month, 1).togregorian()
    return day.replace(day=1)


def is_month_start(day: date, jalali: bool) -> bool:
    if jalali:
        return jdatetime.date.fromgregorian(date=day).day == 1
    return day.day == 1


def periods_from(activated_on: date, jalali: bool) -> Iterator[BilledPeriod]:
    """Every period from the activation on, without end: the first takes the partial month."""
    month = activated_on if is_month_start(activated_on, jalali) else None
    carried_from = None if month is not None else activated_on
    if month is None:
        month = next_month_start(activated_on, jalali)
    while True:
        following = next_month_start(month, jalali)
        starts_on = carried_from or month
        yield BilledPeriod(
            month_starts_on=month,
            starts_on=starts_on,
            ends_before=following,
            carried_days=(month - starts_on).days,
        )
        carried_from, month = None, following


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The start of a local calendar day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
