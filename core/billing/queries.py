"""Reads for the dialogs, the web and the operators: plain queries returning the read models
(``read_models``).

Nothing here writes. Times are aware UTC datetimes; days are calendar days in the subscriber's
time zone (or the settings' one); traffic is in bytes (see ``units`` for MB/GB with 2 decimals).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from tortoise.functions import Count
from tortoise.models import Model
from tortoise.queryset import QuerySet

from core.accounts.enums import LineStatus
from core.accounts.profile import subscriber_zone
from core.accounts.queries import SubscriberView, subscriber_view
from core.billing import free_charge, state
from core.billing.enums import (
    PLAN_KIND_FOR,
    Billing,
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
from core.billing.read_models import (
    BillLine,
    BoughtAhead,
    CampaignLine,
    FreeChargeOffer,
    OrderLine,
    OrderView,
    PayLink,
    PaymentLine,
    PlanInfo,
    ServiceHistoryLine,
    ServiceStatus,
    ServiceSummary,
    UsageLine,
    UsageReport,
    WalletLine,
    order_line,
    order_view,
)
from core.billing.usage_pages import SESSIONS_PER_PAGE, UsagePage, usage_page
from core.config import Settings
from core.ports import Clock

M = TypeVar("M", bound=Model)

PAID = (OrderStatus.PAID, OrderStatus.APPLIED)


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


def pay_link_expired(settings: Settings, created_at: datetime, now: datetime) -> bool:
    """An order's payment link (and its short link) works for payment_link_minutes."""
    return now > created_at + timedelta(minutes=settings.payment_link_minutes)


async def _order_views(orders: list[Order]) -> list[OrderView]:
    """``orders``, their plans fetched, as read models. Only a paid or applied order can have a
    refund (both statuses are final), so the ledger is read for those alone."""
    refunded = await refunds_of([o.id for o in orders if o.status in PAID])
    return [order_view(o, refunded.get(o.id, 0)) for o in orders]


async def order_view_of(order: Order) -> OrderView:
    """One order, its plan fetched, as a read model (for the core's services)."""
    return (await _order_views([order]))[0]


async def order_counts() -> dict[OrderStatus, int]:
    """How many orders are in each status (every status present, 0 when none)."""
    counts = dict.fromkeys(OrderStatus, 0)
    rows = await Order.annotate(n=Count("id")).group_by("status").values("status", "n")
    for row in rows:
        counts[OrderStatus(row["status"])] = int(row["n"])
    return counts


