"""Receipts: what a paid order was, for the subscriber to keep.

``receipt`` reads one paid order as plain data (the words are the dialogs' job, in the
subscriber's language and calendar); ``render_pdf`` lays out rows already translated into a
one-page PDF. The PDF uses the standard Latin fonts every PDF reader has, so it is made for
Indonesian and English; Persian needs right-to-left shaping and an embedded font, and Persian
receipts are sent as text (``pdf_can_show`` says which).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from fpdf import FPDF

from core.billing.models import Order, OrderKind, OrderStatus
from core.inbox.models import OutboxMessage

# Spaces some locales put in numbers; the Latin PDF fonts know only the plain one.
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})


@dataclass(frozen=True, slots=True)
class Receipt:
    tracking_number: int
    subscriber_id: int
    kind: OrderKind
    plan_names: dict[str, str]
    plan_code: str
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

    def plan_name(self, language: str) -> str:
        return self.plan_names.get(language) or self.plan_names.get("en") or self.plan_code


async def receipt(subscriber_id: int, tracking_number: int) -> Receipt | None:
    """The receipt of an applied order of this subscriber; None for anything else."""
    order = await Order.get_or_none(
        tracking_number=tracking_number,
        subscriber_id=subscriber_id,
        status=OrderStatus.APPLIED,
    ).select_related("plan")
    return await _of(order) if order else None


async def latest_receipts(subscriber_id: int, limit: int = 5) -> list[Receipt]:
    orders = (
        await Order.filter(subscriber_id=subscriber_id, status=OrderStatus.APPLIED)
        .select_related("plan")
        .order_by("-applied_at", "-id")
        .limit(limit)
    )
    return [await _of(order) for order in orders]


async def _of(order: Order) -> Receipt:
    applied = await OutboxMessage.get_or_none(dedup_key=f"order_applied:{order.tracking_number}")
    provider_receipt = applied.params.get("receipt") if applied else None
    return Receipt(
        tracking_number=order.tracking_number,
        subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
        kind=OrderKind(order.kind),
        plan_names=dict(order.plan.names or {}),
        plan_code=order.plan.code,
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
    )


def _latin(text: str) -> str:
    return text.translate(_SPACES)


def pdf_can_show(texts: Sequence[str]) -> bool:
    """True when the Latin PDF fonts can show every text (no Persian, no Arabic digits)."""
    try:
        for text in texts:
            _latin(text).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


def render_pdf(title: str, rows: Sequence[tuple[str, str]], footer: str = "") -> bytes:
    """A one-page receipt: a title, then label / value rows. ValueError when a text cannot
    be shown in the Latin fonts (check with ``pdf_can_show`` first)."""
    texts = [title, footer, *(part for row in rows for part in row)]
    if not pdf_can_show(texts):
        raise ValueError("the receipt's text needs a font the PDF does not carry")
    pdf = FPDF(format="A4")
    pdf.set_title(_latin(title))
    pdf.set_creator("ispbot")
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=16)
    pdf.cell(0, 12, _latin(title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    label_width = 55
    for label, value in rows:
        pdf.set_font("Helvetica", style="B", size=10)
        pdf.cell(label_width, 8, _latin(label))
        pdf.set_font("Helvetica", size=10)
        pdf.multi_cell(0, 8, _latin(value), new_x="LMARGIN", new_y="NEXT")
    if footer:
        pdf.ln(4)
        pdf.set_font("Helvetica", style="I", size=9)
        pdf.multi_cell(0, 6, _latin(footer), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
