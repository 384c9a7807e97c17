"""Automatic renewal, opt-in per subscriber: in the last hours of a paid service, the same plan
(or the one they chose) is renewed from the wallet, so the new period starts the moment the old
one ends; a wallet that falls short is said at once, with what it lacks.

Exactly once per end of service: the attempt's row is unique on (subscriber, end), written in the
transaction that places the renewal's order, so a second worker, a second run or a run after a
crash finds it taken and does nothing; only an attempt the wallet fell short of is tried again
(a top-up since renews the service on the next run), and its notice goes out once. Only the
wallet pays: an order that would need a payment link is never placed here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.alerts import kinds
from core.billing.enums import OrderKind, PlanKind, SubscriptionSource, SubscriptionStatus
from core.billing.models import AutoRenewal, Order, Plan, Subscription
from core.billing.orders import Orders
from core.billing.paused import not_paused
from core.billing.subscriptions import lock_subscriber
from core.config import Settings
from core.errors import DomainError, InvalidInput, NotFound
from core.inbox.service import enqueue
from core.ports import Clock

log = logging.getLogger(__name__)

# How long before a service ends its renewal is placed (it starts when the service ends).
RENEW_AHEAD = timedelta(hours=6)
# An attempt the wallet fell short of: tried again on each run while the service lasts.
SHORT = "short"
PAGE = 500


@dataclass(frozen=True, slots=True)
class AutoRenewSetting:
    enabled: bool
    # The plan renewed: the chosen one, else the one in force (None when there is none).
    plan_code: str | None


class AutoRenewals:
    def __init__(self, settings: Settings, clock: Clock, orders: Orders) -> None:
        self.settings = settings
        self.clock = clock
        self.orders = orders

    async def setting(self, subscriber_id: int) -> AutoRenewSetting:
        row = await Subscriber.get_or_none(id=subscriber_id)
        if row is None:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        return AutoRenewSetting(row.auto_renew, row.auto_renew_plan_code)

    async def set(
        self, subscriber_id: int, enabled: bool, plan_code: str | None = None
    ) -> AutoRenewSetting:
        """Turn automatic renewal on (with ``plan_code``, a service plan on sale in the line's
        currency, or the plan in force when None) or off.

        Errors: subscriber_not_found, plan_not_available {field}."""
        async with in_transaction():
            line = await lock_subscriber(subscriber_id)
            if plan_code is not None:
                plan = await Plan.get_or_none(code=plan_code)
                if (
                    plan is None
                    or not plan.active
                    or plan.kind != PlanKind.SERVICE
                    or plan.currency != line.currency
                ):
                    raise InvalidInput("plan_not_available", field="plan", plan=plan_code)
            await Subscriber.filter(id=subscriber_id).update(
                auto_renew=enabled, auto_renew_plan_code=plan_code if enabled else None
            )
        return AutoRenewSetting(enabled, plan_code if enabled else None)

    async def run(self) -> int:
        """Renew every service that ends within RENEW_AHEAD of a subscriber who asked for it and
        has nothing bought after it; returns how many were attempted."""
        now = self.clock.now()
        attempted = 0
        after_id = 0
        while True:
            ending = (
                await Subscription.filter(
                    # A paused line renews when it runs again (its end moved with the pause).
                    not_paused(now),
                    id__gt=after_id,
                    status=SubscriptionStatus.ACTIVE,
                    ends_at__gt=now,
                    ends_at__lte=now + RENEW_AHEAD,
                    subscriber__auto_renew=True,
                )
                .exclude(source=SubscriptionSource.FREE_CHARGE)
                .select_related("plan", "subscriber")
                .order_by("id")
                .limit(PAGE)
            )
            if not ending:
                return attempted
            after_id = ending[-1].id
            for subscription in ending:
                try:
                    renewed = await self._renew(subscription, now)
                except Exception:
                    # One line's surprise must not keep the lines after it from renewing.
                    log.exception("auto-renewal of subscription %s failed", subscription.id)
                    continue
                attempted += renewed

    async def _renew(self, subscription: Subscription, now: datetime) -> bool:
        line = subscription.subscriber
        if line.line_status == LineStatus.CLOSED:
            return False
        followed = await Subscription.filter(
            subscriber_id=line.id,
            status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.RESERVED),
            starts_at__gte=subscription.ends_at,
        ).exists()
        if followed:
            return False  # bought ahead already: nothing to renew
        plan_code = line.auto_renew_plan_code or subscription.plan.code
        try:
            async with in_transaction():
                await lock_subscriber(line.id)
                attempt = await AutoRenewal.get_or_none(
                    subscriber_id=line.id, period_end=subscription.ends_at
                )
                if attempt is None:
                    attempt = await AutoRenewal.create(
                        subscriber_id=line.id,
                        period_end=subscription.ends_at,
                        outcome="pending",
                        created_at=now,
                    )
                elif attempt.outcome != SHORT:
                    return False  # renewed, or refused for good, already
                # New, or short before: a wallet topped up since renews it now.
                await self._attempt(attempt, line.id, plan_code, subscription.ends_at, now)
        except IntegrityError:
            return False  # another worker is on it
        return True

    async def _attempt(
        self,
        attempt: AutoRenewal,
        subscriber_id: int,
        plan_code: str,
        ends_at: datetime,
        now: datetime,
    ) -> None:
        """Inside the attempt's transaction, the subscriber's row locked: renew from the wallet,
        or record and say why not."""
        params = {"plan_code": plan_code, "ends_at": ends_at.isoformat()}
        try:
            quote = await self.orders.quote(subscriber_id, OrderKind.RENEW_SERVICE, plan_code)
        except DomainError as refused:
            await self._failed(attempt, subscriber_id, refused.code, params, now)
            return
        if quote.payable > 0:
            await AutoRenewal.filter(id=attempt.id).update(outcome=SHORT, short=quote.payable)
            await enqueue(
                subscriber_id,
                kinds.AUTO_RENEW_FAILED,
                {
                    **params,
                    "reason": "wallet_short",
                    "short": quote.payable,
                    "currency": quote.currency,
                },
                kinds.auto_renew_key(subscriber_id, ends_at),
                at=now,
            )
            return
        try:
            order = await self.orders.place_order(subscriber_id, OrderKind.RENEW_SERVICE, plan_code)
        except DomainError as refused:
            await self._failed(attempt, subscriber_id, refused.code, params, now)
            return
        # Applied at once (nothing to pay): its "applied" notice and receipt are on their way.
        placed = await Order.get(tracking_number=order.tracking_number).only("id")
        await AutoRenewal.filter(id=attempt.id).update(outcome="renewed", order_id=placed.id)

    async def _failed(
        self, attempt: AutoRenewal, subscriber_id: int, reason: str, params: dict, now: datetime
    ) -> None:
        log.info("auto-renewal of subscriber %s not placed: %s", subscriber_id, reason)
        await AutoRenewal.filter(id=attempt.id).update(outcome="failed", reason=reason[:64])
        await enqueue(
            subscriber_id,
            kinds.AUTO_RENEW_FAILED,
            {**params, "reason": reason},
            kinds.auto_renew_key(subscriber_id, datetime.fromisoformat(params["ends_at"])),
            at=now,
        )
