"""Automatic renewal, opt-in per subscriber: in the last hours of a paid service, the same plan
(or the one they chose) is renewed from the wallet, so the new period starts the moment the old
one ends; a wallet that falls short is said at once, with what it lacks.

Exactly once per end of service: the attempt's row is unique on (subscriber, end), written in the
transaction that places the renewal's order, so a second worker, a second run or a run after a
crash finds it taken and does nothing; only an attempt the wallet fell short of is tried again
(a top-up since renews the service on the next run), and its notice goes out once. An order
that would need a payment link is never placed here.

Where the line's currency is paid by Stripe and a card is saved (core/billing/saved_cards.py),
a short wallet is made up from the card instead: the subscriber is told the amount and the time
first (``card_charge_ahead``), and the card is charged ``CARD_NOTICE_LEAD`` later at the
earliest and ``CARD_CHARGE_MARGIN`` before the end at the latest, unless they topped up, removed
the card or turned renewal off meanwhile. The charge is an order of its own (exactly once under
the provider's idempotency key); a refused card is told at once with a payment link and not
tried again for that end of service. A card attempt still open when its service ends is
finished by its own row: its charge settled, or, never made, expired and told.
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
from core.billing.enums import (
    OrderKind,
    OrderStatus,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
)
from core.billing.models import AutoRenewal, Order, Plan, Subscription
from core.billing.orders import Orders
from core.billing.paused import not_paused
from core.billing.pricing import Quote
from core.billing.saved_cards import CARD_REMOVED, ChargeOutcome, SavedCards
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
# The saved card is to be charged what the wallet lacks, once ``charge_after`` has come
# (the subscriber was told when it would be, and may stop it until then).
CARD_NOTICED = "card_noticed"
# The card's order is placed and its charge sent (or about to be): asked again until settled.
CHARGING = "charging"
# The card was refused: not charged again for this end of service, the wallet still tried.
CARD_FAILED = "card_failed"
# The service ended before the card was charged: told, and never charged for that end.
CARD_EXPIRED = "card_expired"
RETRIED = frozenset({SHORT, CARD_NOTICED, CHARGING, CARD_FAILED})
# How long after the notice a saved card is charged at the earliest...
CARD_NOTICE_LEAD = timedelta(hours=2)
# ...and at the latest this long before the service ends, so the charge (and a refusal's
# payment link) comes while the service still runs.
CARD_CHARGE_MARGIN = timedelta(minutes=30)
# A card attempt that expired with its service is told only if the service ended this recently.
EXPIRY_TOLD_WITHIN = timedelta(days=1)
PAGE = 500


@dataclass(frozen=True, slots=True)
class AutoRenewSetting:
    enabled: bool
    # The plan renewed: the chosen one, else the one in force (None when there is none).
    plan_code: str | None


class AutoRenewals:
    def __init__(
        self, settings: Settings, clock: Clock, orders: Orders, cards: SavedCards | None = None
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.orders = orders
        self.cards = cards

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
                return attempted + await self._finish_ended(now)
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
                elif attempt.outcome not in RETRIED:
                    return False  # renewed, or refused for good, already
                if attempt.outcome != CHARGING:
                    # New, or short before: a wallet topped up since renews it now.
                    await self._attempt(attempt, line.id, plan_code, subscription.ends_at, now)
        except IntegrityError:
            return False  # another worker is on it
        attempt = await AutoRenewal.get(id=attempt.id)
        if attempt.outcome == CHARGING:
            # Outside the transaction: the provider is asked over the network. Sent again on
            # a later run (same order, same idempotency key) if this one does not settle it.
            await self._charge(attempt, plan_code, now)
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
        card_tried = attempt.outcome == CARD_FAILED or self.cards is None
        if (
            quote.payable > 0
            and not card_tried
            and await self._card_step(attempt, subscriber_id, plan_code, ends_at, quote, now)
        ):
            return
        if quote.payable > 0:
            # A refused card is not tried again for this end of service; the wallet still is.
            if attempt.outcome == CARD_FAILED:
                return  # told with the card's refusal, and its payment link, already
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

    async def _card_step(
        self,
        attempt: AutoRenewal,
        subscriber_id: int,
        plan_code: str,
        ends_at: datetime,
        quote: Quote,
        now: datetime,
    ) -> bool:
        """Inside the attempt's transaction, the wallet short: tell the subscriber the saved
        card will be charged (and when), or, that time come, place the card's order. False when
        there is no card to charge (the wallet's notice goes instead)."""
        assert self.cards is not None
        gateway = self.cards.gateway(quote.currency)
        if gateway is None or not await self.cards.has_card(subscriber_id):
            return False
        told = attempt.outcome == CARD_NOTICED and quote.payable <= attempt.short
        if told and attempt.charge_after is not None and now >= attempt.charge_after:
            try:
                order = await self.orders.place_saved_card_order(
                    subscriber_id, OrderKind.RENEW_SERVICE, plan_code, gateway.name
                )
            except DomainError as refused:
                await self._failed(attempt, subscriber_id, refused.code, {
                    "plan_code": plan_code, "ends_at": ends_at.isoformat()}, now)  # fmt: skip
                return True
            outcome = "renewed" if order.status == OrderStatus.APPLIED else CHARGING
            placed = await Order.get(tracking_number=order.tracking_number).only("id")
            await AutoRenewal.filter(id=attempt.id).update(outcome=outcome, order_id=placed.id)
            return True
        if told:
            return True  # told already; charged when its time comes
        # Told before each charge: the amount, the time, and how to stop it. A larger amount
        # than the one told (the wallet spent since) is told again and waits again.
        charge_after = max(now, min(now + CARD_NOTICE_LEAD, ends_at - CARD_CHARGE_MARGIN))
        await AutoRenewal.filter(id=attempt.id).update(
            outcome=CARD_NOTICED, short=quote.payable, charge_after=charge_after
        )
        await enqueue(
            subscriber_id,
            kinds.CARD_CHARGE_AHEAD,
            {
                "plan_code": plan_code,
                "ends_at": ends_at.isoformat(),
                "charge_after": charge_after.isoformat(),
                "amount": quote.payable,
                "currency": quote.currency,
            },
            kinds.card_charge_key(subscriber_id, ends_at, quote.payable),
            at=now,
        )
        return True

    async def _charge(self, attempt: AutoRenewal, plan_code: str, now: datetime) -> None:
        """Charge (or ask about) the card's order; a refusal is told at once with a link to pay
        the renewal in the chat's own way."""
        assert self.cards is not None
        order = await Order.get_or_none(id=attempt.order_id)
        if order is None:
            await AutoRenewal.filter(id=attempt.id).update(outcome="failed", reason="no_order")
            return
        result = await self.cards.charge(order.tracking_number)
        if result.outcome == ChargeOutcome.WAITING:
            return
        if result.outcome == ChargeOutcome.PAID:
            await AutoRenewal.filter(id=attempt.id, outcome=CHARGING).update(outcome="renewed")
            return
        if result.outcome in (ChargeOutcome.TO_WALLET, ChargeOutcome.AGAIN):
            # Told already: the next run renews from the wallet the money reached, or charges
            # a fresh order at once.
            await AutoRenewal.filter(id=attempt.id, outcome=CHARGING).update(
                outcome=CARD_NOTICED, order_id=None, charge_after=now
            )
            return
        moved = await AutoRenewal.filter(id=attempt.id, outcome=CHARGING).update(
            outcome=CARD_FAILED, reason=result.code[:64]
        )
        if not moved:
            return  # another run told it
        subscriber_id: int = order.subscriber_id  # type: ignore[attr-defined]
        log.info("auto-renewal card of subscriber %s refused: %s", subscriber_id, result.code)
        if result.code == CARD_REMOVED:
            # Removed by the subscriber after its order: not a refusal, the wallet is short.
            await enqueue(
                subscriber_id,
                kinds.AUTO_RENEW_FAILED,
                {
                    "plan_code": plan_code,
                    "ends_at": attempt.period_end.isoformat(),
                    "reason": "wallet_short",
                    "card_removed": True,
                    "short": order.payable,
                    "currency": order.currency,
                },
                kinds.card_failed_key(subscriber_id, attempt.period_end),
                at=now,
            )
            return
        params: dict = {
            "plan_code": plan_code,
            "ends_at": attempt.period_end.isoformat(),
            "reason": "card_refused",
            "card_code": result.code,
            "short": order.payable,
            "currency": order.currency,
        }
        try:
            link = await self.orders.place_order(subscriber_id, OrderKind.RENEW_SERVICE, plan_code)
        except DomainError as refused:
            log.info("no payment link for subscriber %s: %s", subscriber_id, refused.code)
        else:
            if link.pay_url:
                params.update(pay_url=link.pay_url, tracking_number=link.tracking_number)
        await enqueue(
            subscriber_id,
            kinds.AUTO_RENEW_FAILED,
            params,
            kinds.card_failed_key(subscriber_id, attempt.period_end),
            at=now,
        )

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

    async def _finish_ended(self, now: datetime) -> int:
        """Card attempts left unfinished when their service ended (a charge unanswered, a run
        missed, a line paused meanwhile), found by their own rows: a charge sent is asked about
        until it settles; one never made expires, and the subscriber told "your card will be
        charged" is told it was not."""
        finished = 0
        after_id = 0
        while True:
            unfinished = (
                await AutoRenewal.filter(
                    id__gt=after_id, outcome__in=(CARD_NOTICED, CHARGING), period_end__lte=now
                )
                .order_by("id")
                .limit(PAGE)
            )
            if not unfinished:
                return finished
            after_id = unfinished[-1].id
            for attempt in unfinished:
                try:
                    await self._finish(attempt, now)
                except Exception:
                    log.exception("ended auto-renewal %s not finished", attempt.id)
                    continue
                finished += 1

    async def _finish(self, attempt: AutoRenewal, now: datetime) -> None:
        line = await Subscriber.get(id=attempt.subscriber_id)
        plan_code = line.auto_renew_plan_code or ""
        if attempt.outcome == CHARGING and self.cards is not None:
            order = await Order.get_or_none(id=attempt.order_id).select_related("plan")
            if order is not None and order.plan is not None:
                plan_code = order.plan.code
            await self._charge(attempt, plan_code, now)
            attempt = await AutoRenewal.get(id=attempt.id)
        expired = await AutoRenewal.filter(id=attempt.id, outcome=CARD_NOTICED).update(
            outcome=CARD_EXPIRED, order_id=None
        )
        if not expired:
            return  # renewed, refused (and told), or still being charged
        if (
            await not_told_why(line, attempt.period_end, now) is not None
            or attempt.period_end < now - EXPIRY_TOLD_WITHIN
        ):
            return  # an end long past: a notice now would only puzzle
        await enqueue(
            line.id,
            kinds.AUTO_RENEW_FAILED,
            {
                "plan_code": plan_code,
                "ends_at": attempt.period_end.isoformat(),
                "reason": CARD_EXPIRED,
                "short": attempt.short,
                "currency": line.currency,
            },
            kinds.card_failed_key(line.id, attempt.period_end),
            at=now,
        )


# Why a renewal whose card was not charged is no longer told (``not_told_why``).
PAUSED = "paused"
RENEWED_ANOTHER_WAY = "renewed_another_way"
RENEWAL_OFF = "renewal_off"


async def not_told_why(line: Subscriber, period_end: datetime, now: datetime) -> str | None:
    """Why the subscriber is not told that the renewal of the service ending at ``period_end``
    failed (nor offered a link to pay it), or None: paused, or renewed another way meanwhile
    (its new end has its own attempt; a link would sell a second period), or renewal turned
    off since."""
    if line.paused_until is not None and line.paused_until > now:
        return PAUSED
    renewed = await Subscription.filter(
        subscriber_id=line.id,
        status__in=(SubscriptionStatus.ACTIVE, SubscriptionStatus.RESERVED),
        ends_at__gt=max(now, period_end),
    ).exists()
    if renewed:
        return RENEWED_ANOTHER_WAY
    if not line.auto_renew:
        return RENEWAL_OFF
    return None
