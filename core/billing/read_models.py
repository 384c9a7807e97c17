"""The billing core's read models: the frozen dataclasses its services and queries hand out.

Times are aware UTC datetimes; traffic is in bytes (see ``units`` for MB/GB with 2 decimals);
money is in the currency's minor unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.accounts.enums import LineStatus
from core.billing import units
from core.billing.enums import Billing as BillingMode
from core.billing.enums import (
    BillState,
    OrderKind,
    OrderStatus,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.models import (
    Bill,
    FreeChargeGrant,
    Order,
    Plan,
    Subscription,
    UsageSession,
    WalletEntry,
)
from core.billing.pricing import Quote


@dataclass(frozen=True, slots=True)
class PlanInfo:
    code: str
    kind: PlanKind
    names: dict[str, str]
    speed_kbps: int | None
    # None: unlimited.
    traffic_mb: int | None
    gift_mb: int
    bonus_percent: int
    duration_days: int
    price: int
    currency: str
    billing: BillingMode
    monthly_campaign_mb: int
    description: dict[str, str]
    # Offered for sale (an operator retires a plan by making it inactive).
    active: bool

    @classmethod
    def of(cls, plan: Plan) -> PlanInfo:
        return cls(
            code=plan.code,
            kind=PlanKind(plan.kind),
            names=dict(plan.names or {}),
            speed_kbps=plan.speed_kbps,
            traffic_mb=plan.traffic_mb,
            gift_mb=plan.gift_mb,
            bonus_percent=plan.bonus_percent,
            duration_days=plan.duration_days,
            price=plan.price,
            currency=plan.currency,
            billing=BillingMode(plan.billing),
            monthly_campaign_mb=plan.monthly_campaign_mb,
            description=dict(plan.description or {}),
            active=plan.active,
        )

    @property
    def unlimited(self) -> bool:
        return self.kind == PlanKind.SERVICE and self.traffic_mb is None

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code

    def description_in(self, language: str) -> str:
        return self.description.get(language) or self.description.get("en") or ""


@dataclass(frozen=True, slots=True)
class BoughtAhead:
    """A service paid for that starts when the one before it ends."""

    plan: PlanInfo
    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    """The active service as the panel shows it."""

    subscriber_id: int
    line_status: LineStatus
    plan: PlanInfo | None
    source: SubscriptionSource | None
    starts_at: datetime | None
    ends_at: datetime | None
    remaining_days: int
    unlimited: bool
    # None when unlimited.
    remaining_bytes: int | None
    # Every service bought ahead, in the order they will start.
    ahead: tuple[BoughtAhead, ...]
    reserve_bytes: int
    static_ip: str | None
    static_ip_until: datetime | None
    route_ip: str | None

    @property
    def has_service(self) -> bool:
        return self.plan is not None

    @property
    def reserve_plan(self) -> PlanInfo | None:
        """The plan of the first service bought ahead."""
        return self.ahead[0].plan if self.ahead else None

    @property
    def reserve_starts_at(self) -> datetime | None:
        return self.ahead[0].starts_at if self.ahead else None

    @property
    def reserve_ends_at(self) -> datetime | None:
        return self.ahead[0].ends_at if self.ahead else None

    @property
    def on_free_charge(self) -> bool:
        return self.source == SubscriptionSource.FREE_CHARGE

    @property
    def days_ran_out(self) -> bool:
        """No days left today and nothing bought ahead."""
        return self.remaining_days == 0 and self.reserve_plan is None

    @property
    def traffic_ran_out(self) -> bool:
        return not self.unlimited and self.remaining_bytes == 0

    @property
    def remaining_gb(self) -> Decimal | None:
        return None if self.remaining_bytes is None else units.bytes_to_gb(self.remaining_bytes)


@dataclass(frozen=True, slots=True)
class ServiceSummary:
    """A subscriber's service status, wallet balance and whether the line is postpaid."""

    status: ServiceStatus
    wallet_balance: int
    postpaid: bool
    # The free charge's lookups when read with the rest (None: asked when needed).
    free_charge_used: bool | None = None
    had_paid_service: bool | None = None


@dataclass(frozen=True, slots=True)
class FreeChargeOffer:
    """Whether ``FreeCharges.take`` would grant something now, and what.

    ``reason`` (when not available) is one of "already_used", "service_remaining",
    "no_service", "line_closed", "disabled"."""

    available: bool
    reason: str | None
    days: int
    megabytes: int
    remaining_days: int
    # None when unlimited.
    remaining_bytes: int | None


