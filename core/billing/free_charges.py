"""The one-time free charge, written: granting it (the rule is ``free_charge``) and an operator
letting a subscriber take it once more."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import cast

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.accounts.profile import subscriber_zone
from core.billing import free_charge, state
from core.billing.enums import BucketKind, SubscriptionSource, SubscriptionStatus
from core.billing.models import FreeChargeGrant, Subscription, TrafficBucket
from core.billing.periods import remaining_days
from core.billing.read_models import FreeChargeGranted
from core.billing.subscriptions import lock_subscriber, reopen_line
from core.billing.units import mb_to_bytes
from core.config import Settings
from core.errors import DomainError, NotFound
from core.ports import Clock


class FreeCharges:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def take(self, subscriber_id: int) -> FreeChargeGranted:
        """The one-time free charge: free_charge_days if the days ran out, free_charge_mb if the
        traffic ran out, both if both. Once per subscriber per free_charge_generation, ever.

        The subscriber's row is locked while deciding, so of many chats asking at once one is
        granted and every other is told ``free_charge_already_used`` (not that service now
        remains: the grant itself made it remain); the grant's unique (subscriber, generation)
        stands behind the lock.

        Errors: subscriber_not_found, line_closed, free_charge_already_used {generation},
        free_charge_not_eligible {reason: "service_remaining" | "no_service" | "disabled",
        remaining_days, remaining_bytes (None: unlimited)}.
        """
        now = self.clock.now()
        generation = 0
        try:
            async with in_transaction():
                subscriber = await lock_subscriber(subscriber_id)
                generation = subscriber.free_charge_generation
                grant = await self._grant_free_charge(subscriber, generation, now)
                return FreeChargeGranted.of(grant)
        except IntegrityError:
            raise DomainError("free_charge_already_used", generation=generation) from None

    async def _grant_free_charge(
        self, subscriber: Subscriber, generation: int, now: datetime
    ) -> FreeChargeGrant:
        subscriber_id = subscriber.id
        zone = subscriber_zone(subscriber, self.settings)
        st = await state.service_state(subscriber_id, now)
        days_left = remaining_days(st.current.ends_at, now, zone) if st.current else 0
        days_out = days_left == 0 and st.reserve is None
        traffic_out = not st.unlimited and st.remaining_bytes == 0
        paid = (
            Subscription.filter(subscriber_id=subscriber_id)
            .exclude(source=SubscriptionSource.FREE_CHARGE)
            .select_related("plan")
            .order_by("-ends_at", "-id")
        )
        last: Subscription | None = None

        async def had_paid_service() -> bool:
            nonlocal last
            last = await paid.first()
            return last is not None

        decision = await free_charge.decide(
            line_closed=subscriber.line_status == LineStatus.CLOSED,
            days_ran_out=days_out,
            traffic_ran_out=traffic_out,
            already_used=FreeChargeGrant.filter(
                subscriber_id=subscriber_id, generation=generation
            ).exists,
            had_paid_service=had_paid_service,
            grant_days=self.settings.free_charge_days,
            grant_megabytes=self.settings.free_charge_mb,
        )
        if decision.reason == "line_closed":
            raise DomainError("line_closed", subscriber_id=subscriber_id)
        if decision.reason == "already_used":
            raise DomainError("free_charge_already_used", generation=generation)
        if decision.reason is not None:
            raise DomainError(
                "free_charge_not_eligible",
                reason=decision.reason,
                remaining_days=days_left,
                remaining_bytes=None if st.unlimited else st.remaining_bytes,
            )
        assert last is not None  # had_paid_service found it
        days, megabytes = decision.days, decision.megabytes

        start = max(now, st.current.ends_at) if (days_out and st.current) else now
        window_end = start + timedelta(days=days) if days else None
        if window_end is not None:
            bucket_until: datetime | None = window_end
        else:
            bucket_until = st.current.ends_at if st.current else None
        expires_at = window_end or bucket_until or now
        # First the grant: its unique constraint stands behind the lock.
        grant = await FreeChargeGrant.create(
            subscriber_id=subscriber_id,
            generation=generation,
            days=days,
            megabytes=megabytes,
            granted_at=now,
            expires_at=expires_at,
        )
        window = None
        if window_end is not None:
            window = await Subscription.create(
                subscriber_id=subscriber_id,
                plan=last.plan,
                status=SubscriptionStatus.ACTIVE if start <= now else SubscriptionStatus.RESERVED,
                source=SubscriptionSource.FREE_CHARGE,
                starts_at=start,
                ends_at=window_end,
                # An unlimited plan's days ran out: its two free days are unlimited too.
                unlimited=last.unlimited and not traffic_out,
                price_paid=0,
            )
            if st.current is not None and not traffic_out:
                # Taken on the service's last day with traffic left: that traffic must last
                # into the free days, or they would be days without a byte to connect with.
                await TrafficBucket.filter(
                    subscription_id=st.current.id, valid_until=st.current.ends_at
                ).update(valid_until=window_end)
        if megabytes:
            await TrafficBucket.create(
                subscriber_id=subscriber_id,
                subscription=window,
                kind=BucketKind.FREE_CHARGE,
                total_bytes=mb_to_bytes(megabytes),
                valid_from=now,
                valid_until=bucket_until,
            )
        await reopen_line(subscriber_id, now, "free_charge")
        return grant

    async def reset(self, subscriber_id: int) -> int:
        """An operator lets the subscriber take the free charge once more; returns the new
        generation. Errors: subscriber_not_found."""
        moved = await Subscriber.filter(id=subscriber_id).update(
            free_charge_generation=F("free_charge_generation") + 1
        )
        if not moved:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        values = await Subscriber.filter(id=subscriber_id).values_list(
            "free_charge_generation", flat=True
        )
        return cast(int, values[0])
