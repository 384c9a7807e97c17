"""What a paid order brings, written: a service (now or after the one in force), traffic, a
static IP, the wallet's debit and credit (a top-up's included), the bill."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.accounts.models import Subscriber
from core.billing import state
from core.billing.bill_settling import check_bill_order, settle_bill
from core.billing.enums import BucketKind, OrderKind, SubscriptionSource, WalletEntryKind
from core.billing.ip_pool import StaticIpPool
from core.billing.models import Order, Plan, Subscription, TrafficBucket, WalletEntry
from core.billing.pricing import traffic_with_bonus
from core.billing.static_ips import claim_static_ip, extend_static_ip
from core.billing.subscriptions import (
    bill,
    end_at,
    end_early,
    next_start,
    rechain_reserved,
    reopen_line,
    start_service,
)
from core.billing.units import mb_to_bytes

SERVICE_KINDS = (OrderKind.BUY_SERVICE, OrderKind.RENEW_SERVICE, OrderKind.CHANGE_SERVICE)


async def apply_order(
    order: Order,
    subscriber: Subscriber,
    now: datetime,
    zone: ZoneInfo,
    static_ip_pool: StaticIpPool,
) -> str | None:
    """Write what the order brings. Returns a reason instead when it cannot be applied as
    quoted (and then writes nothing). Runs inside the transaction that moved it to PAID
    (``Orders``), with the subscriber's row locked; ``zone`` is the subscriber's."""
    if order.wallet_used > 0:
        balance = await state.wallet_balance(subscriber.id)
        if balance < order.wallet_used:
            return "wallet_insufficient"
    kind = OrderKind(order.kind)
    if kind == OrderKind.DEPOSIT:
        # Staff may have changed what the line owes since the order was placed.
        if order.subtotal != subscriber.deposit_due + subscriber.installation_fee_due:
            return "deposit_changed"
        await _debit_wallet(order, subscriber, now)
        await Subscriber.filter(id=subscriber.id).update(deposit_due=0, installation_fee_due=0)
        await change_line_status(
            subscriber.id,
            LineStatus.IN_OPERATION,
            f"deposit:{order.tracking_number}",
            now,
            only_from=LineStatus.ISOLATED,
        )
        return None
    if kind == OrderKind.WALLET_TOPUP:
        # The ledger's unique (order, kind) stands behind the order's own once-only move.
        await WalletEntry.create(
            subscriber_id=subscriber.id,
            amount=order.subtotal,
            currency=order.currency,
            kind=WalletEntryKind.TOPUP,
            order=order,
            created_at=now,
        )
        return None
    if kind == OrderKind.BILL:
        why = await check_bill_order(order)
        if why is None:
            await _debit_wallet(order, subscriber, now)
            await settle_bill(order, subscriber, now)
        return why
    assert order.plan is not None, order.kind
    plan: Plan = order.plan
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

    # Checked again here: others may have taken the last free address since the quote.
    if kind == OrderKind.STATIC_IP and await claim_static_ip(subscriber, static_ip_pool) is None:
        return "static_ip_pool_exhausted"

    await _debit_wallet(order, subscriber, now)
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
        paused_until = _paused_until(subscriber, now)
        if replaced is not None and paused_until is not None:
            # Placed before a pause, paid during it: started now, the new service would run
            # out while the line cannot connect. It starts when the pause ends instead (an
            # early resume brings it forward with the rest, pauses._take_back).
            starts_at = paused_until
            await end_at(replaced, starts_at)
            await rechain_reserved(
                subscriber.id, starts_at + timedelta(days=plan.duration_days), now
            )
        elif replaced is not None:
            await end_early(replaced, now)
            starts_at = now
        else:
            starts_at = await next_start(subscriber.id, now)
        sub = await start_service(
            subscriber.id,
            plan,
            starts_at,
            now,
            source=SubscriptionSource.ONLINE,
            price_paid=order.subtotal,
            order=order,
        )
        if replaced is not None and paused_until is None:
            await rechain_reserved(subscriber.id, sub.ends_at, now)
        await bill(
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
        await reopen_line(subscriber.id, now, f"order:{order.tracking_number}")
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
        await bill(
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
        start, until = await extend_static_ip(subscriber, order.months, now, zone)
        await bill(
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


def _paused_until(subscriber: Subscriber, now: datetime) -> datetime | None:
    """When the line's pause in force ends (core/billing/pauses.py); None when it runs."""
    until = subscriber.paused_until
    return until if until is not None and until > now else None


async def _debit_wallet(order: Order, subscriber: Subscriber, now: datetime) -> None:
    if order.wallet_used > 0:
        await WalletEntry.create(
            subscriber_id=subscriber.id,
            amount=-order.wallet_used,
            currency=order.currency,
            kind=WalletEntryKind.ORDER_PAYMENT,
            order=order,
            created_at=now,
        )
