"""Billing writes: orders and their payment, the wallet, the free charge, usage, monthly jobs.

Every write runs in one transaction (``in_transaction``). Rules that say no raise ``DomainError``
with a stable code (listed in each method's docstring) and ``details`` for the translated text.

Exactly once. A paid order is applied by the one transaction whose conditional UPDATE moves it
out of a settleable status (``Order.filter(id=..., status__in=...).update(...)`` returns how many
rows changed: 1 for the winner, 0 for every duplicate or concurrent confirmation). Inside that
transaction everything the order brings is written, together with its ``order_applied`` outbox
message. Two more guards stand behind it: the wallet ledger's unique (order, kind) and the outbox's
unique dedup_key; either turns a would-be second application into a rollback.

The wallet. An append-only ledger; the balance is the sum. An order's wallet use is debited when
it is applied, not when placed. To keep two pending orders from counting on the same credit, a
quote uses the *available* credit: the balance less what pending orders already hold (placing
orders is serialised per subscriber). A late payment for an order whose link had failed can still
find the credit spent; then, and when a change of service finds the service it prorated already
changed, the order is **not applied as quoted**: it stays PAID, the money paid is credited to the
wallet (a REFUND entry), and an ``order_not_applied`` message says so. Nothing goes negative and
no one pays for nothing; the subscriber can buy again with the credit.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import IPv4Network
from typing import Any, cast
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.accounts.queries import get_subscriber
from core.accounts.service import change_line_status
from core.alerts import kinds
from core.billing import free_charge, state
from core.billing.enums import (
    BucketKind,
    OrderKind,
    OrderStatus,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.gateways.select import gateway_for
from core.billing.models import (
    Bill,
    CampaignCharge,
    FreeChargeGrant,
    Order,
    Plan,
    Subscription,
    TrafficBucket,
    UsageSession,
    WalletEntry,
)
from core.billing.periods import add_months, period_days, remaining_days
from core.billing.pricing import (
    Quote,
    price_for_months,
    prorated_remaining_value,
    quote_purchase,
    traffic_with_bonus,
)
from core.billing.queries import PLAN_KIND_FOR, subscriber_zone
from core.billing.units import mb_to_bytes
from core.config import QuotaDirections, Settings
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.inbox.models import OutboxMessage
from core.ports import Clock, PaymentGateway, PaymentRequest

log = logging.getLogger(__name__)

MIN_MONTHS, MAX_MONTHS = 1, 12
TRACKING_MIN, TRACKING_MAX = 100_000, 999_999
TRACKING_ATTEMPTS = 20
# Documentation addresses (RFC 5737): the demo's static IPs.
DEMO_STATIC_IP_POOL = tuple(str(ip) for ip in IPv4Network("198.51.100.0/24").hosts())[9:250]

# A payment may settle an order in any of these (a late payment after a failed or cancelled link
# is still money received); APPLIED and PAID are final.
SETTLEABLE = (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.CANCELLED)
SERVICE_KINDS = (OrderKind.BUY_SERVICE, OrderKind.RENEW_SERVICE, OrderKind.CHANGE_SERVICE)
CAMPAIGN_APPLIED = "applied"
CAMPAIGN_SKIPPED_LINE_CLOSED = "skipped_line_closed"
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


# An agent's /extend gives at most this many days at once.
MAX_EXTEND_DAYS = 31


@dataclass(frozen=True, slots=True)
class _Prepared:
    subscriber: Subscriber
    plan: Plan
    quote: Quote
    # The paid subscription a change of service prorates.
    replaced: Subscription | None


async def _lock_subscriber(subscriber_id: int) -> Subscriber:
    """Lock the subscriber's row for the rest of the transaction (PostgreSQL; FOR NO KEY UPDATE,
    so other transactions may still insert rows that refer to it). SQLite has one writer and
    tortoise holds a lock around each transaction there, so the same serialisation holds."""
    subscriber = await Subscriber.filter(id=subscriber_id).select_for_update(no_key=True).first()
    if subscriber is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    return subscriber


async def _reopen_line(subscriber_id: int, now: datetime, reason: str) -> None:
    """A purchase or a free charge takes the line out of the collection list."""
    await change_line_status(
        subscriber_id, LineStatus.IN_OPERATION, reason, now, only_from=LineStatus.IN_COLLECTION_LIST
    )


async def _end_free_windows(subscriber_id: int, now: datetime) -> None:
    """A purchase ends the free-charge window in force (and any still ahead) from now."""
    await Subscription.filter(
        subscriber_id=subscriber_id,
        status__in=state.LIVE,
        source=SubscriptionSource.FREE_CHARGE,
        ends_at__gt=now,
    ).update(status=SubscriptionStatus.REPLACED, ends_at=now)


async def _bill(
    subscriber_id: int,
    plan: Plan,
    starts_at: datetime,
    ends_at: datetime,
    zone: ZoneInfo,
    *,
    amount: int,
    currency: str,
    note: str,
    order: Order | None = None,
) -> None:
    """The history's line for a period; its days are calendar days in ``zone``."""
    await Bill.create(
        subscriber_id=subscriber_id,
        plan=plan,
        starts_at=starts_at,
        ends_at=ends_at,
        days=period_days(starts_at, ends_at, zone),
        amount=amount,
        currency=currency,
        note=note,
        order=order,
    )


