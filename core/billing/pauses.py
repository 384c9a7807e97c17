"""Pausing the service ("freeze"): a subscriber stops the service for some days, within the ISP's
limits (settings: the fewest and most days, times in any 12 months, a fee paid from the wallet),
instead of cancelling it. The days and traffic left are kept.

When a pause starts, the service in force is moved back by the days asked: its end, the validity
of the traffic usable now and everything bought ahead. So nothing runs out or renews while the
line is paused, and every read of the service stays true without knowing of pauses. While paused
the line's ``paused_until`` is set: RADIUS rejects the line (core/radius/provisioning.py), no
expiry or low-traffic alert is sent (core/alerts/due.py) and auto-renewal waits
(core/billing/auto_renew.py). It resumes on the day chosen (``resume_due``, the worker's job) or
earlier when asked (``resume``): then the days not used are taken back, so only the days
actually paused are added.

Every write runs in one transaction with the subscriber's row locked, and each checks the state
it changes under that lock: a pause starts once, its fee is taken once, it ends once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tortoise.expressions import Q
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.alerts import kinds
from core.billing import state
from core.billing.enums import OrderStatus, SubscriptionSource, WalletEntryKind
from core.billing.fulfilment import SERVICE_KINDS
from core.billing.models import Order, ServicePause, Subscription, TrafficBucket, WalletEntry
from core.billing.quotes import refuse_blocked_line
from core.billing.subscriptions import lock_subscriber, rechain_reserved
from core.config import Settings
from core.errors import DomainError, InvalidInput, NotFound
from core.inbox.service import enqueue
from core.ports import Clock

log = logging.getLogger(__name__)

# The yearly limit counts the pauses started in the last 365 days (no calendar's year: the
# Jalali and the Gregorian ones start on different days).
YEAR = timedelta(days=365)
BY_SCHEDULE, BY_SUBSCRIBER, BY_STAFF = "schedule", "subscriber", "staff"
PAGE = 500


@dataclass(frozen=True, slots=True)
class PauseLimits:
    min_days: int
    max_days: int
    times_a_year: int
    # In the subscriber's currency, minor units; 0: free.
    fee: int
    currency: str

    @property
    def offered(self) -> bool:
        return self.times_a_year > 0


@dataclass(frozen=True, slots=True)
class PauseView:
    id: int
    days: int
    started_at: datetime
    resume_at: datetime
    resumed_at: datetime | None
    resumed_by: str | None
    fee: int
    currency: str

    @classmethod
    def of(cls, row: ServicePause) -> PauseView:
        return cls(
            id=row.id,
            days=row.days,
            started_at=row.started_at,
            resume_at=row.resume_at,
            resumed_at=row.resumed_at,
            resumed_by=row.resumed_by,
            fee=row.fee,
            currency=row.currency,
        )


@dataclass(frozen=True, slots=True)
class PauseState:
    limits: PauseLimits
    # The pause in force, None when the service runs.
    current: PauseView | None
    # Pauses started in the last 365 days, and when the next may start if none is left.
    used_this_year: int
    next_allowed_at: datetime | None
    # The last pauses, newest first.
    recent: tuple[PauseView, ...]

    @property
    def left_this_year(self) -> int:
        return max(0, self.limits.times_a_year - self.used_this_year)


@dataclass(frozen=True, slots=True)
class PauseQuote:
    """What a pause of ``days`` would do: when it resumes, the service's new end, the fee."""

    days: int
    resume_at: datetime
    service_ends_at: datetime
    fee: int
    currency: str
    wallet_balance: int


