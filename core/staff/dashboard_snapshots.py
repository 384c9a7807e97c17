"""The dashboard's figures as last counted, one row per period: the worker counts every period
each ``dashboard_refresh_minutes`` (``refresh``), and the page reads the row (``latest``) in
milliseconds instead of counting a million subscribers in seconds. The page says when they were
counted. Kept figures are counted again on the spot when nothing refreshed them for twice the
interval (no worker running) or when they were counted on an earlier local day.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

from tortoise.exceptions import IntegrityError

from core.staff.dashboard import (
    AlertCount,
    Dashboard,
    DayRevenue,
    Figures,
    Period,
    PeriodName,
    TicketLoad,
)
from core.staff.models import DashboardSnapshot


@dataclass(frozen=True, slots=True)
class Snapshot:
    figures: Figures
    computed_at: datetime


class DashboardSnapshots:
    def __init__(self, dashboard: Dashboard) -> None:
        self.dashboard = dashboard
        self.max_age = timedelta(minutes=2 * dashboard.settings.dashboard_refresh_minutes)
        self._counting = asyncio.Lock()

    async def refresh(self, zone: tzinfo) -> list[Snapshot]:
        """Count every period now and keep the figures."""
        counted = await self.dashboard.every_period(zone)
        return [await _keep(figures, zone) for figures in counted.values()]

    async def latest(self, name: PeriodName, zone: tzinfo) -> Snapshot:
        """The period's kept figures, or the figures counted now (and kept) when those are
        missing, too old, or of another local day."""
        kept = await self._fresh(name, zone)
        if kept is not None:
            return kept
        # Counting takes seconds at a million subscribers: staff opening the page meanwhile
        # wait for this count (in this process) instead of starting one each.
        async with self._counting:
            kept = await self._fresh(name, zone)
            if kept is not None:
                return kept
            return await _keep(await self.dashboard.figures(name, zone), zone)

    async def _fresh(self, name: PeriodName, zone: tzinfo) -> Snapshot | None:
        row = await DashboardSnapshot.get_or_none(period=name.value, zone=_zone_key(zone))
        if row is None:
            return None
        now = self.dashboard.clock.now()
        kept = Snapshot(figures_from_json(row.figures), row.computed_at)
        fresh = now - kept.computed_at <= self.max_age
        if fresh and kept.figures.period.last_day == now.astimezone(zone).date():
            return kept
        return None


async def _keep(figures: Figures, zone: tzinfo) -> Snapshot:
    """Write the period's row: an update, or the first insert (two workers inserting at once:
    the second updates what the first made)."""
    period, zone_key = figures.period.name.value, _zone_key(zone)
    text, at = figures_to_json(figures), figures.period.end
    if not await DashboardSnapshot.filter(period=period, zone=zone_key).update(
        figures=text, computed_at=at
    ):
        try:
            await DashboardSnapshot.create(
                period=period, zone=zone_key, figures=text, computed_at=at
            )
        except IntegrityError:
            await DashboardSnapshot.filter(period=period, zone=zone_key).update(
                figures=text, computed_at=at
            )
    return Snapshot(figures, figures.period.end)


def _zone_key(zone: tzinfo) -> str:
    return str(getattr(zone, "key", zone))


def figures_to_json(figures: Figures) -> str:
    period = figures.period
    data: dict[str, Any] = {
        "period": {
            "name": period.name.value,
            "first_day": period.first_day.isoformat(),
            "last_day": period.last_day.isoformat(),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "active_subscribers": figures.active_subscribers,
        "ending_today": figures.ending_today,
        "ending_in_two_days": figures.ending_in_two_days,
        "revenue": [[r.day.isoformat(), r.currency, r.amount] for r in figures.revenue],
        "orders_by_status": [list(pair) for pair in figures.orders_by_status],
        "open_tickets": [
            [t.department, t.priority, t.count, t.oldest_at.isoformat()]
            for t in figures.open_tickets
        ],
        "alerts_sent": [[a.kind, a.channel, a.sent] for a in figures.alerts_sent],
        "alerts_failing": [list(pair) for pair in figures.alerts_failing],
        "chats_by_channel": [list(pair) for pair in figures.chats_by_channel],
        "awaiting_reconcile": figures.awaiting_reconcile,
        "oldest_awaiting_at": figures.oldest_awaiting_at.isoformat()
        if figures.oldest_awaiting_at
        else None,
        "paid_not_applied": figures.paid_not_applied,
    }
    return json.dumps(data, separators=(",", ":"))


def figures_from_json(text: str) -> Figures:
    data = json.loads(text)
    period = data["period"]
    oldest = data["oldest_awaiting_at"]
    return Figures(
        period=Period(
            PeriodName(period["name"]),
            date.fromisoformat(period["first_day"]),
            date.fromisoformat(period["last_day"]),
            datetime.fromisoformat(period["start"]),
            datetime.fromisoformat(period["end"]),
        ),
        active_subscribers=data["active_subscribers"],
        ending_today=data["ending_today"],
        ending_in_two_days=data["ending_in_two_days"],
        revenue=tuple(
            DayRevenue(date.fromisoformat(day), currency, amount)
            for day, currency, amount in data["revenue"]
        ),
        orders_by_status=tuple((status, n) for status, n in data["orders_by_status"]),
        open_tickets=tuple(
            TicketLoad(department, priority, count, datetime.fromisoformat(oldest_at))
            for department, priority, count, oldest_at in data["open_tickets"]
        ),
        alerts_sent=tuple(AlertCount(kind, channel, n) for kind, channel, n in data["alerts_sent"]),
        alerts_failing=tuple((kind, n) for kind, n in data["alerts_failing"]),
        chats_by_channel=tuple((channel, n) for channel, n in data["chats_by_channel"]),
        awaiting_reconcile=data["awaiting_reconcile"],
        oldest_awaiting_at=datetime.fromisoformat(oldest) if oldest else None,
        paid_not_applied=data["paid_not_applied"],
    )
