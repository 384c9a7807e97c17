"""Whether an order may be placed, and its quote: the rules of a purchase before any payment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from core.accounts.enums import LineStatus
from core.accounts.models import Subscriber
from core.accounts.profile import subscriber_zone
from core.accounts.queries import SubscriberView, get_subscriber
from core.billing import state
from core.billing.enums import (
    PLAN_KIND_FOR,
    UNPAID_BILLS,
    Billing,
    OrderKind,
    SubscriptionSource,
)
from core.billing.ip_pool import StaticIpPool
from core.billing.models import Bill, Plan, Subscription
from core.billing.periods import period_days, remaining_days
from core.billing.pricing import Quote, price_for_months, prorated_remaining_value, quote_purchase
from core.billing.static_ips import refuse_static_ip
from core.config import Settings
from core.errors import DomainError, InvalidInput, NotFound

MIN_MONTHS, MAX_MONTHS = 1, 12
# A currency without limits of its own in ISPBOT_WALLET_TOPUP_LIMITS.
DEFAULT_TOPUP_LIMITS = (1, 10**12)


@dataclass(frozen=True, slots=True)
class PreparedOrder:
    subscriber: Subscriber
    # None for a deposit (no plan sells it).
    plan: Plan | None
    quote: Quote
    # The paid subscription a change of service prorates.
    replaced: Subscription | None


async def prepare_order(
    settings: Settings,
    now: datetime,
    subscriber_id: int,
    kind: OrderKind,
    plan_code: str,
    months: int,
    subscriber: Subscriber | None = None,
    *,
    static_ip_pool: StaticIpPool,
) -> PreparedOrder:
    """The quote of an order and what placing it needs, or the rule that says no (the errors of
    ``Orders.place_order``). ``subscriber``: the row the caller has already read (and locked),
    read here if None."""
    if subscriber is None:
        subscriber = await get_subscriber(subscriber_id)
    refuse_blocked_line(subscriber)
    plan = await Plan.get_or_none(code=plan_code)
    if plan is None:
        raise NotFound("plan_not_found", plan_code=plan_code)
    if not plan.active or plan.billing == Billing.POSTPAID:
        # A postpaid plan is billed after each month (core.billing.bills), never sold ahead.
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
    paid_current = current if current and current.source != SubscriptionSource.FREE_CHARGE else None
    replaced = None
    proration = 0
    if kind == OrderKind.CHANGE_SERVICE:
        if paid_current is None:
            raise DomainError("no_active_service", subscriber_id=subscriber_id, order_kind=kind)
        if paid_current.plan.code == plan.code:
            raise DomainError("plan_unchanged", plan_code=plan.code)
        if subscriber.paused_until is not None and subscriber.paused_until > now:
            # Its end holds the paused days too: prorated now, they would be paid back.
            raise DomainError("service_paused", resume_at=subscriber.paused_until.isoformat())
        replaced = paid_current
        proration = _remaining_value(settings, paid_current, subscriber, now)
    elif kind in (OrderKind.BUY_TRAFFIC, OrderKind.BUY_TIMED_TRAFFIC):
        if current is None:
            raise DomainError("no_active_service", subscriber_id=subscriber_id, order_kind=kind)
        if current.unlimited:
            raise DomainError("service_unlimited", plan_code=current.plan.code)
    elif kind == OrderKind.STATIC_IP:
        await refuse_static_ip(subscriber, static_ip_pool)

    subtotal = price_for_months(plan.price, months)
    available = await state.wallet_balance(subscriber_id) - await state.wallet_held(subscriber_id)
    quote = quote_purchase(
        subtotal,
        settings.vat_percent,
        max(0, available),
        currency=plan.currency,
        proration_credit=proration,
    )
    assert quote.balances(), quote
    return PreparedOrder(subscriber=subscriber, plan=plan, quote=quote, replaced=replaced)


def refuse_blocked_line(subscriber: Subscriber | SubscriberView) -> None:
    """A line that no purchase would open is sold nothing: what it needs first is said instead.
    The chat's and the SMS keywords' early refusal too (before a plan is chosen).

    Errors: deposit_due {owed, currency} (isolated until its deposit is paid), bill_unpaid
    {owed, currency} (isolated until its unpaid bills are paid), line_isolated (by staff:
    support opens it), documents_suspended, line_closed."""
    status = LineStatus(subscriber.line_status)
    if status == LineStatus.CLOSED:
        raise DomainError("line_closed", subscriber_id=subscriber.id)
    if status == LineStatus.DOCUMENTS_SUSPENDED:
        raise DomainError("documents_suspended", subscriber_id=subscriber.id)
    if status == LineStatus.ISOLATED:
        owed = subscriber.deposit_due + subscriber.installation_fee_due
        if owed > 0:
            raise DomainError("deposit_due", owed=owed, currency=subscriber.currency)
        if subscriber.unpaid_bills_due > 0:
            raise DomainError(
                "bill_unpaid", owed=subscriber.unpaid_bills_due, currency=subscriber.currency
            )
        raise DomainError("line_isolated", subscriber_id=subscriber.id)


async def prepare_deposit(
    subscriber_id: int, subscriber: Subscriber | None = None
) -> PreparedOrder:
    """The quote of a new line's deposit and installation fee: the amounts staff set, as they
    are (no VAT is added to them), less what the wallet holds free.

    Errors: subscriber_not_found, line_closed, no_deposit_due."""
    if subscriber is None:
        subscriber = await get_subscriber(subscriber_id)
    if subscriber.line_status == LineStatus.CLOSED:
        raise DomainError("line_closed", subscriber_id=subscriber_id)
    owed = subscriber.deposit_due + subscriber.installation_fee_due
    if owed <= 0:
        raise DomainError("no_deposit_due", subscriber_id=subscriber_id)
    available = await state.wallet_balance(subscriber_id) - await state.wallet_held(subscriber_id)
    quote = quote_purchase(owed, Decimal(0), max(0, available), currency=subscriber.currency)
    assert quote.balances(), quote
    return PreparedOrder(subscriber=subscriber, plan=None, quote=quote, replaced=None)


def topup_limits(settings: Settings, currency: str) -> tuple[int, int]:
    """The smallest and largest top-up in ``currency``'s minor units."""
    return settings.wallet_topup_limits.get(currency, DEFAULT_TOPUP_LIMITS)


