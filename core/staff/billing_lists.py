"""The console's billing lists: orders (by state, gateway and the day they were made), refunds to
the wallet, postpaid bills and deposits, each paged by key (newest first, each page starting
below the last id seen), so the thousandth page costs what the first does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tortoise.expressions import Q

from core.accounts.models import Subscriber
from core.billing.enums import BillState, OrderKind, OrderStatus, WalletEntryKind
from core.billing.models import Bill, Order, WalletEntry
from core.billing.queries import refunds_of
from core.paging import Page

PAGE_SIZE = 50
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class OrderRow:
    id: int
    tracking_number: int
    subscriber_id: int
    username: str
    kind: OrderKind
    plan_code: str | None
    currency: str
    payable: int
    status: OrderStatus
    gateway: str | None
    created_at: datetime
    paid_at: datetime | None
    refunded: int


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: OrderStatus | None = None
    gateway: str | None = None
    kind: OrderKind | None = None
    # Made at or after ``since`` and before ``until`` (UTC; the console turns days into them).
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RefundRow:
    id: int
    subscriber_id: int
    username: str
    tracking_number: int | None
    amount: int
    currency: str
    note: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class BillRow:
    id: int
    subscriber_id: int
    username: str
    plan_code: str
    starts_at: datetime
    ends_at: datetime
    total: int
    currency: str
    state: BillState
    due_at: datetime | None
    paid_at: datetime | None
    tracking_number: int | None


@dataclass(frozen=True, slots=True)
class OwedRow:
    """A line that owes its deposit and installation fee."""

    id: int
    username: str
    deposit: int
    installation_fee: int
    currency: str


def _page(rows: list[T], ids: list[int], limit: int) -> Page[T]:
    more = len(rows) > limit
    return Page(tuple(rows[:limit]), ids[limit - 1] if more else None)


async def order_gateways() -> list[str]:
    """The gateways orders were paid through, for the filter."""
    names = await Order.filter(gateway__isnull=False).distinct().values_list("gateway", flat=True)
    return sorted(str(n) for n in names)


async def orders_page(
    chosen: OrderFilter, before: int | None = None, limit: int = PAGE_SIZE
) -> Page[OrderRow]:
    query = Order.all().select_related("subscriber", "plan").order_by("-id")
    if chosen.status is not None:
        query = query.filter(status=chosen.status)
    if chosen.gateway:
        query = query.filter(gateway=chosen.gateway)
    if chosen.kind is not None:
        query = query.filter(kind=chosen.kind)
    if chosen.since is not None:
        query = query.filter(created_at__gte=chosen.since)
    if chosen.until is not None:
        query = query.filter(created_at__lt=chosen.until)
    if before is not None:
        query = query.filter(id__lt=before)
    orders = await query.limit(limit + 1)
    refunded = await refunds_of([o.id for o in orders[:limit]])
    rows = [
        OrderRow(
            id=o.id,
            tracking_number=o.tracking_number,
            subscriber_id=o.subscriber.id,
            username=o.subscriber.username,
            kind=OrderKind(o.kind),
            plan_code=o.plan.code if o.plan else None,
            currency=o.currency,
            payable=o.payable,
            status=OrderStatus(o.status),
            gateway=o.gateway,
            created_at=o.created_at,
            paid_at=o.paid_at,
            refunded=refunded.get(o.id, 0),
        )
        for o in orders
    ]
    return _page(rows, [o.id for o in orders], limit)


async def refunds_page(before: int | None = None, limit: int = PAGE_SIZE) -> Page[RefundRow]:
    """Money given back to wallets: by staff, and paid orders that could not be applied."""
    query = (
        WalletEntry.filter(kind=WalletEntryKind.REFUND)
        .select_related("subscriber", "order")
        .order_by("-id")
    )
    if before is not None:
        query = query.filter(id__lt=before)
    entries = await query.limit(limit + 1)
    rows = [
        RefundRow(
            id=e.id,
            subscriber_id=e.subscriber.id,
            username=e.subscriber.username,
            tracking_number=e.order.tracking_number if e.order else None,
            amount=e.amount,
            currency=e.currency,
            note=e.note,
            created_at=e.created_at,
        )
        for e in entries
    ]
    return _page(rows, [e.id for e in entries], limit)


async def bills_page(
    state: BillState | None = None,
    *,
    due_by: datetime | None = None,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> Page[BillRow]:
    """Postpaid bills, of one state when given; ``due_by``: open ones due by then."""
    query = (
        Bill.filter(state__isnull=False)
        .select_related("subscriber", "plan", "order")
        .order_by("-id")
    )
    if state is not None:
        query = query.filter(state=state)
    if due_by is not None:
        query = query.filter(state=BillState.OPEN, due_at__lte=due_by)
    if before is not None:
        query = query.filter(id__lt=before)
    bills = await query.limit(limit + 1)
    rows = [
        BillRow(
            id=b.id,
            subscriber_id=b.subscriber.id,
            username=b.subscriber.username,
            plan_code=b.plan.code,
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            total=b.total,
            currency=b.currency,
            state=BillState(b.state),
            due_at=b.due_at,
            paid_at=b.paid_at,
            tracking_number=b.order.tracking_number if b.order else None,
        )
        for b in bills
    ]
    return _page(rows, [b.id for b in bills], limit)


async def deposits_owed(before: int | None = None, limit: int = PAGE_SIZE) -> Page[OwedRow]:
    """Lines that owe their deposit or installation fee, newest first."""
    query = Subscriber.filter(Q(deposit_due__gt=0) | Q(installation_fee_due__gt=0)).order_by("-id")
    if before is not None:
        query = query.filter(id__lt=before)
    lines = await query.limit(limit + 1)
    rows = [
        OwedRow(s.id, s.username, s.deposit_due, s.installation_fee_due, s.currency) for s in lines
    ]
    return _page(rows, [s.id for s in lines], limit)


async def deposits_paid(before: int | None = None, limit: int = PAGE_SIZE) -> Page[OrderRow]:
    """Deposit orders paid and applied (the line opened), newest first."""
    chosen = OrderFilter(status=OrderStatus.APPLIED, kind=OrderKind.DEPOSIT)
    return await orders_page(chosen, before, limit)