async def operator_orders(
    *,
    status: OrderStatus | None = None,
    username: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> list[OrderLine]:
    """Orders for the operators, newest first, of one status and one subscriber when given."""
    query = Order.all().select_related("subscriber", "plan").order_by("-id")
    if status is not None:
        query = query.filter(status=status)
    if username is not None:
        query = query.filter(subscriber__username=username)
    orders = await query.offset(offset).limit(limit)
    refunded = await refunds_of([o.id for o in orders])
    return [order_line(o, refunded.get(o.id, 0)) for o in orders]


async def plans_page(offset: int = 0, limit: int = 50) -> list[PlanInfo]:
    """Every plan, active or not, in the order they were made (the operators' list)."""
    return [PlanInfo.of(p) for p in await Plan.all().order_by("id").offset(offset).limit(limit)]


class BillingQueries:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def service_status(self, subscriber_id: int) -> ServiceStatus:
        return await self.status_of(await subscriber_view(subscriber_id))

    async def status_of(self, subscriber: SubscriberView) -> ServiceStatus:
        """``service_status`` of a subscriber already read."""
        now = self.clock.now()
        return self._status(subscriber, await state.service_state(subscriber.id, now), now)

    async def service_summary(self, subscriber: SubscriberView) -> ServiceSummary:
        """``status_of``, the wallet's balance and whether the line is postpaid, read together
        (one statement on PostgreSQL): what a "My service" turn and the menu under it read."""
        now = self.clock.now()
        snapshot = await state.service_snapshot(
            subscriber.id, now, subscriber.free_charge_generation
        )
        return ServiceSummary(
            status=self._status(subscriber, snapshot.state, now),
            wallet_balance=snapshot.wallet_balance,
            postpaid=snapshot.postpaid,
            free_charge_used=snapshot.free_charge_used,
            had_paid_service=snapshot.had_paid_service,
        )

    def _status(
        self, subscriber: SubscriberView, st: state.ServiceState, now: datetime
    ) -> ServiceStatus:
        subscriber_id = subscriber.id
        zone = subscriber_zone(subscriber, self.settings)
        cur = st.current
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
            ahead=tuple(BoughtAhead(PlanInfo.of(s.plan), s.starts_at, s.ends_at) for s in st.ahead),
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
        lines = tuple(UsageLine.of(r) for r in rows)
        return UsageReport(
            start=start,
            end=end,
            sessions=lines,
            download_bytes=sum(line.download_bytes for line in lines),
            upload_bytes=sum(line.upload_bytes for line in lines),
            deducted_bytes=sum(line.deducted_bytes for line in lines),
        )

    async def usage_page(
        self,
        subscriber_id: int,
        start: datetime,
        end: datetime,
        page: int,
        per_page: int = SESSIONS_PER_PAGE,
    ) -> UsagePage:
        """One page of the sessions that started in [start, end), with the period's totals
        (``usage_pages.usage_page``)."""
        return await usage_page(subscriber_id, start, end, page, per_page)

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

    async def payments(self, subscriber_id: int, limit: int | None = None) -> list[PaymentLine]:
        """Paid orders, the newest payment first; only payments made by now (a demo played on a
        clock of its own, a clock moved back, leave none from the future)."""
        query = (
            Order.filter(subscriber_id=subscriber_id, paid_at__lte=self.clock.now())
            .select_related("plan")
            .order_by("-paid_at", "-id")
        )
        return [
            PaymentLine(
                paid_at=o.paid_at,
                tracking_number=o.tracking_number,
                kind=OrderKind(o.kind),
                plan=PlanInfo.of(o.plan) if o.plan else None,
                gateway=o.gateway if o.payable else None,
                paid=o.payable,
                from_wallet=o.wallet_used,
                currency=o.currency,
            )
            for o in await _up_to(query, limit)
            if o.paid_at is not None
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

    async def pay_link(self, short_code: str) -> PayLink | None:
        """What a short link (``/p/<short_code>``) leads to; None when no order has the code."""
        order = await Order.get_or_none(short_code=short_code)
        if order is None:
            return None
        open_ = order.status == OrderStatus.PENDING and not pay_link_expired(
            self.settings, order.created_at, self.clock.now()
        )
        return PayLink(order.subscriber_id, order.pay_url if open_ else None)  # type: ignore[attr-defined]

    async def catalogue(self, kind: PlanKind | OrderKind, currency: str) -> list[PlanInfo]:
        """Active plans of a kind in a currency, cheapest first (an order kind names its plans)."""
        plan_kind = PLAN_KIND_FOR[kind] if isinstance(kind, OrderKind) else PlanKind(kind)
        # A postpaid plan is billed after each month, never bought (core.billing.bills).
        rows = await Plan.filter(
            kind=plan_kind, currency=currency, active=True, billing=Billing.PREPAID
        ).order_by("price", "id")
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
            WalletLine.of(w, w.order.tracking_number if w.order else None)
            for w in await _up_to(query, limit)
        ]

    async def free_charge_offer(
        self,
        subscriber: SubscriberView,
        status: ServiceStatus | None = None,
        summary: ServiceSummary | None = None,
    ) -> FreeChargeOffer:
        """The one-time free charge as ``take_free_charge`` would decide it now (a read only:
        a refusal is explained before anything is asked).

        ``status``: the subscriber's ``status_of`` when the caller has just read it (it is not
        read again); ``summary``: its ``service_summary``, whose lookups are used as read."""
        if summary is not None and summary.status.subscriber_id == subscriber.id:
            status = summary.status
        else:
            summary = None
        if status is None or status.subscriber_id != subscriber.id:
            status = await self.status_of(subscriber)

        # The ORM's queries are made only when asked (making one costs as much as a turn's
        # statement: bench/RESULTS.md), and not at all when the summary read them.
        async def already_used() -> bool:
            if summary is not None and summary.free_charge_used is not None:
                return summary.free_charge_used
            return await FreeChargeGrant.exists(
                subscriber_id=subscriber.id, generation=subscriber.free_charge_generation
            )

        async def had_paid_service() -> bool:
            if summary is not None and summary.had_paid_service is not None:
                return summary.had_paid_service
            return (
                await Subscription.filter(subscriber_id=subscriber.id)
                .exclude(source=SubscriptionSource.FREE_CHARGE)
                .exists()
            )

        decision = await free_charge.decide(
            line_closed=subscriber.line_status == LineStatus.CLOSED,
            days_ran_out=status.days_ran_out,
            traffic_ran_out=status.traffic_ran_out,
            already_used=already_used,
            had_paid_service=had_paid_service,
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
        self,
        subscriber: SubscriberView,
        status: ServiceStatus,
        summary: ServiceSummary | None = None,
    ) -> bool:
        """Whether the free charge can be taken now (the menu's question): no query when the
        status alone says no, as it does for everyone with service left, nor when ``summary``
        (the turn's ``service_summary``) read the lookups."""
        if free_charge.refused_at_sight(
            line_closed=subscriber.line_status == LineStatus.CLOSED,
            days_ran_out=status.days_ran_out,
            traffic_ran_out=status.traffic_ran_out,
        ):
            return False
        return (await self.free_charge_offer(subscriber, status, summary)).available
