"""A receipt in the subscriber's words: the text, and a PDF of it in every language, read in
the language's direction (right to left in Persian). A channel that carries files sends the PDF
with the text; one that does not (SMS) sends the text alone."""

from __future__ import annotations

import asyncio

from bot.dialogs.billing_words import KIND_LABELS
from bot.dialogs.contract import Attachment, Reply
from bot.i18n import Texts
from bot.rendering.receipt_pdf import pdf_can_show, render_pdf
from core.billing.receipts import Receipt


def receipt_rows(t: Texts, r: Receipt) -> list[tuple[str, str]]:
    item = t.gettext(KIND_LABELS.get(r.kind, r.kind))
    if r.plan_code is not None:
        item += ": " + t.catalogue(r.plan_name(t.language))
    if r.months > 1:
        item += " " + t.ngettext("(%(n)s month)", "(%(n)s months)", r.months)
    rows = [
        (t.gettext("Tracking number"), t.digits(str(r.tracking_number))),
        (t.gettext("Item"), item),
        (t.gettext("Price"), t.money(r.subtotal, r.currency)),
        (t.gettext("VAT"), t.money(r.vat, r.currency)),
    ]
    if r.subscription_fee:
        rows.append((t.gettext("Subscription fee"), t.money(r.subscription_fee, r.currency)))
    if r.proration_credit:
        rows.append(
            (t.gettext("Remaining value of your service"), t.money(-r.proration_credit, r.currency))
        )
    rows.append((t.gettext("Paid from your wallet"), t.money(r.wallet_used, r.currency)))
    rows.append((t.gettext("Amount paid"), t.money(r.payable, r.currency)))
    if r.provider_ref:
        rows.append((t.gettext("Payment reference"), r.provider_ref))
    if r.provider_receipt:
        rows.append((t.gettext("Bank receipt number"), t.digits(r.provider_receipt)))
    when = r.paid_at or r.applied_at
    if when is not None:
        rows.append((t.gettext("Paid at"), t.datetime(when)))
    return rows


async def receipt_replies(t: Texts, r: Receipt) -> list[Reply]:
    title = t.gettext("Receipt for order %(tracking)s", tracking=t.digits(str(r.tracking_number)))
    rows = receipt_rows(t, r)
    text = "\n".join([title, *(f"{label}: {value}" for label, value in rows)])
    attachment = None
    if pdf_can_show([title, *(part for row in rows for part in row)]):
        attachment = Attachment(
            filename=f"receipt-{r.tracking_number}.pdf",
            content_type="application/pdf",
            # Shaping Persian takes tens of milliseconds: off the event loop.
            data=await asyncio.to_thread(
                render_pdf,
                title,
                rows,
                direction=t.direction,
                created_at=r.paid_at or r.applied_at,
            ),
        )
    return [Reply(text, attachment=attachment, language=t.language)]