@dataclass(frozen=True, slots=True)
class FreeChargeGranted:
    """The free charge just taken: ``days`` of service and ``megabytes`` of traffic (either may
    be 0), usable until ``expires_at``. ``id`` names the grant (a notice's dedup key)."""

    id: int
    generation: int
    days: int
    megabytes: int
    granted_at: datetime
    expires_at: datetime

    @classmethod
    def of(cls, grant: FreeChargeGrant) -> FreeChargeGranted:
        return cls(
            id=grant.id,
            generation=grant.generation,
            days=grant.days,
            megabytes=grant.megabytes,
            granted_at=grant.granted_at,
            expires_at=grant.expires_at,
        )


@dataclass(frozen=True, slots=True)
class SubscriptionView:
    """A subscription as a service gave or changed it. ``id`` names it (an operator's or an
    agent's later question about it)."""

    id: int
    subscriber_id: int
    plan: PlanInfo
    status: SubscriptionStatus
    source: SubscriptionSource
    starts_at: datetime
    ends_at: datetime
    unlimited: bool
    price_paid: int

    @classmethod
    def of(cls, sub: Subscription, plan: Plan) -> SubscriptionView:
        """``plan``: the subscription's, which the caller holds (never read again here)."""
        return cls(
            id=sub.id,
            subscriber_id=sub.subscriber_id,  # type: ignore[attr-defined]
            plan=PlanInfo.of(plan),
            status=SubscriptionStatus(sub.status),
            source=SubscriptionSource(sub.source),
            starts_at=sub.starts_at,
            ends_at=sub.ends_at,
            unlimited=sub.unlimited,
            price_paid=sub.price_paid,
        )


@dataclass(frozen=True, slots=True)
class UsageLine:
    """One accounting session: its counters so far, and what was taken from the quota."""

    session_key: str
    started_at: datetime
    ended_at: datetime | None
    download_bytes: int
    upload_bytes: int
    deducted_bytes: int
    ip: str | None

    @classmethod
    def of(cls, session: UsageSession) -> UsageLine:
        return cls(
            session_key=session.session_key,
            started_at=session.started_at,
            ended_at=session.ended_at,
            download_bytes=session.download_bytes,
            upload_bytes=session.upload_bytes,
            deducted_bytes=session.deducted_bytes,
            ip=session.ip,
        )

    @property
    def used_bytes(self) -> int:
        return self.download_bytes + self.upload_bytes


class UsageTotals:
    """A period's traffic totals in bytes, and in MB as the seed's page shows them: usage rounded
    half up, the credit deducted rounded down (a report's and a page's alike)."""

    __slots__ = ()
    download_bytes: int
    upload_bytes: int
    deducted_bytes: int

    @property
    def used_bytes(self) -> int:
        return self.download_bytes + self.upload_bytes

    @property
    def download_mb(self) -> Decimal:
        return units.bytes_to_mb(self.download_bytes)

    @property
    def upload_mb(self) -> Decimal:
        return units.bytes_to_mb(self.upload_bytes)

    @property
    def used_mb(self) -> Decimal:
        return units.bytes_to_mb(self.used_bytes)

    @property
    def deducted_mb(self) -> Decimal:
        return units.deducted_mb(self.deducted_bytes)


@dataclass(frozen=True, slots=True)
class UsageReport(UsageTotals):
    """Sessions that started in [start, end), with totals."""

    start: datetime
    end: datetime
    sessions: tuple[UsageLine, ...]
    download_bytes: int
    upload_bytes: int
    deducted_bytes: int


@dataclass(frozen=True, slots=True)
class ServiceHistoryLine:
    starts_at: datetime
    ends_at: datetime
    plan: PlanInfo
    source: SubscriptionSource
    status: SubscriptionStatus
    price_paid: int
    tracking_number: int | None


@dataclass(frozen=True, slots=True)
class BillLine:
    starts_at: datetime
    ends_at: datetime
    plan: PlanInfo
    days: int
    amount: int
    currency: str
    note: str
    tracking_number: int | None


@dataclass(frozen=True, slots=True)
class BillView:
    """A postpaid bill: the days billed (local calendar days, ``ends_on`` the last), the daily
    rate x the days plus VAT, the last day to pay, and its state."""

    id: int
    subscriber_id: int
    plan: PlanInfo
    starts_on: date
    ends_on: date
    days: int
    # Days of the first, partial month (from the activation) carried onto this bill.
    carried_days: int
    amount: int
    vat: int
    total: int
    currency: str
    # The last day to pay (local); the bill is late from the start of the next day.
    due_on: date
    due_at: datetime
    state: BillState
    issued_at: datetime
    paid_at: datetime | None
    # The order that paid it, or the latest placed to pay it.
    tracking_number: int | None

    @property
    def payable(self) -> bool:
        return self.state != BillState.PAID