class Billing:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        gateways: Mapping[str, PaymentGateway],
        *,
        static_ip_pool: Sequence[str] = DEMO_STATIC_IP_POOL,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.gateways = gateways
        self.static_ip_pool = tuple(static_ip_pool)

    # ------------------------------------------------------------------ quotes and orders

    async def quote(
        self, subscriber_id: int, kind: OrderKind, plan_code: str, months: int = 1
    ) -> Quote:
        """The pre-invoice shown before paying. Raises what ``place_order`` raises."""
        prepared = await self._prepare(subscriber_id, OrderKind(kind), plan_code, months)
        return prepared.quote

    async def place_order(
        self,
        subscriber_id: int,
        kind: OrderKind,
        plan_code: str,
        months: int = 1,
        gateway: str | None = None,
    ) -> Order:
        """Create an order with a fresh 6-digit tracking number. Nothing to pay (credits cover
        it): applied at once. Otherwise the gateway's payment is started and its link stored;
        ``gateway`` None chooses it by the order's currency (core.billing.gateways.select).

        Errors: subscriber_not_found, line_closed, plan_not_found, plan_not_available,
        plan_kind_mismatch, currency_mismatch, invalid_months, no_active_service, plan_unchanged,
        service_unlimited, unknown_gateway, tracking_numbers_exhausted, payment_start_failed,
        order_not_applied (nothing to pay, but the credit it counted on is gone).
        """
        kind = OrderKind(kind)
        now = self.clock.now()
        async with in_transaction():
            subscriber = await _lock_subscriber(subscriber_id)
            prepared = await self._prepare(subscriber_id, kind, plan_code, months, subscriber)
            gw = None
            if prepared.quote.payable > 0:
                gateway = gateway or gateway_for(
                    prepared.quote.currency, self.gateways, self.settings.payment_gateway
                )
                gw = self.gateways.get(gateway)
                if gw is None:
                    raise InvalidInput("unknown_gateway", gateway=gateway)
            order = await self._create_order(prepared, kind, months, now, gw)

        if order.payable == 0:
            return await self._settle_free(order)

        assert gw is not None
        try:
            started = await gw.start(
                PaymentRequest(
                    tracking_number=order.tracking_number,
                    amount=order.payable,
                    currency=order.currency,
                    description=f"{kind.value} {prepared.plan.code} #{order.tracking_number}",
                    subscriber_id=subscriber_id,
                )
            )
        except Exception as exc:
            log.exception("payment start failed for order %s", order.tracking_number)
            await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
                status=OrderStatus.FAILED
            )
            raise DomainError(
                "payment_start_failed",
                tracking_number=order.tracking_number,
                gateway=gw.name,
            ) from exc
        await Order.filter(id=order.id).update(
            gateway_ref=started.reference, pay_url=started.pay_url
        )
        order.gateway_ref, order.pay_url = started.reference, started.pay_url
        return order

    async def _prepare(
        self,
        subscriber_id: int,
        kind: OrderKind,
        plan_code: str,
        months: int,
        subscriber: Subscriber | None = None,
    ) -> _Prepared:
        """``subscriber``: the row the caller has already read (and locked), read here if None."""
        now = self.clock.now()
        if subscriber is None:
            subscriber = await get_subscriber(subscriber_id)
        if subscriber.line_status == LineStatus.CLOSED:
            raise DomainError("line_closed", subscriber_id=subscriber_id)
        plan = await Plan.get_or_none(code=plan_code)
        if plan is None:
            raise NotFound("plan_not_found", plan_code=plan_code)
        if not plan.active:
            raise DomainError("plan_not_available", plan_code=plan_code)
        if plan.kind != PLAN_KIND_FOR[kind]:
            raise InvalidInput(
                "plan_kind_mismatch",
                plan_code=plan_code,
                plan_kind=str(plan.kind),
                order_kind=kind.value,
            )
        if plan.currency != subscriber.currency:
            raise InvalidInput(
                "currency_mismatch",
                plan_currency=plan.currency,
                subscriber_currency=subscriber.currency,
            )
        max_months = MAX_MONTHS if kind == OrderKind.STATIC_IP else MIN_MONTHS
        if (
            isinstance(months, bool)
            or not isinstance(months, int)
            or not (MIN_MONTHS <= months <= max_months)
        ):
            raise InvalidInput("invalid_months", months=months, min=MIN_MONTHS, max=max_months)

        current = await state.current_subscription(subscriber_id, now)
        paid_current = (
            current if current and current.source != SubscriptionSource.FREE_CHARGE else None
        )
        replaced = None
        proration = 0
        if kind == OrderKind.CHANGE_SERVICE:
            if paid_current is None:
                raise DomainError("no_active_service", subscriber_id=subscriber_id, order_kind=kind)
            if paid_current.plan.code == plan.code:
                raise DomainError("plan_unchanged", plan_code=plan.code)
            replaced = paid_current
            proration = self._remaining_value(paid_current, subscriber, now)
        elif kind in (OrderKind.BUY_TRAFFIC, OrderKind.BUY_TIMED_TRAFFIC):
            if current is None:
                raise DomainError("no_active_service", subscriber_id=subscriber_id, order_kind=kind)
            if current.unlimited:
                raise DomainError("service_unlimited", plan_code=current.plan.code)

        subtotal = price_for_months(plan.price, months)
        available = await state.wallet_balance(subscriber_id) - await state.wallet_held(
            subscriber_id
        )
        quote = quote_purchase(
            subtotal,
            self.settings.vat_percent,
            max(0, available),
            currency=plan.currency,
            proration_credit=proration,
        )
        assert quote.balances(), quote
        return _Prepared(subscriber=subscriber, plan=plan, quote=quote, replaced=replaced)

    def _remaining_value(self, sub: Subscription, subscriber: Subscriber, now: datetime) -> int:
        zone = subscriber_zone(subscriber, self.settings)
        total = period_days(sub.starts_at, sub.ends_at, zone)
        if total == 0:
            return 0
        left = min(remaining_days(sub.ends_at, now, zone), total)
        return prorated_remaining_value(sub.price_paid, left, total)

    async def _create_order(
        self,
        prepared: _Prepared,
        kind: OrderKind,
        months: int,
        now: datetime,
        gw: PaymentGateway | None,
    ) -> Order:
        q = prepared.quote
        for _ in range(TRACKING_ATTEMPTS):
            tracking = TRACKING_MIN + secrets.randbelow(TRACKING_MAX - TRACKING_MIN + 1)
            try:
                # A savepoint: a taken number rolls back only this insert.
                async with in_transaction():
                    return await Order.create(
                        tracking_number=tracking,
                        subscriber=prepared.subscriber,
                        kind=kind,
                        plan=prepared.plan,
                        months=months,
                        currency=q.currency,
                        subtotal=q.subtotal,
                        vat=q.vat,
                        subscription_fee=q.subscription_fee,
                        proration_credit=q.proration_credit,
                        wallet_used=q.wallet_used,
                        wallet_credit=q.wallet_credit,
                        payable=q.payable,
                        status=OrderStatus.PENDING,
                        gateway=gw.name if gw else None,
                        created_at=now,
                    )
            except IntegrityError:
                log.info("tracking number %s taken, drawing another", tracking)
        raise Conflict("tracking_numbers_exhausted")

    async def cancel_order(self, subscriber_id: int, tracking_number: int) -> Order:
        """The subscriber gives up a pending order (its wallet hold is released).

        Errors: order_not_found, order_not_cancellable {tracking_number, status}."""
        order = await Order.get_or_none(
            tracking_number=tracking_number, subscriber_id=subscriber_id
        )
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        moved = await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
            status=OrderStatus.CANCELLED
        )
        await order.refresh_from_db()
        if not moved and order.status != OrderStatus.CANCELLED:
            raise DomainError(
                "order_not_cancellable", tracking_number=tracking_number, status=str(order.status)
            )
        return order

    # ------------------------------------------------------------------ payment results

    async def confirm_payment(
        self,
        tracking_number: int,
        provider: str,
        provider_ref: str,
        amount: int,
        *,
        currency: str | None = None,
        receipt: str | None = None,
    ) -> Order:
        """A provider says the order was paid. The amount (and the currency, when the provider
        names one) must be the order's own. Applies the order exactly once; a repeat returns the
        order as it is. ``receipt`` is the provider's receipt number, for the subscriber.

        A payment confirmed after the link's time (``payment_link_minutes`` from the order) is
        money received for a price that may no longer hold: the order is not applied, the money
        goes to the wallet (REFUND) and ``order_not_applied`` (reason link_expired) says so.

        Errors: order_not_found {tracking_number}, payment_provider_mismatch {tracking_number,
        provider}, payment_reference_mismatch {tracking_number, provider_ref} (not the reference
        the order's payment was started with), payment_amount_mismatch {tracking_number, amount,
        payable}, payment_currency_mismatch {tracking_number, currency, order_currency}.
        """
        order = await Order.get_or_none(tracking_number=tracking_number)
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        if order.gateway is None or provider != order.gateway:
            log.warning("order %s: payment from %r refused", tracking_number, provider)
            raise DomainError(
                "payment_provider_mismatch", tracking_number=tracking_number, provider=provider
            )
        if order.gateway_ref is not None and provider_ref != order.gateway_ref:
            # The provider confirms some other payment than the one this order started.
            log.warning("order %s: payment reference %r refused", tracking_number, provider_ref)
            raise DomainError(
                "payment_reference_mismatch",
                tracking_number=tracking_number,
                provider_ref=provider_ref,
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount != order.payable:
            log.warning(
                "order %s: paid amount %r differs from payable %s",
                tracking_number,
                amount,
                order.payable,
            )
            raise DomainError(
                "payment_amount_mismatch",
                tracking_number=tracking_number,
                amount=amount,
                payable=order.payable,
            )
        if currency is not None and currency.upper() != order.currency:
            log.warning(
                "order %s: paid currency %r differs from %s",
                tracking_number,
                currency,
                order.currency,
            )
            raise DomainError(
                "payment_currency_mismatch",
                tracking_number=tracking_number,
                currency=currency,
                order_currency=order.currency,
            )
        if order.status in (OrderStatus.APPLIED, OrderStatus.PAID):
            return order
        refuse = "link_expired" if self.link_expired(order) else None
        order, _ = await self._settle(
            order, provider_ref=provider_ref, receipt=receipt, refuse=refuse
        )
        return order

    def link_expired(self, order: Order) -> bool:
        deadline = order.created_at + timedelta(minutes=self.settings.payment_link_minutes)
        return self.clock.now() > deadline

    async def fail_payment(self, tracking_number: int, reason: str) -> Order:
        """A provider says the payment failed (or the link expired). Only a pending order fails;
        an applied one stays applied. Errors: order_not_found {tracking_number}."""
        order = await Order.get_or_none(tracking_number=tracking_number)
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        moved = await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
            status=OrderStatus.FAILED
        )
        if moved:
            log.info("order %s failed: %s", tracking_number, reason)
        await order.refresh_from_db()
        return order

    async def _settle_free(self, order: Order) -> Order:
        order, reason = await self._settle(order, provider_ref=None)
        if reason is not None:
            raise DomainError(
                "order_not_applied", tracking_number=order.tracking_number, reason=reason
            )
        return order

    async def _settle(
        self,
        order: Order,
        *,
        provider_ref: str | None,
        receipt: str | None = None,
        refuse: str | None = None,
    ) -> tuple[Order, str | None]:
        """Move the order out of a settleable status and apply it, in one transaction.
        ``refuse`` gives a reason not to apply it at all (the money goes to the wallet).

        Returns the order as it now is and, when it could not be applied as quoted, why."""
        now = self.clock.now()
        reason: str | None = None
        async with in_transaction():
            subscriber = await _lock_subscriber(order.subscriber_id)  # type: ignore[attr-defined]
            won = await Order.filter(id=order.id, status__in=SETTLEABLE).update(
                status=OrderStatus.PAID, paid_at=now
            )
            if not won:
                # A duplicate, or a concurrent confirmation got here first: change nothing.
                fresh = await Order.get(id=order.id)
                return fresh, None
            fresh = await Order.get(id=order.id).select_related("plan")
            reason = refuse or await self._apply(fresh, subscriber, now)
            if reason is None:
                await Order.filter(id=fresh.id, status=OrderStatus.PAID).update(
                    status=OrderStatus.APPLIED, applied_at=now
                )
                await self._outbox(
                    fresh,
                    kinds.PAYMENT_APPLIED,
                    now,
                    payable=fresh.payable,
                    provider_ref=provider_ref,
                    **({"receipt": receipt} if receipt else {}),
                )
            else:
                await self._not_applied(fresh, reason, now)
        await fresh.refresh_from_db()
        return fresh, reason

    async def _outbox(self, order: Order, kind: str, now: datetime, **extra: Any) -> None:
        params = {
            "tracking_number": order.tracking_number,
            "kind": str(order.kind),
            "plan_code": order.plan.code,
            "currency": order.currency,
            **extra,
        }
        await OutboxMessage.create(
            subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
            kind=kind,
            params=params,
            dedup_key=f"{kind}:{order.tracking_number}",
            created_at=now,
        )

    async def _not_applied(self, order: Order, reason: str, now: datetime) -> None:
        log.warning("order %s paid but not applied: %s", order.tracking_number, reason)
        if order.payable > 0:
            # Money received: it becomes panel credit, and the order stays PAID (final).
            await WalletEntry.create(
                subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
                amount=order.payable,
                currency=order.currency,
                kind=WalletEntryKind.REFUND,
                order=order,
                note=reason,
                created_at=now,
            )
            await self._outbox(
                order, "order_not_applied", now, reason=reason, refunded=order.payable
            )
        else:
            await Order.filter(id=order.id).update(status=OrderStatus.FAILED)

    # ------------------------------------------------------------------ applying an order

    async def _apply(self, order: Order, subscriber: Subscriber, now: datetime) -> str | None:
        """Write what the order brings. Returns a reason instead when it cannot be applied as
        quoted (and then writes nothing). Runs inside ``_settle``'s transaction."""
        if order.wallet_used > 0:
            balance = await state.wallet_balance(subscriber.id)
            if balance < order.wallet_used:
                return "wallet_insufficient"
        plan: Plan = order.plan
        kind = OrderKind(order.kind)
        zone = subscriber_zone(subscriber, self.settings)
        replaced: Subscription | None = None
        if kind == OrderKind.CHANGE_SERVICE:
            current = await state.current_subscription(subscriber.id, now)
            # Only the service that was in force when the order was placed was prorated.
            if (
                current
                and current.source != SubscriptionSource.FREE_CHARGE
                and current.starts_at <= order.created_at
            ):
                replaced = current
            if replaced is None and order.proration_credit > 0:
                return "service_changed"

        if order.wallet_used > 0:
            await WalletEntry.create(
                subscriber_id=subscriber.id,
                amount=-order.wallet_used,
                currency=order.currency,
                kind=WalletEntryKind.ORDER_PAYMENT,
                order=order,
                created_at=now,
            )
        if order.wallet_credit > 0:
            await WalletEntry.create(
                subscriber_id=subscriber.id,
                amount=order.wallet_credit,
                currency=order.currency,
                kind=WalletEntryKind.PRORATION_CREDIT,
                order=order,
                created_at=now,
            )

        charged = order.subtotal + order.vat + order.subscription_fee
        if kind in SERVICE_KINDS:
            if replaced is not None:
                await self._end_early(replaced, now)
                starts_at = now
            else:
                starts_at = await self._next_start(subscriber.id, now)
            sub = await self._start_service(
                subscriber.id,
                plan,
                starts_at,
                now,
                source=SubscriptionSource.ONLINE,
                price_paid=order.subtotal,
                order=order,
            )
            if replaced is not None:
                await self._rechain_reserved(subscriber.id, sub.ends_at, now)
            await _bill(
                subscriber.id,
                plan,
                sub.starts_at,
                sub.ends_at,
                zone,
                amount=charged,
                currency=order.currency,
                note=kind.value,
                order=order,
            )
            await _reopen_line(subscriber.id, now, f"order:{order.tracking_number}")
        elif kind in (OrderKind.BUY_TRAFFIC, OrderKind.BUY_TIMED_TRAFFIC):
            base = mb_to_bytes(plan.traffic_mb or 0)
            total = traffic_with_bonus(base, plan.bonus_percent) + mb_to_bytes(plan.gift_mb)
            if kind == OrderKind.BUY_TIMED_TRAFFIC:
                bucket_kind = BucketKind.TIMED
                until: datetime | None = now + timedelta(days=plan.duration_days)
            else:
                bucket_kind = BucketKind.EXTRA
                current = await state.current_subscription(subscriber.id, now)
                paid = current and current.source != SubscriptionSource.FREE_CHARGE
                # Valid until the service in force ends; bought when none is: no end.
                until = current.ends_at if current and paid else None
            await TrafficBucket.create(
                subscriber_id=subscriber.id,
                kind=bucket_kind,
                total_bytes=total,
                valid_from=now,
                valid_until=until,
                order=order,
            )
            # No end (bought with no service in force): an empty period, 0 days.
            await _bill(
                subscriber.id,
                plan,
                now,
                until or now,
                zone,
                amount=charged,
                currency=order.currency,
                note=kind.value,
                order=order,
            )
        elif kind == OrderKind.STATIC_IP:
            start = max(now, subscriber.static_ip_until or now)
            until = add_months(start, order.months, zone)
            ip = subscriber.static_ip or await self._free_static_ip()
            await Subscriber.filter(id=subscriber.id).update(static_ip=ip, static_ip_until=until)
            await _bill(
                subscriber.id,
                plan,
                start,
                until,
                zone,
                amount=charged,
                currency=order.currency,
                note=kind.value,
                order=order,
            )
        return None

    async def _next_start(self, subscriber_id: int, now: datetime) -> datetime:
        """A bought service starts now, or when the paid service(s) in force or ahead end.
        A free-charge window is only a bridge to a purchase: one in force gives way to it, and
        one that has not started yet (taken on the last day of a service) is not needed any more.
        """
        ahead = await Subscription.filter(
            subscriber_id=subscriber_id,
            status__in=state.LIVE,
            source=SubscriptionSource.FREE_CHARGE,
            starts_at__gt=now,
        )
        for window in ahead:
            # Zero length: never current, never shown as the reserve service.
            await Subscription.filter(id=window.id).update(
                status=SubscriptionStatus.REPLACED, ends_at=window.starts_at
            )
            await TrafficBucket.filter(subscription_id=window.id).update(
                valid_until=window.starts_at
            )
        end = await state.paid_chain_end(subscriber_id, now)
        if end is not None and end > now:
            return end
        await _end_free_windows(subscriber_id, now)
        return now

    async def _end_early(self, sub: Subscription, now: datetime) -> None:
        """A change of service replaces the service in force from now; its plan traffic ends."""
        await Subscription.filter(id=sub.id).update(status=SubscriptionStatus.REPLACED, ends_at=now)
        await TrafficBucket.filter(
            subscription_id=sub.id, kind__in=(BucketKind.PLAN, BucketKind.GIFT)
        ).update(valid_until=now)
        await _end_free_windows(sub.subscriber_id, now)  # type: ignore[attr-defined]

    async def _rechain_reserved(self, subscriber_id: int, after: datetime, now: datetime) -> None:
        """Services bought ahead keep their length and follow the new one."""
        upcoming = await Subscription.filter(
            subscriber_id=subscriber_id, status=SubscriptionStatus.RESERVED, starts_at__gt=now
        ).order_by("starts_at", "id")
        start = after
        for sub in upcoming:
            shift = start - sub.starts_at
            length = sub.ends_at - sub.starts_at
            await Subscription.filter(id=sub.id).update(starts_at=start, ends_at=start + length)
            for bucket in await TrafficBucket.filter(subscription_id=sub.id):
                await TrafficBucket.filter(id=bucket.id).update(
                    valid_from=bucket.valid_from + shift,
                    valid_until=bucket.valid_until + shift if bucket.valid_until else None,
                )
            start = start + length

    async def _start_service(
        self,
        subscriber_id: int,
        plan: Plan,
        starts_at: datetime,
        now: datetime,
        *,
        source: SubscriptionSource,
        price_paid: int,
        order: Order | None,
    ) -> Subscription:
        ends_at = starts_at + timedelta(days=plan.duration_days)
        sub = await Subscription.create(
            subscriber_id=subscriber_id,
            plan=plan,
            status=SubscriptionStatus.ACTIVE if starts_at <= now else SubscriptionStatus.RESERVED,
            source=source,
            starts_at=starts_at,
            ends_at=ends_at,
            unlimited=plan.traffic_mb is None,
            price_paid=price_paid,
            order=order,
        )
        if plan.traffic_mb is not None:
            await TrafficBucket.create(
                subscriber_id=subscriber_id,
                subscription=sub,
                kind=BucketKind.PLAN,
                total_bytes=mb_to_bytes(plan.traffic_mb),
                valid_from=starts_at,
                valid_until=ends_at,
                order=order,
            )
            if plan.gift_mb:
                await TrafficBucket.create(
                    subscriber_id=subscriber_id,
                    subscription=sub,
                    kind=BucketKind.GIFT,
                    total_bytes=mb_to_bytes(plan.gift_mb),
                    valid_from=starts_at,
                    valid_until=ends_at,
                    order=order,
                )
        return sub

    async def _free_static_ip(self) -> str:
        taken = set(
            await Subscriber.filter(static_ip__isnull=False).values_list("static_ip", flat=True)
        )
        for ip in self.static_ip_pool:
            if ip not in taken:
                return ip
        raise Conflict("static_ip_pool_exhausted")

    async def grant_service(
        self,
        subscriber_id: int,
        plan_code: str,
        *,
        source: SubscriptionSource = SubscriptionSource.ADMIN,
        starts_at: datetime | None = None,
        price_paid: int | None = None,
    ) -> Subscription:
        """An operator or sales agent gives a service (also the demo's seeding): no order, a
        bill for ``price_paid`` (default the plan's price). Starts at ``starts_at`` (may be in the
        past) or when the paid service in force ends.

        Errors: subscriber_not_found, plan_not_found, plan_kind_mismatch."""
        now = self.clock.now()
        plan = await Plan.get_or_none(code=plan_code)
        if plan is None:
            raise NotFound("plan_not_found", plan_code=plan_code)
        if plan.kind != PlanKind.SERVICE:
            raise InvalidInput(
                "plan_kind_mismatch",
                plan_code=plan_code,
                plan_kind=str(plan.kind),
                order_kind=OrderKind.BUY_SERVICE.value,
            )
        async with in_transaction():
            subscriber = await _lock_subscriber(subscriber_id)
            start = starts_at or await self._next_start(subscriber_id, now)
            price = plan.price if price_paid is None else price_paid
            sub = await self._start_service(
                subscriber_id, plan, start, now, source=source, price_paid=price, order=None
            )
            if sub.ends_at <= now:
                await Subscription.filter(id=sub.id).update(status=SubscriptionStatus.ENDED)
            zone = subscriber_zone(subscriber, self.settings)
            await _bill(
                subscriber_id,
                plan,
                sub.starts_at,
                sub.ends_at,
                zone,
                amount=price,
                currency=plan.currency,
                note=str(source),
            )
            if sub.ends_at > now:
                await _reopen_line(subscriber_id, now, str(source))
        await sub.refresh_from_db()
        return sub

    # ------------------------------------------------------------------ wallet

    async def wallet_balance(self, subscriber_id: int) -> int:
        return await state.wallet_balance(subscriber_id)

    async def adjust_wallet(self, subscriber_id: int, amount: int, note: str = "") -> WalletEntry:
        """An operator's correction of the panel credit; it never takes the balance below zero.

        Errors: subscriber_not_found, invalid_amount {amount}, wallet_insufficient {balance,
        amount}."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidInput("invalid_amount", amount=amount)
        now = self.clock.now()
        async with in_transaction():
            subscriber = await _lock_subscriber(subscriber_id)
            balance = await state.wallet_balance(subscriber_id)
            if balance + amount < 0:
                raise DomainError("wallet_insufficient", balance=balance, amount=amount)
            return await WalletEntry.create(
                subscriber_id=subscriber_id,
                amount=amount,
                currency=subscriber.currency,
                kind=WalletEntryKind.ADJUSTMENT,
                note=note[:200],
                created_at=now,
            )

    # ------------------------------------------------------------------ the free charge

    async def take_free_charge(self, subscriber_id: int) -> FreeChargeGrant:
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
                subscriber = await _lock_subscriber(subscriber_id)
                generation = subscriber.free_charge_generation
                return await self._grant_free_charge(subscriber, generation, now)
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
        await _reopen_line(subscriber_id, now, "free_charge")
        return grant

    async def extend_service(self, subscriber_id: int, days: int) -> Subscription:
        """An agent adds days to the service in force (a goodwill gesture after an outage); its
        traffic stays valid as long, and services bought ahead move back by as much.

        Errors: invalid_days {days, max}, subscriber_not_found, no_service_in_force."""
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_EXTEND_DAYS:
            raise InvalidInput("invalid_days", days=days, max=MAX_EXTEND_DAYS)
        now = self.clock.now()
        async with in_transaction():
            await _lock_subscriber(subscriber_id)
            current = (await state.service_state(subscriber_id, now)).current
            if current is None:
                raise DomainError("no_service_in_force", subscriber_id=subscriber_id)
            old_end = current.ends_at
            new_end = old_end + timedelta(days=days)
            await Subscription.filter(id=current.id).update(ends_at=new_end)
            await TrafficBucket.filter(subscription_id=current.id, valid_until=old_end).update(
                valid_until=new_end
            )
            await self._rechain_reserved(subscriber_id, new_end, now)
        await current.refresh_from_db()
        return current

    async def reset_free_charge(self, subscriber_id: int) -> int:
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

    # ------------------------------------------------------------------ usage

    def _counted(self, download_bytes: int, upload_bytes: int) -> int:
        directions = self.settings.quota_directions
        if directions == QuotaDirections.DOWNLOAD:
            return download_bytes
        if directions == QuotaDirections.UPLOAD:
            return upload_bytes
        return download_bytes + upload_bytes

    async def record_usage_session(
        self,
        subscriber_id: int,
        session_key: str,
        started_at: datetime,
        ended_at: datetime | None,
        download_bytes: int,
        upload_bytes: int,
        ip: str | None = None,
    ) -> UsageSession:
        """Record (or re-sync) an accounting session. Its counters are totals so far; only the
        growth of the counted bytes since the last sync is taken from the buckets, the earliest
        to expire first, so syncing a session again never counts it twice.

        Errors: subscriber_not_found, invalid_usage {field}, session_subscriber_mismatch
        {session_key}."""
        for name, value in (("download_bytes", download_bytes), ("upload_bytes", upload_bytes)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise InvalidInput("invalid_usage", field=name)
        if started_at.tzinfo is None:
            raise InvalidInput("invalid_usage", field="started_at")
        if ended_at is not None and (ended_at.tzinfo is None or ended_at < started_at):
            raise InvalidInput("invalid_usage", field="ended_at")
        if not session_key or len(session_key) > 64:
            raise InvalidInput("invalid_usage", field="session_key")
        counted = self._counted(download_bytes, upload_bytes)
        now = self.clock.now()
        at = min(ended_at or now, now)

        for attempt in range(2):
            try:
                async with in_transaction():
                    await _lock_subscriber(subscriber_id)
                    session = (
                        await UsageSession.filter(session_key=session_key)
                        .select_for_update()
                        .first()
                    )
                    if session is None:
                        session = await UsageSession.create(
                            subscriber_id=subscriber_id,
                            session_key=session_key,
                            started_at=started_at,
                            ended_at=ended_at,
                            download_bytes=download_bytes,
                            upload_bytes=upload_bytes,
                            deducted_bytes=counted,
                            ip=ip,
                        )
                        delta = counted
                    else:
                        if session.subscriber_id != subscriber_id:  # type: ignore[attr-defined]
                            raise DomainError(
                                "session_subscriber_mismatch", session_key=session_key
                            )
                        # Counters only grow; a smaller resend never gives bytes back.
                        deducted = max(session.deducted_bytes, counted)
                        delta = deducted - session.deducted_bytes
                        session.ended_at = ended_at or session.ended_at
                        session.download_bytes = max(session.download_bytes, download_bytes)
                        session.upload_bytes = max(session.upload_bytes, upload_bytes)
                        session.deducted_bytes = deducted
                        session.ip = ip or session.ip
                        await session.save(
                            update_fields=[
                                "ended_at",
                                "download_bytes",
                                "upload_bytes",
                                "deducted_bytes",
                                "ip",
                            ]
                        )
                    if delta > 0:
                        await self._consume(subscriber_id, delta, at)
                return session
            except IntegrityError:
                # Two first syncs of one session raced; the second becomes an update.
                if attempt:
                    raise
        raise AssertionError("unreachable")

    async def _consume(self, subscriber_id: int, nbytes: int, at: datetime) -> int:
        """Take bytes from the buckets valid at ``at``; returns what could not be taken."""
        current = await state.current_subscription(subscriber_id, at)
        if current is not None and current.unlimited:
            return 0
        left = nbytes
        for bucket in await state.live_buckets(subscriber_id, at):
            take = min(left, bucket.total_bytes - bucket.used_bytes)
            await TrafficBucket.filter(id=bucket.id).update(used_bytes=F("used_bytes") + take)
            left -= take
            if left == 0:
                break
        return left

    # ------------------------------------------------------------------ jobs

    async def run_campaign_charges(self, period: str) -> int:
        """Add each live campaign plan's monthly traffic, once per (subscriber, plan, period):
        the charge's unique constraint decides, so running the job twice charges nothing twice.
        Every charge is logged with its result. Returns how many were applied.

        Errors: invalid_period {period} (expected "YYYY-MM")."""
        if not isinstance(period, str) or not _PERIOD.match(period):
            raise InvalidInput("invalid_period", period=period)
        now = self.clock.now()
        # A free-charge window carries the last plan only to let the line connect: it earns
        # no campaign traffic (the free charge is 2 days / 100 MB, nothing more).
        subs = (
            await Subscription.filter(
                status__in=state.LIVE,
                starts_at__lte=now,
                ends_at__gt=now,
                plan__monthly_campaign_mb__gt=0,
            )
            .exclude(source=SubscriptionSource.FREE_CHARGE)
            .select_related("plan", "subscriber")
        )
        applied = 0
        for sub in subs:
            closed = sub.subscriber.line_status == LineStatus.CLOSED
            try:
                async with in_transaction():
                    await CampaignCharge.create(
                        subscriber_id=sub.subscriber.id,
                        plan=sub.plan,
                        period=period,
                        megabytes=0 if closed else sub.plan.monthly_campaign_mb,
                        result=CAMPAIGN_SKIPPED_LINE_CLOSED if closed else CAMPAIGN_APPLIED,
                        charged_at=now,
                    )
                    if not closed:
                        await TrafficBucket.create(
                            subscriber_id=sub.subscriber.id,
                            subscription=sub,
                            kind=BucketKind.CAMPAIGN,
                            total_bytes=mb_to_bytes(sub.plan.monthly_campaign_mb),
                            valid_from=now,
                            valid_until=sub.ends_at,
                        )
            except IntegrityError:
                continue  # already charged this period
            if not closed:
                applied += 1
        return applied

    async def end_expired_subscriptions(self) -> int:
        """The periodic job: services bought ahead start when their time comes, finished ones
        end, and a line whose service ran out with nothing after it goes to the collection list.
        Returns how many subscriptions ended."""
        now = self.clock.now()
        due = await Subscription.filter(status=SubscriptionStatus.RESERVED, starts_at__lte=now)
        for sub in due:
            await Subscription.filter(id=sub.id, status=SubscriptionStatus.RESERVED).update(
                status=SubscriptionStatus.ACTIVE
            )
        finished = await Subscription.filter(
            status=SubscriptionStatus.ACTIVE, ends_at__lte=now
        ).values_list("id", "subscriber_id")
        ended = 0
        subscriber_ids: set[int] = set()
        for sub_id, subscriber_id in finished:
            ended += await Subscription.filter(id=sub_id, status=SubscriptionStatus.ACTIVE).update(
                status=SubscriptionStatus.ENDED
            )
            subscriber_ids.add(subscriber_id)
        for subscriber_id in sorted(subscriber_ids):
            async with in_transaction():
                await _lock_subscriber(subscriber_id)
                if await Subscription.exists(
                    subscriber_id=subscriber_id, status__in=state.LIVE, ends_at__gt=now
                ):
                    continue
                await change_line_status(
                    subscriber_id,
                    LineStatus.IN_COLLECTION_LIST,
                    "service_ended",
                    now,
                    only_from=LineStatus.IN_OPERATION,
                )
        return ended
