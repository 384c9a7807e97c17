"""Who is due for an alert now: set-based queries over indexed columns, read page by page.

Each selection drives one indexed range scan (``subscription`` by ``(ends_at, id)``,
``free_charge_grant.expires_at``, ``document.grace_until``, ``traffic_bucket`` by subscriber)
in pages (keyset, never OFFSET), and settles each page with one more query over that page's
subscriber ids. No query reads all subscribers; no loop runs once per subscriber over the
database. Low traffic is summed and tested in the database, a window of subscribers at a time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.queryset import QuerySet

from core import sql
from core.accounts.enums import DocumentStatus, LineStatus
from core.accounts.models import Document
from core.alerts import kinds
from core.alerts.zones import Zone
from core.billing.enums import OrderStatus, SubscriptionSource
from core.billing.models import FreeChargeGrant, Order, SavedCard, Subscription, TrafficBucket
from core.billing.paused import not_paused
from core.billing.periods import remaining_days
from core.billing.quotes import renewal_quote
from core.billing.state import LIVE
from core.billing.units import mb_to_bytes
from core.config import Settings


@dataclass(frozen=True, slots=True)
class DueAlert:
    subscriber_id: int
    kind: str
    params: dict[str, Any] = field(hash=False)
    key: str
    # The report or broadcast it is one of (core/alerts/broadcast.py); None for the others.
    batch: str | None = None


Page = list[DueAlert]


async def keyset_pages(
    query: QuerySet[Any], page_size: int, *fields: str
) -> AsyncIterator[list[dict[str, Any]]]:
    """``query``'s rows as dicts of ``id`` and ``fields``, page by page in id order (keyset,
    never OFFSET); a page shorter than ``page_size`` is the last."""
    last = 0
    while True:
        rows = await query.filter(id__gt=last).order_by("id").limit(page_size).values("id", *fields)
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        last = rows[-1]["id"]


async def pages_by_end(
    query: QuerySet[Any], page_size: int, *fields: str
) -> AsyncIterator[list[dict[str, Any]]]:
    """``query``'s subscriptions as dicts of ``id``, ``ends_at`` and ``fields``, page by page
    in (``ends_at``, ``id``) order: each page starts on the index where the last one stopped,
    where paging in id order would filter the whole primary key for one day's rows."""
    after: Q | None = None
    while True:
        page = query.filter(after) if after is not None else query
        rows = (
            await page.order_by("ends_at", "id").limit(page_size).values("id", "ends_at", *fields)
        )
        if not rows:
            return
        yield rows
        if len(rows) < page_size:
            return
        end, last = rows[-1]["ends_at"], rows[-1]["id"]
        after = Q(ends_at__gte=end) & (Q(ends_at__gt=end) | Q(id__gt=last))


async def _paid_beyond(subscriber_ids: set[int], end: datetime) -> set[int]:
    """Those of ``subscriber_ids`` with a live paid subscription that ends at ``end`` or
    later (renewed past a day that ends at ``end``)."""
    rows = await sql.fetch(
        "SELECT subscriber_id, ends_at FROM subscription"
        f" WHERE {sql.any_of('subscriber_id', 1)} AND source <> $2"
        f" AND status IN ({sql.placeholders(3, len(LIVE))})",
        sql.listed(subscriber_ids),
        SubscriptionSource.FREE_CHARGE.value,
        *(status.value for status in LIVE),
    )
    return {
        row["subscriber_id"]
        for row in rows
        if sql.python_value(Subscription, "ends_at", row["ends_at"]) >= end
    }