def bill_view(bill: Bill, zone: ZoneInfo) -> BillView:
    """Of a postpaid bill read with its plan and order."""
    assert bill.state is not None and bill.period_key and bill.due_at and bill.issued_at, bill.id
    starts_on = bill.starts_at.astimezone(zone).date()
    return BillView(
        id=bill.id,
        subscriber_id=bill.subscriber_id,
        plan=PlanInfo.of(bill.plan),
        starts_on=starts_on,
        ends_on=(bill.ends_at - timedelta(microseconds=1)).astimezone(zone).date(),
        days=bill.days,
        carried_days=(date.fromisoformat(bill.period_key) - starts_on).days,
        amount=bill.amount,
        vat=bill.vat,
        total=bill.total,
        currency=bill.currency,
        due_on=(bill.due_at - timedelta(microseconds=1)).astimezone(zone).date(),
        due_at=bill.due_at,
        state=BillState(bill.state),
        issued_at=bill.issued_at,
        paid_at=bill.paid_at,
        tracking_number=bill.order.tracking_number if bill.order else None,
    )


@dataclass(frozen=True, slots=True)
class PaymentLine:
    """A paid order as the money moved: when, for what, through which gateway, and the part the
    wallet paid kept apart (it is no new money)."""

    paid_at: datetime
    tracking_number: int
    kind: OrderKind
    # None for a deposit or a postpaid bill.
    plan: PlanInfo | None
    # None when nothing went through a gateway (the wallet and credits paid it all).
    gateway: str | None
    # Through the gateway.
    paid: int
    from_wallet: int
    currency: str


@dataclass(frozen=True, slots=True)
class CampaignLine:
    charged_at: datetime
    period: str
    plan: PlanInfo
    megabytes: int
    result: str


@dataclass(frozen=True, slots=True)
class OrderView:
    tracking_number: int
    subscriber_id: int
    kind: OrderKind
    # None for a deposit (no plan sells it).
    plan: PlanInfo | None
    months: int
    status: OrderStatus
    quote: Quote
    gateway: str | None
    gateway_ref: str | None
    pay_url: str | None
    # The app's short link to pay_url is <public URL>/p/<short_code>.
    short_code: str | None
    created_at: datetime
    paid_at: datetime | None
    applied_at: datetime | None
    # Paid, but could not be applied as quoted: the payment went to the wallet instead.
    refunded: int

    @property
    def payable(self) -> int:
        return self.quote.payable

    @property
    def currency(self) -> str:
        return self.quote.currency


@dataclass(frozen=True, slots=True)
class WalletLine:
    created_at: datetime
    amount: int
    currency: str
    kind: WalletEntryKind
    note: str
    tracking_number: int | None

    @classmethod
    def of(cls, entry: WalletEntry, tracking_number: int | None) -> WalletLine:
        """``tracking_number``: the order's the entry belongs to, when the caller knows it."""
        return cls(
            created_at=entry.created_at,
            amount=entry.amount,
            currency=entry.currency,
            kind=WalletEntryKind(entry.kind),
            note=entry.note,
            tracking_number=tracking_number,
        )


def quote_of(order: Order) -> Quote:
    """The quote an order was placed with (its amounts are frozen on the row)."""
    return Quote(
        subtotal=order.subtotal,
        vat=order.vat,
        subscription_fee=order.subscription_fee,
        proration_credit=order.proration_credit,
        wallet_used=order.wallet_used,
        wallet_credit=order.wallet_credit,
        payable=order.payable,
        currency=order.currency,
    )


def order_view(order: Order, refunded: int) -> OrderView:
    return OrderView(
        tracking_number=order.tracking_number,
        subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
        kind=OrderKind(order.kind),
        plan=PlanInfo.of(order.plan) if order.plan else None,
        months=order.months,
        status=OrderStatus(order.status),
        quote=quote_of(order),
        gateway=order.gateway,
        gateway_ref=order.gateway_ref,
        pay_url=order.pay_url,
        short_code=order.short_code,
        created_at=order.created_at,
        paid_at=order.paid_at,
        applied_at=order.applied_at,
        refunded=refunded,
    )


@dataclass(frozen=True, slots=True)
class PayLink:
    """Where an order's short link leads: the provider's pay page while the order waits for
    payment within its link's time, else nowhere (``pay_url`` None)."""

    subscriber_id: int
    pay_url: str | None


@dataclass(frozen=True, slots=True)
class OrderLine:
    """An order as the operators list it: whose, what, and what was refunded of it."""

    tracking_number: int
    username: str
    kind: OrderKind
    plan_code: str | None
    currency: str
    payable: int
    status: OrderStatus
    created_at: datetime
    paid_at: datetime | None
    refunded: int


def order_line(order: Order, refunded: int) -> OrderLine:
    """``order`` with its subscriber and plan fetched."""
    return OrderLine(
        tracking_number=order.tracking_number,
        username=order.subscriber.username,
        kind=OrderKind(order.kind),
        plan_code=order.plan.code if order.plan else None,
        currency=order.currency,
        payable=order.payable,
        status=OrderStatus(order.status),
        created_at=order.created_at,
        paid_at=order.paid_at,
        refunded=refunded,
    )
