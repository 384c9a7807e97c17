"""The message box, announcements, and the outbox relay.

A service that changes something the subscriber must hear about calls ``enqueue`` inside its own
transaction; the ``OutboxRelay`` sends what was committed, through the Notifier port, and records
each message sent in the subscriber's inbox with where it went.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.alerts.preferences import MUTABLE, muted_of
from core.backoff import Backoff
from core.inbox import queries
from core.inbox.freshness import NoticeFreshness
from core.inbox.models import InboxMessage, OutboxMessage
from core.ports import Clock, Delivery, DeliveryFailed, Notifier

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

log = logging.getLogger(__name__)

# Seconds between tries to record a notice that was sent (about 15 s in all: a database
# restart's time).
RECORD_RETRY_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0)


async def enqueue(
    subscriber_id: int,
    kind: str,
    params: dict[str, Any],
    dedup_key: str,
    *,
    at: datetime,
    using_db: BaseDBAsyncClient | None = None,
) -> bool:
    """Write a message to send after commit. Returns False when ``dedup_key`` was already used
    (the event was already reported); the caller's transaction carries on either way, because
    the insert runs in a savepoint of its own."""
    if at.tzinfo is None:
        raise ValueError("enqueue needs a timezone-aware time")
    context = using_db._in_transaction() if using_db is not None else in_transaction()
    try:
        async with context as conn:
            await OutboxMessage.create(
                subscriber_id=subscriber_id,
                kind=kind,
                params=params,
                dedup_key=dedup_key,
                created_at=at,
                using_db=conn,
            )
    except IntegrityError:
        if using_db is not None:
            taken = await OutboxMessage.filter(dedup_key=dedup_key).using_db(using_db).exists()
        else:
            taken = await OutboxMessage.filter(dedup_key=dedup_key).exists()
        if not taken:
            raise
        return False
    return True


async def expire_unsent(subscriber_ids: Iterable[int], at: datetime) -> int:
    """Record every message still waiting for these subscribers as expired: their history (the
    demo's, played as of days ago) was told then or never, not now. Returns how many."""
    return await OutboxMessage.filter(
        subscriber_id__in=list(subscriber_ids), sent_at__isnull=True, expired_at__isnull=True
    ).update(expired_at=at, next_attempt_at=None)


class Inbox:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def record(
        self, subscriber_id: int, kind: str, params: dict[str, Any], delivery: Delivery
    ) -> InboxMessage:
        """Note a notification that was just sent (by whoever sent it)."""
        return await InboxMessage.create(
            subscriber_id=subscriber_id,
            kind=kind,
            params=params,
            channel=delivery.channel,
            address=delivery.address,
            sent_at=self.clock.now(),
        )

    async def list(
        self, subscriber_id: int, limit: int = 20, offset: int = 0
    ) -> list[queries.InboxRow]:
        return await queries.inbox(subscriber_id, limit=limit, offset=offset)

    # ``builtins``: inside this class ``list`` names the method above.
    async def announcements_for(
        self, subscriber_id: int
    ) -> builtins.list[queries.AnnouncementView]:
        return await queries.announcements_for(subscriber_id, self.clock.now())

    async def recent_announcements(
        self, subscriber_id: int, days: int, *, limit: int, offset: int = 0
    ) -> builtins.list[queries.AnnouncementView]:
        """Those of the last ``days`` days chosen for the subscriber, newest first."""
        now = self.clock.now()
        return await queries.recent_announcements(
            subscriber_id, now, now - timedelta(days=days), limit=limit, offset=offset
        )

    async def announcement(
        self, subscriber_id: int, announcement_id: int
    ) -> queries.AnnouncementView | None:
        return await queries.announcement_for(subscriber_id, announcement_id, self.clock.now())


class OutboxRelay:
    """Sends committed outbox messages. Each message is claimed with a conditional update (a
    compare-and-swap on ``attempts``), so two relays running at once send it once. A claim is a
    lease: if a relay dies mid-send, the message is tried again when the lease ends. When no
    channel takes it (the Notifier returns None) or the Notifier fails, it waits, longer after
    each attempt, up to ``max_backoff``. A message older than its kind may be (``freshness``)
    is recorded as expired instead of sent, and ``expired(kind)`` is told."""

    def __init__(
        self,
        clock: Clock,
        notifier: Notifier,
        freshness: NoticeFreshness,
        *,
        expired: Callable[[str], None] | None = None,
        lease: timedelta = timedelta(minutes=5),
        backoff: timedelta = timedelta(minutes=1),
        max_backoff: timedelta = timedelta(hours=6),
    ) -> None:
        self.clock = clock
        self.notifier = notifier
        self.freshness = freshness
        self.on_expired = expired
        self.lease = lease
        self.retry = Backoff(backoff, max_backoff)

    def delay_after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: 1, 2, 4, 8... minutes, capped."""
        return self.retry.after(attempts)

    async def relay_pending(self, limit: int = 100, *, subscriber_id: int | None = None) -> int:
        """Send up to ``limit`` due messages (only ``subscriber_id``'s when given: what they
        are waiting for now); returns how many were delivered."""
        now = self.clock.now()
        query = OutboxMessage.filter(sent_at__isnull=True, expired_at__isnull=True)
        if subscriber_id is not None:
            query = query.filter(subscriber_id=subscriber_id)
        due = (
            await query.filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("created_at", "id")
            .limit(limit)
        )
        delivered = 0
        muted = await self._muted(due)
        for message in due:
            if message.kind in muted.get(message.subscriber_id, ()):  # type: ignore[attr-defined]
                await self._expire(message, now, reason="muted")
                continue
            if await self.freshness.expired(message.kind, message.params, message.created_at, now):
                await self._expire(message, now)
                continue
            attempts = await self._claim(message)
            if attempts is None:
                continue
            try:
                delivery = await self.notifier.notify(
                    message.subscriber_id,  # type: ignore[attr-defined]
                    message.kind,
                    message.params,
                )
            except Exception as exc:
                log.warning("outbox %s: notifier failed: %r", message.id, exc)
                channel = exc.channel if isinstance(exc, DeliveryFailed) else None
                error = f"{type(exc).__name__}: {exc}"
                later = partial(self._later, message.id, attempts, error, channel)
                await _recorded(message.id, later)
                continue
            if delivery is None:
                await _recorded(
                    message.id, partial(self._later, message.id, attempts, "no_channel", None)
                )
                continue
            await self._record_delivered(message, delivery)
            delivered += 1
        return delivered

    async def _muted(self, due: builtins.list[OutboxMessage]) -> dict[int, frozenset[str]]:
        """The kinds muted by the subscribers of ``due`` who muted any (one query): a notice
        written before its kind was muted is not sent."""
        ids = {m.subscriber_id for m in due if m.kind in MUTABLE}  # type: ignore[attr-defined]
        if not ids:
            return {}
        rows = (
            await Subscriber.filter(id__in=ids)
            .exclude(muted_notices="")
            .values_list("id", "muted_notices")
        )
        return {sid: muted_of(str(stored)) for sid, stored in rows}

    async def _expire(self, message: OutboxMessage, now: datetime, reason: str = "") -> None:
        # Conditional like a claim: a relay sending it right now (its lease running) wins, and
        # of two relays expiring it at once, one records (and counts) it. A muted notice is
        # recorded the same way, with "muted" as its last error, and not counted as too old.
        expired = (
            await OutboxMessage.filter(
                id=message.id,
                attempts=message.attempts,
                sent_at__isnull=True,
                expired_at__isnull=True,
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(
                expired_at=now, next_attempt_at=None, **({"last_error": reason} if reason else {})
            )
        )
        if expired and reason:
            log.info("outbox %s: %s is muted by its subscriber: not sent", message.id, message.kind)
        elif expired:
            log.info(
                "outbox %s: %s written %s is too old to send: expired",
                message.id,
                message.kind,
                message.created_at.isoformat(),
            )
            if self.on_expired is not None:
                self.on_expired(message.kind)

    async def _claim(self, message: OutboxMessage) -> int | None:
        now = self.clock.now()
        claimed = (
            await OutboxMessage.filter(
                id=message.id,
                attempts=message.attempts,
                sent_at__isnull=True,
                expired_at__isnull=True,
            )
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(attempts=message.attempts + 1, next_attempt_at=now + self.lease)
        )
        return message.attempts + 1 if claimed == 1 else None

    async def _later(self, message_id: int, attempts: int, error: str, channel: str | None) -> None:
        await OutboxMessage.filter(id=message_id, attempts=attempts, sent_at__isnull=True).update(
            next_attempt_at=self.clock.now() + self.delay_after(attempts),
            last_error=error[:200],
            channel=channel,
        )

    async def _record_delivered(self, message: OutboxMessage, delivery: Delivery) -> None:
        await _recorded(message.id, partial(self._delivered, message, delivery))

    async def _delivered(self, message: OutboxMessage, delivery: Delivery) -> None:
        now = self.clock.now()
        async with in_transaction() as conn:
            marked = (
                # Not conditional on ``attempts``: if our lease ran out mid-send and another relay
                # took the message, whichever finishes first records the sending.
                await OutboxMessage.filter(id=message.id, sent_at__isnull=True)
                .using_db(conn)
                .update(
                    sent_at=now, next_attempt_at=None, last_error=None, channel=delivery.channel
                )
            )
            if marked:
                await InboxMessage.create(
                    subscriber_id=message.subscriber_id,  # type: ignore[attr-defined]
                    kind=message.kind,
                    params=message.params,
                    channel=delivery.channel,
                    address=delivery.address,
                    sent_at=now,
                    using_db=conn,
                )


async def _recorded(message_id: int, record: Callable[[], Awaitable[None]]) -> None:
    """An attempt's outcome, recorded through a database that is restarting: left unrecorded,
    the notice waits out its lease (minutes), and one that was sent goes out a second time.
    Each record is conditional, so a retry after a commit whose answer was lost changes
    nothing."""
    for wait in RECORD_RETRY_WAITS:
        try:
            await record()
            return
        except IntegrityError:
            raise
        except Exception as error:
            log.warning("outbox %s: not yet recorded: %r", message_id, error)
            await asyncio.sleep(wait)
    await record()