class Pauses:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    def limits(self, currency: str) -> PauseLimits:
        s = self.settings
        return PauseLimits(
            s.pause_min_days,
            s.pause_max_days,
            s.pause_times_a_year,
            int(s.pause_fee.get(currency, 0)),
            currency,
        )

    async def state(self, subscriber_id: int) -> PauseState:
        """The limits, the pause in force and the year's count.

        Errors: subscriber_not_found."""
        line = await Subscriber.get_or_none(id=subscriber_id)
        if line is None:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        now = self.clock.now()
        rows = await ServicePause.filter(subscriber_id=subscriber_id).order_by("-started_at", "-id")
        current = next(
            (row for row in rows if row.resumed_at is None and row.resume_at > now), None
        )
        limits = self.limits(line.currency)
        used, next_at = _yearly_use(rows, now, limits.times_a_year)
        return PauseState(
            limits=limits,
            current=PauseView.of(current) if current is not None else None,
            used_this_year=used,
            next_allowed_at=next_at,
            recent=tuple(PauseView.of(row) for row in rows[:5]),
        )

    async def quote(self, subscriber_id: int, days: int) -> PauseQuote:
        """What pausing for ``days`` from now would do, refused as ``pause`` would refuse it."""
        line = await Subscriber.get_or_none(id=subscriber_id)
        if line is None:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        quote, _current = await self._check(line, days, self.clock.now())
        return quote

    async def pause(self, subscriber_id: int, days: int) -> PauseView:
        """Pause the service in force from now for ``days``: the fee is taken from the wallet,
        the service, its traffic and what is bought ahead move back by ``days``, and the line is
        paused until the day it resumes.

        Errors: subscriber_not_found, invalid_pause_days {field}, pause_not_offered,
        pause_too_short {days, min_days}, pause_too_long {days, max_days},
        pause_limit_reached {times, next_at}, pause_already_paused {resume_at},
        pause_no_service, pause_order_pending {tracking_number, payable_until} (a service
        order waits for its payment), pause_card_charge_pending {tracking_number} (a saved
        card's charge of one was sent, its result not known yet), pause_wallet_short {fee,
        balance, short, currency}; and the blocked line's refusals (quotes.refuse_blocked_line)."""
        now = self.clock.now()
        async with in_transaction():
            line = await lock_subscriber(subscriber_id)
            if line.paused_until is not None and line.paused_until <= now:
                # The last pause's day has come and the job has not ended it yet: it ends now,
                # untold (the subscriber is pausing again, not waiting to hear it ran again).
                for due in await ServicePause.filter(subscriber_id=subscriber_id, resumed_at=None):
                    await _end(due, due.resume_at, BY_SCHEDULE)
                line.paused_until = None
            quote, current = await self._check(line, days, now)
            shift = timedelta(days=days)
            buckets = await _buckets_in_force(subscriber_id, now)
            new_end = current.ends_at + shift
            await Subscription.filter(id=current.id).update(ends_at=new_end)
            for bucket in buckets:
                assert bucket.valid_until is not None
                await TrafficBucket.filter(id=bucket.id).update(
                    valid_until=bucket.valid_until + shift
                )
            await rechain_reserved(subscriber_id, new_end, now)
            pause = await ServicePause.create(
                subscriber_id=subscriber_id,
                days=days,
                started_at=now,
                resume_at=quote.resume_at,
                fee=quote.fee,
                currency=quote.currency,
                subscription_id=current.id,
                bucket_ids=[bucket.id for bucket in buckets],
            )
            if quote.fee:
                await WalletEntry.create(
                    subscriber_id=subscriber_id,
                    amount=-quote.fee,
                    currency=quote.currency,
                    kind=WalletEntryKind.PAUSE_FEE,
                    note=f"pause {pause.id}",
                    created_at=now,
                )
            await Subscriber.filter(id=subscriber_id).update(paused_until=quote.resume_at)
        log.info("subscriber %s paused for %s days", subscriber_id, days)
        return PauseView.of(pause)

    async def resume(self, subscriber_id: int, *, by: str = BY_SUBSCRIBER) -> PauseView:
        """Resume a paused service now, at the subscriber's asking (or staff's: ``by``): the
        days not used are taken back from the service (its end, traffic and what is bought
        ahead move forward again). The fee is not returned.

        Errors: subscriber_not_found, pause_not_paused."""
        now = self.clock.now()
        async with in_transaction():
            await lock_subscriber(subscriber_id)
            pause = await ServicePause.filter(subscriber_id=subscriber_id, resumed_at=None).first()
            if pause is None:
                raise DomainError("pause_not_paused", subscriber_id=subscriber_id)
            if pause.resume_at <= now:
                await _end(pause, pause.resume_at, BY_SCHEDULE)
            else:
                await _take_back(pause, pause.resume_at - now, now)
                await _end(pause, now, by)
        return PauseView.of(pause)

    async def resume_due(self) -> int:
        """The worker's job: every pause whose day has come ends (nothing moves: the service
        was moved back by exactly these days). Safe to run again or in two workers: each ends
        under its line's lock, once. Returns how many ended."""
        now = self.clock.now()
        ended = 0
        while True:
            due = await ServicePause.filter(resumed_at=None, resume_at__lte=now).limit(PAGE)
            if not due:
                return ended
            for found in due:
                async with in_transaction():
                    await lock_subscriber(found.subscriber_id)
                    pause = await ServicePause.get_or_none(id=found.id, resumed_at=None)
                    if pause is None:
                        continue  # another worker, or the subscriber, ended it
                    await _end(pause, pause.resume_at, BY_SCHEDULE)
                    await _tell_resumed(pause, now)
                    ended += 1
            if len(due) < PAGE:
                return ended

    async def _check(
        self, line: Subscriber, days: Any, now: datetime
    ) -> tuple[PauseQuote, Subscription]:
        """The refusals, in the order a subscriber can act on them; the quote and the paid
        subscription in force when none applies."""
        if isinstance(days, bool) or not isinstance(days, int):
            raise InvalidInput("invalid_pause_days", field="days", days=days)
        limits = self.limits(line.currency)
        if not limits.offered:
            raise DomainError("pause_not_offered", subscriber_id=line.id)
        if line.paused_until is not None and line.paused_until > now:
            raise DomainError("pause_already_paused", resume_at=line.paused_until.isoformat())
        refuse_blocked_line(line)
        if days < limits.min_days:
            raise DomainError("pause_too_short", days=days, min_days=limits.min_days)
        if days > limits.max_days:
            raise DomainError("pause_too_long", days=days, max_days=limits.max_days)
        starts: list[datetime] = await ServicePause.filter(  # type: ignore[assignment]
            subscriber_id=line.id, started_at__gt=now - YEAR
        ).values_list("started_at", flat=True)
        _used, next_at = _yearly_use_of(sorted(starts), limits.times_a_year)
        if next_at is not None:
            raise DomainError(
                "pause_limit_reached", times=limits.times_a_year, next_at=next_at.isoformat()
            )
        current = await state.current_subscription(line.id, now)
        if current is None or current.source == SubscriptionSource.FREE_CHARGE:
            raise DomainError("pause_no_service", subscriber_id=line.id)
        await _refuse_pending_service_order(line.id, now, self.settings)
        balance = await state.wallet_balance(line.id) - await state.wallet_held(line.id)
        if limits.fee > balance:
            raise DomainError(
                "pause_wallet_short",
                fee=limits.fee,
                balance=max(0, balance),
                short=limits.fee - max(0, balance),
                currency=line.currency,
            )
        shift = timedelta(days=days)
        quote = PauseQuote(
            days=days,
            resume_at=now + shift,
            service_ends_at=current.ends_at + shift,
            fee=limits.fee,
            currency=line.currency,
            wallet_balance=balance,
        )
        return quote, current


