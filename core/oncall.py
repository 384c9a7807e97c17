"""What the person on call is alerted on, read from the database: how long the oldest notice
not sent yet and the oldest payment still pending have waited (the metrics' gauges)."""

from __future__ import annotations

from datetime import datetime

from core.billing.enums import OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage


async def oldest_unsent_notice_age(now: datetime) -> float:
    """Seconds since the oldest message still in the outbox was written; 0 when it is empty.
    A growing age with a small queue is one message failing again and again."""
    oldest = (
        await OutboxMessage.filter(sent_at__isnull=True, expired_at__isnull=True)
        .order_by("created_at")
        .first()
    )
    return _age(now, oldest.created_at) if oldest is not None else 0.0


async def oldest_pending_order_age(now: datetime) -> float:
    """Seconds since the oldest order still waiting for its payment was placed; 0 when none.
    Past ``reconcile_after_minutes`` the reconciliation should have settled it."""
    oldest = await Order.filter(status=OrderStatus.PENDING).order_by("created_at").first()
    return _age(now, oldest.created_at) if oldest is not None else 0.0


def _age(now: datetime, then: datetime) -> float:
    return max(0.0, (now - then).total_seconds())
