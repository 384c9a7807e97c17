"""Receipts: what a paid order was, for the subscriber to keep.

``receipt`` reads one paid order as plain data; the words are the dialogs' job, in the
subscriber's language and calendar, and the PDF is bot/rendering/receipt_pdf.py's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.billing.read_models import PlanInfo
from core.inbox.models import OutboxMessage


@dataclass(frozen=True, slots=True)
class Receipt:
    tracking_number: int
    subscriber_id: int
    kind: OrderKind
    # Empty, and None, for a deposit (no plan sells it).
    plan_names: dict[str, str]
    plan_code: str | None
    months: int
    currency: str
    subtotal: int
    vat: int
    subscription_fee: int
    proration_credit: int
    wallet_used: int
    payable: int
    provider: str | None
    # The provider's reference of the payment (ZarinPal authority, Midtrans order id, Stripe
    # session) and its own receipt number when it gave one (ZarinPal ref_id...).
    provider_ref: str | None
    provider_receipt: str | None
    paid_at: datetime | None
    applied_at: datetime | None
    subscriber_name: str
    subscriber_username: str
    # The ISP as it was when the order was applied (ISPBOT_ISP_*): name, address, tax number;
    # None where it was not set.
    seller_name: str | None
    seller_address: str | None
    seller_tax_number: str | None

    def plan_name(self, language: str) -> str:
        return self.plan_names.get(language) or self.plan_names.get("en") or self.plan_code or ""


async def receipt(subscriber_id: int, tracking_number: int) -> Receipt | None:
    """The receipt of an applied order of this subscriber; None for anything else."""
    order = await Order.get_or_none(
        tracking_number=tracking_number,
        subscriber_id=subscriber_id,
        status=OrderStatus.APPLIED,
    ).select_related("plan", "subscriber")
    return await _of(order) if order else None


async def latest_receipts(subscriber_id: int, limit: int = 5) -> list[Receipt]:
    orders = (
        await Order.filter(subscriber_id=subscriber_id, status=OrderStatus.APPLIED)
        .select_related("plan", "subscriber")
        .order_by("-applied_at", "-id")
        .limit(limit)
    )
    return [await _of(order) for order in orders]


@dataclass(frozen=True, slots=True)
class OrderAdded:
    """What an order brought, for the notice that says it was applied; its receipt when it is
    (an applied order has one)."""

    tracking_number: int
    kind: OrderKind
    # None for a deposit.
    plan: PlanInfo | None
    months: int
    currency: str
    # What the order cost before any credit (a wallet top-up's amount).
    subtotal: int
    receipt: Receipt | None


async def order_added(tracking_number: int) -> OrderAdded | None:
    """The order with this tracking number as its "applied" notice tells it; None when none."""
    order = await Order.get_or_none(tracking_number=tracking_number).select_related(
        "plan", "subscriber"
    )
    if order is None:
        return None
    return OrderAdded(
        tracking_number=order.tracking_number,
        kind=OrderKind(order.kind),
        plan=PlanInfo.of(order.plan) if order.plan else None,
        months=order.months,
        currency=order.currency,
        subtotal=order.subtotal,
        receipt=await _of(order) if order.status == OrderStatus.APPLIED else None,
    )


async def _of(order: Order) -> Receipt:
    applied = await OutboxMessage.get_or_none(dedup_key=f"order_applied:{order.tracking_number}")
    provider_receipt = applied.params.get("receipt") if applied else None
    seller = applied.params.get("seller") if applied else None
    if not isinstance(seller, dict):
        seller = {}
    return Receipt(
        tracking_number=order.tracking_number,
        subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
        kind=OrderKind(order.kind),
        plan_names=dict(order.plan.names or {}) if order.plan else {},
        plan_code=order.plan.code if order.plan else None,
        months=order.months,
        currency=order.currency,
        subtotal=order.subtotal,
        vat=order.vat,
        subscription_fee=order.subscription_fee,
        proration_credit=order.proration_credit,
        wallet_used=order.wallet_used,
        payable=order.payable,
        provider=order.gateway if order.payable > 0 else None,
        provider_ref=order.gateway_ref if order.payable > 0 else None,
        provider_receipt=str(provider_receipt) if provider_receipt else None,
        paid_at=order.paid_at,
        applied_at=order.applied_at,
        subscriber_name=order.subscriber.full_name,
        subscriber_username=order.subscriber.username,
        seller_name=_text(seller.get("name")),
        seller_address=_text(seller.get("address")),
        seller_tax_number=_text(seller.get("tax_number")),
    )


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