async def _refuse_pending_service_order(
    subscriber_id: int, now: datetime, settings: Settings
) -> None:
    """An order that starts, renews or changes the service, placed and still payable, would be
    applied in the middle of the pause: it is paid (or its link runs out) first."""
    link = timedelta(minutes=settings.payment_link_minutes)
    pending = (
        await Order.filter(
            Q(created_at__gt=now - link) | Q(card_sent_at__isnull=False),
            subscriber_id=subscriber_id,
            status=OrderStatus.PENDING,
            kind__in=SERVICE_KINDS,
        )
        .order_by("-created_at")
        .first()
    )
    if pending is not None and pending.card_sent_at is not None:
        # A saved card's charge sent is applied whenever the provider's answer comes, however
        # late (its link time does not bound it): it is settled first.
        raise DomainError("pause_card_charge_pending", tracking_number=pending.tracking_number)
    if pending is not None:
        raise DomainError(
            "pause_order_pending",
            tracking_number=pending.tracking_number,
            payable_until=(pending.created_at + link).isoformat(),
        )


def _yearly_use(rows: list[ServicePause], now: datetime, times: int) -> tuple[int, datetime | None]:
    return _yearly_use_of(
        sorted(row.started_at for row in rows if row.started_at > now - YEAR), times
    )


def _yearly_use_of(starts: list[datetime], times: int) -> tuple[int, datetime | None]:
    """How many of the last year's pauses (``starts``, oldest first) count, and when one more
    may start if the limit is reached: when enough of them have left the 365 days."""
    used = len(starts)
    if times <= 0 or used < times:
        return used, None
    return used, starts[used - times] + YEAR


async def _buckets_in_force(subscriber_id: int, now: datetime) -> list[TrafficBucket]:
    """The traffic usable now that would run out: it keeps its validity's rest over the pause.
    (Buckets of services bought ahead move with their service.)"""
    return await TrafficBucket.filter(
        subscriber_id=subscriber_id,
        valid_from__lte=now,
        valid_until__gt=now,
    )


async def _take_back(pause: ServicePause, unused: timedelta, now: datetime) -> None:
    """An early resume: what the pause moved back by its whole length moves forward by the
    part not used. A service replaced since (a change of service) is left as it is."""
    if pause.subscription_id is not None:
        moved = await Subscription.get_or_none(
            id=pause.subscription_id, status__in=state.LIVE, ends_at__gt=now
        )
        if moved is not None:
            new_end = max(now, moved.ends_at - unused)
            await Subscription.filter(id=moved.id).update(ends_at=new_end)
            await rechain_reserved(pause.subscriber_id, new_end, now)
    for bucket in await TrafficBucket.filter(id__in=list(pause.bucket_ids), valid_until__gt=now):
        assert bucket.valid_until is not None
        await TrafficBucket.filter(id=bucket.id).update(
            valid_until=max(now, bucket.valid_until - unused)
        )


async def _tell_resumed(pause: ServicePause, now: datetime) -> None:
    """The subscriber is told the line connects again (once: the key is the pause's)."""
    end = await state.paid_chain_end(pause.subscriber_id, now)
    await enqueue(
        pause.subscriber_id,
        kinds.SERVICE_RESUMED,
        {"ends_at": end.isoformat() if end else None},
        kinds.service_resumed_key(pause.id),
        at=now,
    )


async def _end(pause: ServicePause, at: datetime, by: str) -> None:
    pause.resumed_at, pause.resumed_by = at, by
    await ServicePause.filter(id=pause.id).update(resumed_at=at, resumed_by=by)
    await Subscriber.filter(id=pause.subscriber_id).update(paused_until=None)
