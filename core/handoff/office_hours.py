"""The agents' working hours: open now, or when they open next (in the ISP's zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True, slots=True)
class OfficeHours:
    opens: time
    closes: time
    days: frozenset[int]  # weekday numbers, Monday 0
    zone: ZoneInfo

    @classmethod
    def parse(cls, hours: str | None, days: tuple[str, ...], zone: ZoneInfo) -> OfficeHours | None:
        """From the settings: "08:00-20:00" and day names; None (always open) when unset."""
        if not hours:
            return None
        start, _, end = hours.partition("-")
        opens, closes = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
        if closes <= opens:
            raise ValueError(f"office hours {hours!r} close before they open")
        unknown = [d for d in days if d.lower()[:3] not in DAY_NAMES]
        if unknown or not days:
            raise ValueError(f"office days {list(days)!r}: use mon, tue, wed, thu, fri, sat, sun")
        numbers = frozenset(DAY_NAMES.index(d.lower()[:3]) for d in days)
        return cls(opens, closes, numbers, zone)

    def is_open(self, now: datetime) -> bool:
        local = now.astimezone(self.zone)
        return local.weekday() in self.days and self.opens <= local.time() < self.closes

    def next_opening(self, now: datetime) -> datetime | None:
        """None while open; else the next opening time (UTC)."""
        if self.is_open(now):
            return None
        local = now.astimezone(self.zone)
        for ahead in range(8):
            day = local.date() + timedelta(days=ahead)
            opening = datetime.combine(day, self.opens, tzinfo=self.zone)
            if day.weekday() in self.days and opening > local:
                return opening.astimezone(ZoneInfo("UTC"))
        raise AssertionError("a working day comes within a week")  # parse() requires one


def office_hours_of(settings) -> OfficeHours | None:
    return OfficeHours.parse(settings.office_hours, settings.office_days, settings.zone)
