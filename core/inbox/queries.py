"""Reads for the message box and the announcements shown at login."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from tortoise.expressions import Q

from core.accounts.models import Subscriber
from core.billing.enums import SubscriptionStatus
from core.billing.models import Subscription
from core.inbox.models import Announcement, InboxMessage, OutboxMessage


@dataclass(frozen=True, slots=True)
class InboxRow:
    """One notification sent: when, where (channel and number or chat id), and why."""

    id: int
    sent_at: datetime
    kind: str
    params: dict[str, Any]
    channel: str
    address: str


async def inbox(subscriber_id: int, limit: int = 20, offset: int = 0) -> list[InboxRow]:
    """The subscriber's message box, newest first."""
    rows = (
        await InboxMessage.filter(subscriber_id=subscriber_id)
        .order_by("-sent_at", "-id")
        .offset(offset)
        .limit(limit)
    )
    return [InboxRow(r.id, r.sent_at, r.kind, r.params, r.channel, r.address) for r in rows]


@dataclass(frozen=True, slots=True)
class AnnouncementView:
    id: int
    # Text per language: {"fa": "...", "id": "...", "en": "..."}
    texts: dict[str, str]
    plan_id: int | None
    exchange_centre: str | None
    starts_at: datetime
    ends_at: datetime | None

    @classmethod
    def of(cls, row: Announcement) -> AnnouncementView:
        return cls(
            row.id, dict(row.texts), row.plan_id, row.exchange_centre, row.starts_at, row.ends_at
        )


async def last_notice(
    subscriber_id: int, kind: str, address: str, since: datetime
) -> InboxRow | None:
    """The newest notice of ``kind`` sent to ``address`` since then (a bare SMS score answers
    the closing notice that reached the number last)."""
    row = (
        await InboxMessage.filter(
            subscriber_id=subscriber_id, kind=kind, address=address, sent_at__gte=since
        )
        .order_by("-sent_at", "-id")
        .first()
    )
    if row is None:
        return None
    return InboxRow(row.id, row.sent_at, row.kind, row.params, row.channel, row.address)


async def _chosen_for(subscriber_id: int) -> Q | None:
    """The filter of the announcements chosen for this subscriber (None: no such subscriber).

    An announcement names a plan, an exchange centre, both, or neither (everyone); it is chosen
    for a subscriber when every condition it names holds: the plan is one of the subscriber's
    active services, the exchange centre is the one serving the subscriber's line.
    """
    subscriber = await Subscriber.get_or_none(id=subscriber_id).only("id", "exchange_centre")
    if subscriber is None:
        return None
    plan_ids = await Subscription.filter(
        subscriber_id=subscriber_id, status=SubscriptionStatus.ACTIVE
    ).values_list("plan_id", flat=True)
    plan_rule = Q(plan_id__isnull=True)
    if plan_ids:
        plan_rule |= Q(plan_id__in=list(plan_ids))
    exchange_rule = Q(exchange_centre__isnull=True)
    if subscriber.exchange_centre:
        exchange_rule |= Q(exchange_centre=subscriber.exchange_centre)
    return plan_rule & exchange_rule


async def announcements_for(subscriber_id: int, now: datetime) -> list[AnnouncementView]:
    """Announcements running at ``now`` that are chosen for this subscriber, newest first."""
    chosen = await _chosen_for(subscriber_id)
    if chosen is None:
        return []
    rows = (
        await Announcement.filter(chosen, starts_at__lte=now)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now))
        .order_by("-starts_at", "-id")
    )
    return [AnnouncementView.of(row) for row in rows]


async def recent_announcements(
    subscriber_id: int, now: datetime, since: datetime, *, limit: int, offset: int = 0
) -> list[AnnouncementView]:
    """The announcements chosen for this subscriber that started between ``since`` and
    ``now``, ended or not (the message box reads them again), newest first, a page."""
    chosen = await _chosen_for(subscriber_id)
    if chosen is None:
        return []
    rows = (
        await Announcement.filter(chosen, starts_at__lte=now, starts_at__gte=since)
        .order_by("-starts_at", "-id")
        .offset(offset)
        .limit(limit)
    )
    return [AnnouncementView.of(row) for row in rows]


async def announcement_for(
    subscriber_id: int, announcement_id: int, now: datetime
) -> AnnouncementView | None:
    """One announcement, if it started and is chosen for this subscriber (a chat may send any
    number: another line's announcement is not shown)."""
    chosen = await _chosen_for(subscriber_id)
    if chosen is None:
        return None
    row = await Announcement.filter(chosen, id=announcement_id, starts_at__lte=now).first()
    return AnnouncementView.of(row) if row is not None else None


async def outbox_queue_depth() -> int:
    """Messages written and not sent yet (a metric: a growing queue means a sender is stuck)."""
    return await OutboxMessage.filter(sent_at__isnull=True, expired_at__isnull=True).count()


class OutboxState(StrEnum):
    WAITING = "waiting"
    SENT = "sent"
    # Too old to make sense when the relay got to it: recorded, never sent.
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class OutboxRow:
    """A message of the outbox as the operator sees it (no parameters: they hold what the
    subscriber is told)."""

    id: int
    subscriber_id: int
    kind: str
    state: OutboxState
    created_at: datetime
    sent_at: datetime | None
    expired_at: datetime | None
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, row: OutboxMessage) -> OutboxRow:
        if row.sent_at is not None:
            state = OutboxState.SENT
        elif row.expired_at is not None:
            state = OutboxState.EXPIRED
        else:
            state = OutboxState.WAITING
        return cls(
            id=row.id,
            subscriber_id=row.subscriber_id,  # type: ignore[attr-defined]
            kind=row.kind,
            state=state,
            created_at=row.created_at,
            sent_at=row.sent_at,
            expired_at=row.expired_at,
            attempts=row.attempts,
            last_error=row.last_error,
        )


_IN_STATE = {
    OutboxState.WAITING: Q(sent_at__isnull=True, expired_at__isnull=True),
    OutboxState.SENT: Q(sent_at__isnull=False),
    OutboxState.EXPIRED: Q(expired_at__isnull=False),
}


async def outbox_page(
    state: OutboxState | None = None,
    kind: str | None = None,
    subscriber_id: int | None = None,
    *,
    limit: int,
    offset: int,
) -> list[OutboxRow]:
    """The outbox, newest first, filtered by state, kind and subscriber when given."""
    query = OutboxMessage.all()
    if state is not None:
        query = query.filter(_IN_STATE[state])
    if kind is not None:
        query = query.filter(kind=kind)
    if subscriber_id is not None:
        query = query.filter(subscriber_id=subscriber_id)
    rows = await query.order_by("-created_at", "-id").offset(offset).limit(limit)
    return [OutboxRow.of(row) for row in rows]