class DueAlerts:
    def __init__(self, settings: Settings, page_size: int | None = None) -> None:
        self.settings = settings
        self.page_size = page_size or settings.alert_page_size

    async def expiring(self, zone: Zone, now: datetime) -> AsyncIterator[Page]:
        """Subscribers in ``zone`` whose paid service ends N local days from today (N in
        ``alert_expiry_days_before``) with nothing paid after it."""
        for days_before in self.settings.alert_expiry_days_before:
            expiry_day = zone.today(now) + timedelta(days=days_before)
            start, end = zone.day_bounds(expiry_day)
            query = (
                Subscription.filter(
                    zone.subscribers("subscriber__"),
                    # A paused service's end is not near: it moved with the pause.
                    not_paused(now),
                    status__in=LIVE,
                    ends_at__gte=start,
                    ends_at__lt=end,
                )
                .exclude(source=SubscriptionSource.FREE_CHARGE)
                .exclude(subscriber__line_status=LineStatus.CLOSED)
            )
            fields = ("subscriber_id", "subscriber__auto_renew")
            async for rows in pages_by_end(query, self.page_size, *fields):
                ids = {row["subscriber_id"] for row in rows}
                renewed = await _paid_beyond(ids, end)
                ends: dict[int, datetime] = {}
                # Those who turned automatic renewal on are told it will happen (from the
                # wallet, in the service's last hours), not asked to renew.
                automatic: set[int] = set()
                for row in rows:
                    sid = row["subscriber_id"]
                    if sid not in renewed:
                        ends[sid] = max(ends.get(sid, row["ends_at"]), row["ends_at"])
                        if row["subscriber__auto_renew"]:
                            automatic.add(sid)
                page: Page = []
                for sid, ends_at in ends.items():
                    params: dict[str, Any] = {
                        "days_before": days_before,
                        "ends_at": ends_at.isoformat(),
                        "ended": ends_at <= now,
                    }
                    if sid in automatic:
                        params.update(await self.renewal_params(sid, ends_at, now))
                    key = kinds.expiry_key(sid, days_before, expiry_day)
                    page.append(DueAlert(sid, kinds.EXPIRY, params, key))
                yield page

    async def renewal_params(self, sid: int, ends_at: datetime, now: datetime) -> dict[str, Any]:
        """What an automatic renewal's alert says beyond the date: the renewal's price and what
        the wallet is short of now (a few subscribers a page: those who turned it on)."""
        quote = await renewal_quote(self.settings, now, sid, ends_at)
        if quote is None:
            return {"auto_renew": True}
        card = await SavedCard.filter(subscriber_id=sid, method_ref__isnull=False).exists()
        return {
            "auto_renew": True,
            "renewal_total": quote.total,
            "short": quote.payable,
            "currency": quote.currency,
            **({"card": True} if card and quote.payable else {}),
        }

    async def low_traffic(self, zone: Zone, now: datetime) -> AsyncIterator[Page]:
        """Subscribers in ``zone`` on a paid, metered service whose usable traffic is below
        ``low_traffic_percent`` of what they have or below ``low_traffic_mb``.

        Read in windows of ``page_size`` subscriber ids (a range of the buckets' index): the
        traffic is summed and tested in the database, and only the subscribers whose traffic
        is low are then looked up (about one in five), not every metered subscriber.
        """
        last = await TrafficBucket.all().order_by("-subscriber_id").first()
        for after in range(0, last.subscriber_id if last else 0, self.page_size):
            page = await self._low_traffic(zone, now, after, after + self.page_size)
            if page:
                yield page

    async def _low_traffic(self, zone: Zone, now: datetime, after: int, upto: int) -> Page:
        """The subscribers with ids in (``after``, ``upto``] whose usable traffic is low, in
        ``zone`` and on a paid, metered service, each keyed by their first such subscription
        (a later one makes a new allowance, which may run low again).

        One statement: the window's buckets summed and coarsely tested over the buckets'
        index, then only those that pass (about one in five) joined to their subscriber
        (zone, line) and their first metered subscription (an index lookup each). Plain SQL,
        as the ORM's conversion of each row cost more than the query (core/sql.py).
        """
        percent = self.settings.low_traffic_percent
        floor = mb_to_bytes(self.settings.low_traffic_mb)
        live = sql.placeholders(10, len(LIVE))
        rows = await sql.fetch(
            "SELECT t.subscriber_id, t.total, t.used,"
            " (SELECT MIN(s.id) FROM subscription s WHERE s.subscriber_id = t.subscriber_id"
            f"  AND s.unlimited = $6 AND s.source <> $7 AND s.status IN ({live})"
            "  AND s.starts_at <= $3 AND s.ends_at > $3) AS first"
            " FROM (SELECT subscriber_id, SUM(total_bytes) AS total, SUM(used_bytes) AS used"
            "  FROM traffic_bucket WHERE subscriber_id > $1 AND subscriber_id <= $2"
            "  AND valid_from <= $3 AND (valid_until IS NULL OR valid_until > $3)"
            "  GROUP BY subscriber_id"
            # A coarse test, in sums the database compares; the exact one is below.
            "  HAVING SUM(total_bytes) - SUM(used_bytes) < $4"
            "  OR SUM(used_bytes) * 100 > SUM(total_bytes) * $5) t"
            " JOIN subscriber b ON b.id = t.subscriber_id"
            f" WHERE b.line_status <> $8 AND {zone.sql_condition('b.timezone', 9)}"
            # No traffic is used while paused: a low allowance waits for the resume.
            " AND (b.paused_until IS NULL OR b.paused_until <= $3)",
            after,
            upto,
            now,
            floor,
            100 - percent,
            False,
            SubscriptionSource.FREE_CHARGE.value,
            LineStatus.CLOSED.value,
            zone.name,
            *(status.value for status in LIVE),
        )
        page: Page = []
        for row in rows:
            first = row["first"]
            if first is None:
                continue
            sid, total, used = row["subscriber_id"], int(row["total"] or 0), int(row["used"] or 0)
            left = max(0, total - used)
            if total > 0 and left < max(total * percent // 100, floor):
                page.append(
                    DueAlert(
                        sid,
                        kinds.LOW_TRAFFIC,
                        {"remaining_bytes": left, "allowance_bytes": total},
                        kinds.low_traffic_key(sid, first, total),
                    )
                )
        return page

    async def free_charge_ending(self, zone: Zone, now: datetime) -> AsyncIterator[Page]:
        """Free charges in ``zone`` that end within ``free_charge_warning_hours`` when nothing
        was bought since they were taken."""
        until = now + timedelta(hours=self.settings.free_charge_warning_hours)
        query = FreeChargeGrant.filter(
            zone.subscribers("subscriber__"), expires_at__gt=now, expires_at__lte=until
        ).exclude(subscriber__line_status=LineStatus.CLOSED)
        fields = ("subscriber_id", "granted_at", "expires_at")
        async for rows in keyset_pages(query, self.page_size, *fields):
            bought = await Order.filter(
                subscriber_id__in={row["subscriber_id"] for row in rows},
                status=OrderStatus.APPLIED,
                applied_at__gte=min(row["granted_at"] for row in rows),
            ).values("subscriber_id", "applied_at")
            page: Page = []
            for row in rows:
                sid = row["subscriber_id"]
                if any(
                    b["subscriber_id"] == sid and b["applied_at"] >= row["granted_at"]
                    for b in bought
                ):
                    continue
                page.append(
                    DueAlert(
                        sid,
                        kinds.FREE_CHARGE_ENDING,
                        {"expires_at": row["expires_at"].isoformat()},
                        kinds.free_charge_ending_key(sid, row["id"]),
                    )
                )
            yield page

    async def documents_rejected(self, zone: Zone, now: datetime) -> AsyncIterator[Page]:
        """Rejected documents in ``zone`` still in their grace period and not yet replaced by
        a newer copy of the same kind."""
        query = Document.filter(
            zone.subscribers("subscriber__"), status=DocumentStatus.REJECTED, grace_until__gt=now
        )
        fields = (
            "subscriber_id",
            "kind",
            "reject_code",
            "reject_reason",
            "uploaded_at",
            "grace_until",
        )
        async for rows in keyset_pages(query, self.page_size, *fields):
            replacements = await Document.filter(
                subscriber_id__in={row["subscriber_id"] for row in rows},
                status__in=(DocumentStatus.PENDING, DocumentStatus.APPROVED),
            ).values("subscriber_id", "kind", "uploaded_at")
            page: Page = []
            for row in rows:
                sid = row["subscriber_id"]
                if any(
                    r["subscriber_id"] == sid
                    and r["kind"] == row["kind"]
                    and r["uploaded_at"] > row["uploaded_at"]
                    for r in replacements
                ):
                    continue
                page.append(
                    DueAlert(
                        sid,
                        kinds.DOCUMENT_REJECTED,
                        {
                            "document_kind": str(row["kind"]),
                            "reason_code": str(row["reject_code"] or ""),
                            "reason": row["reject_reason"] or "",
                            "grace_until": row["grace_until"].isoformat(),
                            "days_left": remaining_days(row["grace_until"], now, zone.info),
                        },
                        kinds.document_rejected_key(sid, row["id"]),
                    )
                )
            yield page
