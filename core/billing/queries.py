"""Reads for the dialogs and the web: plain queries returning frozen dataclasses.

Nothing here writes. Times are aware UTC datetimes; days are calendar days in the subscriber's
time zone (or the settings' one); traffic is in bytes (see ``units`` for MB/GB with 2 decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.accounts.enums import LineStatus
from core.accounts.profile import subscriber_zone
from core.accounts.queries import SubscriberView, subscriber_view
from core.billing import free_charge, state, units
from core.billing.enums import Billing as BillingMode
from core.billing.enums import (
    OrderKind,
    OrderStatus,
    PlanKind,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.models import (
    Bill,
    CampaignCharge,
    FreeChargeGrant,
    Order,
    Plan,
    Subscription,
    UsageSession,
    WalletEntry,
)
from core.billing.periods import remaining_days
from core.billing.pricing import Quote
from core.config import Settings
from core.ports import Clock

M = TypeVar("M", bound=Model)

# Which plans each order kind sells.
PLAN_KIND_FOR: dict[OrderKind, PlanKind] = {
    OrderKind.BUY_SERVICE: PlanKind.SERVICE,
    OrderKind.RENEW_SERVICE: PlanKind.SERVICE,
    OrderKind.CHANGE_SERVICE: PlanKind.SERVICE,
    OrderKind.BUY_TRAFFIC: PlanKind.TRAFFIC,
    OrderKind.BUY_TIMED_TRAFFIC: PlanKind.TIMED_TRAFFIC,
    OrderKind.STATIC_IP: PlanKind.STATIC_IP,
}


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
        )

    @property
    def unlimited(self) -> bool:
        return self.kind == PlanKind.SERVICE and self.traffic_mb is None

    def name_in(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code

    def description_in(self, language: str) -> str:
        return self.description.get(language) or self.description.get("en") or ""


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
    reserve_plan: PlanInfo | None
    reserve_starts_at: datetime | None
    reserve_ends_at: datetime | None
    reserve_bytes: int
    static_ip: str | None
    static_ip_until: datetime | None
    route_ip: str | None

    @property
    def has_service(self) -> bool:
        return self.plan is not None

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
class FreeChargeOffer:
    """Whether ``Billing.take_free_charge`` would grant something now, and what.

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
class UsageLine:
    session_key: str
    started_at: datetime
    ended_at: datetime | None
    download_bytes: int
    upload_bytes: int
    deducted_bytes: int
    ip: str | None

    @property
    def used_bytes(self) -> int:
        return self.download_bytes + self.upload_bytes


@dataclass(frozen=True, slots=True)
class UsageReport:
    """Sessions that started in [start, end), with totals. The MB figures follow the seed's page:
    usage rounded half up, the credit deducted rounded down."""

    start: datetime
    end: datetime
    sessions: tuple[UsageLine, ...]
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
    plan: PlanInfo
    months: int
    status: OrderStatus
    quote: Quote
    gateway: str | None
    gateway_ref: str | None
    pay_url: str | None
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


def _up_to(query: QuerySet[M], limit: int | None) -> QuerySet[M]:
    return query if limit is None else query.limit(limit)


async def refunds_of(order_ids: list[int]) -> dict[int, int]:
    """What was refunded to the wallet for each of these orders (paid, then not applied as
    quoted, or refunded by an operator), in one query; orders without a refund are absent."""
    refunded: dict[int, int] = {}
    if order_ids:
        rows = await WalletEntry.filter(
            order_id__in=order_ids, kind=WalletEntryKind.REFUND
        ).values_list("order_id", "amount")
        for order_id, amount in rows:
            refunded[order_id] = refunded.get(order_id, 0) + amount
    return refunded


async def _order_views(orders: list[Order]) -> list[OrderView]:
    refunded = await refunds_of([o.id for o in orders])
    return [_order_view(o, refunded.get(o.id, 0)) for o in orders]


def _order_view(order: Order, refunded: int) -> OrderView:
    return OrderView(
        tracking_number=order.tracking_number,
        subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
        kind=OrderKind(order.kind),
        plan=PlanInfo.of(order.plan),
        months=order.months,
        status=OrderStatus(order.status),
        quote=quote_of(order),
        gateway=order.gateway,
        gateway_ref=order.gateway_ref,
        pay_url=order.pay_url,
        created_at=order.created_at,
        paid_at=order.paid_at,
        applied_at=order.applied_at,
        refunded=refunded,
    )