async def prepare_topup(
    settings: Settings, subscriber_id: int, amount: int, subscriber: Subscriber | None = None
) -> PreparedOrder:
    """The quote of a wallet top-up: the amount asked, no VAT, nothing taken from the wallet.

    Errors: subscriber_not_found, line_closed, invalid_topup_amount {field, min_amount,
    max_amount, currency}."""
    if subscriber is None:
        subscriber = await get_subscriber(subscriber_id)
    if subscriber.line_status == LineStatus.CLOSED:
        raise DomainError("line_closed", subscriber_id=subscriber_id)
    low, high = topup_limits(settings, subscriber.currency)
    if isinstance(amount, bool) or not isinstance(amount, int) or not low <= amount <= high:
        raise InvalidInput(
            "invalid_topup_amount",
            field="amount",
            min_amount=low,
            max_amount=high,
            currency=subscriber.currency,
        )
    quote = quote_purchase(amount, Decimal(0), 0, currency=subscriber.currency)
    assert quote.balances(), quote
    return PreparedOrder(subscriber=subscriber, plan=None, quote=quote, replaced=None)


async def prepare_bill(
    subscriber_id: int, subscriber: Subscriber | None = None
) -> tuple[PreparedOrder, Bill]:
    """The quote of the line's oldest unpaid postpaid bill: its amount and VAT as issued, less
    what the wallet holds free.

    Errors: subscriber_not_found, line_closed, no_bill_due."""
    if subscriber is None:
        subscriber = await get_subscriber(subscriber_id)
    if subscriber.line_status == LineStatus.CLOSED:
        raise DomainError("line_closed", subscriber_id=subscriber_id)
    bill = (
        await Bill.filter(subscriber_id=subscriber_id, state__in=UNPAID_BILLS)
        .order_by("starts_at", "id")
        .first()
    )
    if bill is None:
        raise DomainError("no_bill_due", subscriber_id=subscriber_id)
    available = await state.wallet_balance(subscriber_id) - await state.wallet_held(subscriber_id)
    wallet_used = min(max(0, available), bill.total)
    quote = Quote(
        subtotal=bill.amount,
        vat=bill.vat,
        subscription_fee=0,
        proration_credit=0,
        wallet_used=wallet_used,
        wallet_credit=0,
        payable=bill.total - wallet_used,
        currency=bill.currency,
    )
    assert quote.balances(), quote
    return PreparedOrder(subscriber=subscriber, plan=None, quote=quote, replaced=None), bill


def _remaining_value(
    settings: Settings, sub: Subscription, subscriber: Subscriber, now: datetime
) -> int:
    """What is left of a paid subscription's price, by its calendar days left."""
    zone = subscriber_zone(subscriber, settings)
    total = period_days(sub.starts_at, sub.ends_at, zone)
    if total == 0:
        return 0
    left = min(remaining_days(sub.ends_at, now, zone), total)
    return prorated_remaining_value(sub.price_paid, left, total)


async def renewal_quote(
    settings: Settings, now: datetime, subscriber_id: int, ends_at: datetime
) -> Quote | None:
    """What the automatic renewal of the paid service ending at ``ends_at`` would cost now and
    what the wallet is short of (``payable``); None when it would be refused (the line's state
    or the plan no longer allow it: the run says why when it comes)."""
    ending = (
        await Subscription.filter(
            subscriber_id=subscriber_id, ends_at=ends_at, status__in=state.LIVE
        )
        .exclude(source=SubscriptionSource.FREE_CHARGE)
        .select_related("plan", "subscriber")
        .first()
    )
    if ending is None:
        return None
    plan_code = ending.subscriber.auto_renew_plan_code or ending.plan.code
    try:
        prepared = await prepare_order(
            settings,
            now,
            subscriber_id,
            OrderKind.RENEW_SERVICE,
            plan_code,
            1,
            ending.subscriber,
            static_ip_pool=settings.static_ips,
        )
    except DomainError:
        return None
    return prepared.quote
