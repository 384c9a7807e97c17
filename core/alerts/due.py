"""Who is due for an alert now: set-based queries over indexed columns, read page by page.

Each selection drives one indexed range scan (``subscription.ends_at``, ``free_charge_grant.
expires_at``, ``document.grace_until``, live subscriptions) in pages ordered by primary key
(keyset, never OFFSET), and settles each page with one more query over that page's subscriber
ids. No query reads all subscribers; no loop runs once per subscriber over the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.functions import Sum
from tortoise.queryset import QuerySet

from core.accounts.models import Document, DocumentStatus, LineStatus
from core.alerts import kinds
from core.alerts.zones import Zone
from core.billing.models import (
    FreeChargeGrant,
    Order,
    OrderStatus,
    Subscription,
    SubscriptionSource,
    TrafficBucket,
)
from core.billing.periods import remaining_days
from core.billing.state import LIVE
from core.billing.units import mb_to_bytes
from core.config import Settings


@dataclass(frozen=True, slots=True)
class DueAlert:
    subscriber_id: int
    kind: str
    params: dict[str, Any] = field(hash=False)
    key: str


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
                    status__in=LIVE,
                    ends_at__gte=start,
                    ends_at__lt=end,
                )
                .exclude(source=SubscriptionSource.FREE_CHARGE)
                .exclude(subscriber__line_status=LineStatus.CLOSED)
            )
            async for rows in keyset_pages(query, self.page_size, "subscriber_id", "ends_at"):
                ids = {row["subscriber_id"] for row in rows}
                renewed = set(
                    await Subscription.filter(
                        subscriber_id__in=ids, status__in=LIVE, ends_at__gte=end
                    )
                    .exclude(source=SubscriptionSource.FREE_CHARGE)
                    .values_list("subscriber_id", flat=True)
                )
                ends: dict[int, datetime] = {}
                for row in rows:
                    sid = row["subscriber_id"]
                    if sid not in renewed:
                        ends[sid] = max(ends.get(sid, row["ends_at"]), row["ends_at"])
                yield [
                    DueAlert(
                        sid,
                        kinds.EXPIRY,
                        {
                            "days_before": days_before,
                            "ends_at": ends_at.isoformat(),
                            "ended": ends_at <= now,
                        },
                        kinds.expiry_key(sid, days_before, expiry_day),
                    )
                    for sid, ends_at in ends.items()
                ]

    async def low_traffic(self, zone: Zone, now: datetime) -> AsyncIterator[Page]:
        """Subscribers in ``zone`` on a paid, metered service whose usable traffic is below
        ``low_traffic_percent`` of what they have or below ``low_traffic_mb``."""
        floor = mb_to_bytes(self.settings.low_traffic_mb)
        query = (
            Subscription.filter(
                zone.subscribers("subscriber__"),
                status__in=LIVE,
                starts_at__lte=now,
                ends_at__gt=now,
                unlimited=False,
            )
            .exclude(source=SubscriptionSource.FREE_CHARGE)
            .exclude(subscriber__line_status=LineStatus.CLOSED)
        )
        async for rows in keyset_pages(query, self.page_size, "subscriber_id"):
            subscription_of: dict[int, int] = {}
            for row in rows:
                subscription_of.setdefault(row["subscriber_id"], row["id"])
            sums = (
                await TrafficBucket.filter(
                    Q(valid_until__isnull=True) | Q(valid_until__gt=now),
                    subscriber_id__in=list(subscription_of),
                    valid_from__lte=now,
                )
                .annotate(total=Sum("total_bytes"), used=Sum("used_bytes"))
                .group_by("subscriber_id")
                .values("subscriber_id", "total", "used")
            )
            page: Page = []
            for row in sums:
                total, used = int(row["total"] or 0), int(row["used"] or 0)
                left = max(0, total - used)
                threshold = max(total * self.settings.low_traffic_percent // 100, floor)
                if total <= 0 or left >= threshold:
                    continue
                sid = row["subscriber_id"]
                page.append(
                    DueAlert(
                        sid,
                        kinds.LOW_TRAFFIC,
                        {"remaining_bytes": left, "allowance_bytes": total},
                        kinds.low_traffic_key(sid, subscription_of[sid], total),
                    )
                )
            yield page

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
        fields = ("subscriber_id", "kind", "reject_reason", "uploaded_at", "grace_until")
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
                            "reason": row["reject_reason"] or "",
                            "grace_until": row["grace_until"].isoformat(),
                            "days_left": remaining_days(row["grace_until"], now, zone.info),
                        },
                        kinds.document_rejected_key(sid, row["id"]),
                    )
                )
            yield page