class BillingQueries:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def service_status(self, subscriber_id: int) -> ServiceStatus:
        return await self.status_of(await subscriber_view(subscriber_id))

    async def status_of(self, subscriber: SubscriberView) -> ServiceStatus:
        """``service_status`` of a subscriber already read."""
        subscriber_id = subscriber.id
        now = self.clock.now()
        zone = subscriber_zone(subscriber, self.settings)
        st = await state.service_state(subscriber_id, now)
        cur, res = st.current, st.reserve
        return ServiceStatus(
            subscriber_id=subscriber_id,
            line_status=LineStatus(subscriber.line_status),
            plan=PlanInfo.of(cur.plan) if cur else None,
            source=SubscriptionSource(cur.source) if cur else None,
            starts_at=cur.starts_at if cur else None,
            ends_at=cur.ends_at if cur else None,
            remaining_days=remaining_days(cur.ends_at, now, zone) if cur else 0,
            unlimited=st.unlimited,
            remaining_bytes=None if st.unlimited else st.remaining_bytes,
            reserve_plan=PlanInfo.of(res.plan) if res else None,
            reserve_starts_at=res.starts_at if res else None,
            reserve_ends_at=res.ends_at if res else None,
            reserve_bytes=st.reserve_bytes,
            static_ip=subscriber.static_ip,
            static_ip_until=subscriber.static_ip_until,
            route_ip=subscriber.route_ip,
        )

    async def usage(self, subscriber_id: int, start: datetime, end: datetime) -> UsageReport:
        """Sessions that started in [start, end), oldest first, with their totals."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("usage needs timezone-aware bounds")
        # In UTC: SQLite compares stored times as text, so a bound in another offset misorders.
        rows = await UsageSession.filter(
            subscriber_id=subscriber_id,
            started_at__gte=start.astimezone(UTC),
            started_at__lt=end.astimezone(UTC),
        ).order_by("started_at", "id")
        lines = tuple(
            UsageLine(
                session_key=r.session_key,
                started_at=r.started_at,
                ended_at=r.ended_at,
                download_bytes=r.download_bytes,
                upload_bytes=r.upload_bytes,
                deducted_bytes=r.deducted_bytes,
                ip=r.ip,
            )
            for r in rows
        )
        return UsageReport(
            start=start,
            end=end,
            sessions=lines,
            download_bytes=sum(line.download_bytes for line in lines),
            upload_bytes=sum(line.upload_bytes for line in lines),
            deducted_bytes=sum(line.deducted_bytes for line in lines),
        )

    async def service_history(
        self, subscriber_id: int, limit: int | None = None
    ) -> list[ServiceHistoryLine]:
        """Every subscription, newest first; ``source`` says how it was bought."""
        query = (
            Subscription.filter(subscriber_id=subscriber_id)
            .select_related("plan", "order")
            .order_by("-starts_at", "-id")
        )
        return [
            ServiceHistoryLine(
                starts_at=s.starts_at,
                ends_at=s.ends_at,
                plan=PlanInfo.of(s.plan),
                source=SubscriptionSource(s.source),
                status=SubscriptionStatus(s.status),
                price_paid=s.price_paid,
                tracking_number=s.order.tracking_number if s.order else None,
            )
            for s in await _up_to(query, limit)
        ]

    async def bill_history(self, subscriber_id: int, limit: int | None = None) -> list[BillLine]:
        """Bills, newest first."""
        query = (
            Bill.filter(subscriber_id=subscriber_id)
            .select_related("plan", "order")
            .order_by("-starts_at", "-id")
        )
        return [
            BillLine(
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                plan=PlanInfo.of(b.plan),
                days=b.days,
                amount=b.amount,
                currency=b.currency,
                note=b.note,
                tracking_number=b.order.tracking_number if b.order else None,
            )
            for b in await _up_to(query, limit)
        ]

    async def campaign_history(
        self, subscriber_id: int, limit: int | None = None
    ) -> list[CampaignLine]:
        """Campaign charges, newest first, with their result."""
        query = (
            CampaignCharge.filter(subscriber_id=subscriber_id)
            .select_related("plan")
            .order_by("-charged_at", "-id")
        )
        return [
            CampaignLine(
                charged_at=c.charged_at,
                period=c.period,
                plan=PlanInfo.of(c.plan),
                megabytes=c.megabytes,
                result=c.result,
            )
            for c in await _up_to(query, limit)
        ]

    async def orders(
        self, subscriber_id: int, status: OrderStatus | None = None, limit: int | None = None
    ) -> list[OrderView]:
        """The subscriber's orders, newest first."""
        filters: dict[str, Any] = {"subscriber_id": subscriber_id}
        if status is not None:
            filters["status"] = status
        query = Order.filter(**filters).select_related("plan").order_by("-created_at", "-id")
        return await _order_views(await _up_to(query, limit))

    async def order_by_tracking(self, tracking_number: int) -> OrderView | None:
        order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
        return (await _order_views([order]))[0] if order else None

    async def order_by_gateway_ref(self, gateway: str, reference: str) -> OrderView | None:
        """The order a provider's reference belongs to (a callback names it, not our number)."""
        order = await Order.get_or_none(gateway=gateway, gateway_ref=reference).select_related(
            "plan"
        )
        return (await _order_views([order]))[0] if order else None

    async def catalogue(self, kind: PlanKind | OrderKind, currency: str) -> list[PlanInfo]:
        """Active plans of a kind in a currency, cheapest first (an order kind names its plans)."""
        plan_kind = PLAN_KIND_FOR[kind] if isinstance(kind, OrderKind) else PlanKind(kind)
        rows = await Plan.filter(kind=plan_kind, currency=currency, active=True).order_by(
            "price", "id"
        )
        return [PlanInfo.of(p) for p in rows]

    async def plan(self, code: str) -> PlanInfo | None:
        plan = await Plan.get_or_none(code=code)
        return PlanInfo.of(plan) if plan else None

    async def wallet_balance(self, subscriber_id: int) -> int:
        return await state.wallet_balance(subscriber_id)

    async def wallet_history(
        self, subscriber_id: int, limit: int | None = None
    ) -> list[WalletLine]:
        query = (
            WalletEntry.filter(subscriber_id=subscriber_id)
            .select_related("order")
            .order_by("-created_at", "-id")
        )
        return [
            WalletLine(
                created_at=w.created_at,
                amount=w.amount,
                currency=w.currency,
                kind=WalletEntryKind(w.kind),
                note=w.note,
                tracking_number=w.order.tracking_number if w.order else None,
            )
            for w in await _up_to(query, limit)
        ]

    async def free_charge_offer(
        self, subscriber: SubscriberView, status: ServiceStatus | None = None
    ) -> FreeChargeOffer:
        """The one-time free charge as ``take_free_charge`` would decide it now (a read only:
        a refusal is explained before anything is asked).

        ``status``: the subscriber's ``status_of`` when the caller has just read it (it is not
        read again)."""
        if status is None or status.subscriber_id != subscriber.id:
            status = await self.status_of(subscriber)
        decision = await free_charge.decide(
            line_closed=subscriber.line_status == LineStatus.CLOSED,
            days_ran_out=status.days_ran_out,
            traffic_ran_out=status.traffic_ran_out,
            already_used=FreeChargeGrant.filter(
                subscriber_id=subscriber.id, generation=subscriber.free_charge_generation
            ).exists,
            had_paid_service=Subscription.filter(subscriber_id=subscriber.id)
            .exclude(source=SubscriptionSource.FREE_CHARGE)
            .exists,
            grant_days=self.settings.free_charge_days,
            grant_megabytes=self.settings.free_charge_mb,
        )
        return FreeChargeOffer(
            available=decision.granted,
            reason=decision.reason,
            days=decision.days,
            megabytes=decision.megabytes,
            remaining_days=status.remaining_days,
            remaining_bytes=status.remaining_bytes,
        )

    async def free_charge_available(
        self, subscriber: SubscriberView, status: ServiceStatus
    ) -> bool:
        """Whether the free charge can be taken now (the menu's question): no query when the
        status alone says no, as it does for everyone with service left."""
        if free_charge.refused_at_sight(
            line_closed=subscriber.line_status == LineStatus.CLOSED,
            days_ran_out=status.days_ran_out,
            traffic_ran_out=status.traffic_ran_out,
        ):
            return False
        return (await self.free_charge_offer(subscriber, status)).available
