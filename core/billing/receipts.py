"""Receipts: what a paid order was, for the subscriber to keep.

``receipt`` reads one paid order as plain data (the words are the dialogs' job, in the
subscriber's language and calendar); ``render_pdf`` lays out rows already translated into a
one-page PDF. Text the standard Latin fonts can show (Indonesian, English) is set in Helvetica,
which every PDF reader has, so those PDFs stay a few kilobytes; anything else (Persian) is set
in the bundled Vazirmatn font (fonts/, SIL Open Font License), embedded as a subset and shaped
by HarfBuzz so Arabic-script letters join, and a right-to-left receipt is laid out from the
right with its mixed Persian / Latin runs ordered by the Unicode bidi algorithm.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from fpdf.fonts import TTFFont

from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage

Direction = Literal["ltr", "rtl"]

# Spaces some locales put in numbers; the Latin PDF fonts know only the plain one.
_SPACES = str.maketrans({"\u202f": " ", "\u00a0": " ", "\u2009": " "})
FONTS_DIR = Path(__file__).with_name("fonts")
_FAMILY = "Vazirmatn"
_FONT_FILES = {"": "Vazirmatn-Regular.ttf", "B": "Vazirmatn-Bold.ttf"}


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


def _fits_latin(texts: Sequence[str]) -> bool:
    try:
        for text in texts:
            _latin(text).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@cache
def _vazirmatn_chars() -> frozenset[int]:
    pdf = FPDF()
    pdf.add_font(_FAMILY, fname=FONTS_DIR / _FONT_FILES[""])
    font = pdf.fonts[_FAMILY.lower()]
    assert isinstance(font, TTFFont)
    return frozenset(font.cmap)


def _vazirmatn_shows(text: str) -> bool:
    # Format characters (the LRM Babel puts before an amount, ZWNJ inside Persian words) steer
    # the bidi algorithm and the shaper; they need no glyph of their own.
    return all(
        ord(char) in _vazirmatn_chars() or unicodedata.category(char) == "Cf" for char in text
    )


def pdf_can_show(texts: Sequence[str]) -> bool:
    """True when the receipt's fonts have a glyph for every character of every text: the
    Latin fonts, or else Vazirmatn (Persian and Latin)."""
    return _fits_latin(texts) or all(_vazirmatn_shows(text) for text in texts)


def render_pdf(
    title: str,
    rows: Sequence[tuple[str, str]],
    footer: str = "",
    *,
    direction: Direction = "ltr",
    created_at: datetime | None = None,
) -> bytes:
    """A one-page receipt: a title, then label / value rows, read in ``direction`` (labels on
    the right for "rtl"). ValueError when a character has no glyph in the receipt's fonts
    (check with ``pdf_can_show`` first). With ``created_at`` (the payment's moment) the bytes
    are the same at every rendering, so a receipt sent again is the same stored file."""
    texts = [title, footer, *(part for row in rows for part in row)]
    if not pdf_can_show(texts):
        raise ValueError("the receipt's text needs a font the PDF does not carry")
    pdf = FPDF(format="A4")
    pdf.set_creator("ispbot")
    if created_at is not None:
        pdf.set_creation_date(created_at)
    if direction == "ltr" and _fits_latin(texts):
        pdf.set_title(_latin(title))
        _lay_out(pdf, "Helvetica", _latin(title), [(_latin(a), _latin(b)) for a, b in rows])
        if footer:
            pdf.set_font("Helvetica", style="I", size=9)
            pdf.multi_cell(0, 6, _latin(footer), new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.set_title(title)
        for style, filename in _FONT_FILES.items():
            pdf.add_font(_FAMILY, style=style, fname=FONTS_DIR / filename)
        pdf.set_text_shaping(True, direction=direction)
        _lay_out(pdf, _FAMILY, title, rows, direction=direction)
        if footer:
            pdf.set_font(_FAMILY, size=9)
            pdf.multi_cell(0, 6, footer, align=_align(direction), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _align(direction: Direction) -> Literal["L", "R"]:
    return "R" if direction == "rtl" else "L"


def _lay_out(
    pdf: FPDF,
    family: str,
    title: str,
    rows: Sequence[tuple[str, str]],
    *,
    direction: Direction = "ltr",
) -> None:
    align = _align(direction)
    pdf.add_page()
    pdf.set_font(family, style="B", size=16)
    pdf.cell(0, 12, title, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    label_width = 55
    value_width = pdf.epw - label_width
    for label, value in rows:
        top = pdf.get_y()
        # Left to right: the label, then its value beside it; right to left, the mirror.
        label_x = pdf.l_margin if direction == "ltr" else pdf.l_margin + value_width
        value_x = pdf.l_margin + label_width if direction == "ltr" else pdf.l_margin
        pdf.set_xy(label_x, top)
        pdf.set_font(family, style="B", size=10)
        pdf.cell(label_width, 8, label, align=align)
        pdf.set_xy(value_x, top)
        pdf.set_font(family, size=10)
        pdf.multi_cell(value_width, 8, value, align=align, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
