"""A receipt in the subscriber's words: the text, and a PDF of it in every language, read in
the language's direction (right to left in Persian). A channel that carries files sends the PDF
with the text; one that does not (SMS) sends the text alone.

The PDF reads as a company's receipt: the ISP (ISPBOT_ISP_*, as it was when the order was
applied), who was billed, the order's lines, VAT and total in a table, then how it was paid."""

from __future__ import annotations

import asyncio

from bot.dialogs.billing_words import KIND_LABELS
from bot.dialogs.contract import Attachment, Reply
from bot.i18n import Texts
from bot.rendering.receipt_pdf import ReceiptPage, pdf_can_show, render_pdf
from core.billing.receipts import Receipt


def _item(t: Texts, r: Receipt) -> str:
    item = t.gettext(KIND_LABELS.get(r.kind, r.kind))
    if r.plan_code is not None:  # a deposit has no plan
        item += ": " + t.catalogue(r.plan_name(t.language))
    if r.months > 1:
        item += " " + t.ngettext("(%(n)s month)", "(%(n)s months)", r.months)
    return item


def receipt_page(t: Texts, r: Receipt) -> ReceiptPage:
    seller = [r.seller_name] if r.seller_name else []
    if r.seller_address:
        seller.append(r.seller_address)
    if r.seller_tax_number:
        # As the operator wrote it, a code like the payment's reference, kept left to right
        # inside a right-to-left line (LRE ... PDF): "411-1234-5678", not "5678-1234-411".
        number = (
            f"\u202a{r.seller_tax_number}\u202c" if t.direction == "rtl" else r.seller_tax_number
        )
        seller.append(t.gettext("Tax number: %(number)s", number=number))
    details = [(t.gettext("Tracking number"), t.digits(str(r.tracking_number)))]
    when = r.paid_at or r.applied_at
    if when is not None:
        details.append((t.gettext("Paid at"), t.datetime(when)))
    if r.subscriber_name:
        details.append((t.gettext("Billed to"), r.subscriber_name))
    details.append((t.gettext("Username"), t.digits(r.subscriber_username)))
    lines = [(_item(t, r), t.money(r.subtotal, r.currency))]
    if r.subscription_fee:
        lines.append((t.gettext("Subscription fee"), t.money(r.subscription_fee, r.currency)))
    if r.proration_credit:
        lines.append(
            (t.gettext("Remaining value of your service"), t.money(-r.proration_credit, r.currency))
        )
    totals = [
        (t.gettext("VAT"), t.money(r.vat, r.currency)),
        (t.gettext("Total"), t.money(r.payable + r.wallet_used, r.currency)),
    ]
    if r.wallet_used:
        totals.append((t.gettext("Paid from your wallet"), t.money(-r.wallet_used, r.currency)))
    totals.append((t.gettext("Amount paid"), t.money(r.payable, r.currency)))
    payment = []
    if r.provider_ref:
        payment.append((t.gettext("Payment reference"), r.provider_ref))
    if r.provider_receipt:
        payment.append((t.gettext("Bank receipt number"), t.digits(r.provider_receipt)))
    return ReceiptPage(
        title=t.gettext(
            "Receipt for order %(tracking)s", tracking=t.digits(str(r.tracking_number))
        ),
        seller=seller,
        details=details,
        columns=(t.gettext("Description"), t.gettext("Amount")),
        lines=lines,
        totals=totals,
        payment=payment,
    )


def receipt_text(t: Texts, page: ReceiptPage) -> str:
    """The page as lines of a chat message; the order's own line as "Item" and "Price"."""
    (item, price), *other_lines = page.lines
    rows = [
        *page.details,
        (t.gettext("Item"), item),
        (t.gettext("Price"), price),
        *other_lines,
        *page.totals,
        *page.payment,
    ]
    return "\n".join([page.title, *(f"{label}: {value}" for label, value in rows)])


async def receipt_replies(t: Texts, r: Receipt) -> list[Reply]:
    page = receipt_page(t, r)
    attachment = None
    if pdf_can_show(page.texts()):
        attachment = Attachment(
            filename=f"receipt-{r.tracking_number}.pdf",
            content_type="application/pdf",
            # Shaping Persian takes tens of milliseconds: off the event loop.
            data=await asyncio.to_thread(
                render_pdf, page, direction=t.direction, created_at=r.paid_at or r.applied_at
            ),
        )
    return [Reply(receipt_text(t, page), attachment=attachment, language=t.language)]
