"""Once applied, the order's notice reaches the subscriber's chat with its receipt: the text
and a PDF of it, in Persian a right-to-left one set in the bundled Vazirmatn font; the history
sends it again."""

from __future__ import annotations

import io
import re
from collections import defaultdict

from pypdf import PageObject, PdfReader

from bot.bootstrap import build_engine
from bot.dialogs.state import MemoryStateStore
from bot.notify import ChannelNotifier
from core.billing.models import Order
from core.billing.reconcile import Reconciler
from core.inbox.service import OutboxRelay
from tests.alerts.senders import RecordingSender
from tests.dialogs.client import ChatClient
from tests.fakes import freshness
from tests.handlers.payments_support import (
    buyer,
    chat_of,
    place,
)


async def _relay(services, settings) -> RecordingSender:
    """The outbox relay, sending to the subscriber's chat (in the app it runs after commit)."""
    channel = RecordingSender("recorder")
    notifier = ChannelNotifier(settings, [channel])
    assert await OutboxRelay(services.clock, notifier, freshness()).relay_pending() == 1
    return channel


def _only_page(pdf: bytes) -> PageObject:
    [page] = PdfReader(io.BytesIO(pdf)).pages
    return page


def _fonts(page: PageObject) -> list:
    return [font.get_object() for font in page["/Resources"]["/Font"].values()]


def _glyphs_per_char(font) -> dict[str, set[str]]:
    """Which glyph codes the font's ToUnicode map reads as each character."""
    cmap = font["/ToUnicode"].get_object().get_data().decode()
    glyphs: dict[str, set[str]] = defaultdict(set)
    for code, char in re.findall(r"^<([0-9A-F]{4})> <([0-9A-F]{4})>$", cmap, re.MULTILINE):
        glyphs[chr(int(char, 16))].add(code)
    return glyphs


async def test_an_indonesian_subscriber_gets_the_notice_and_a_pdf_receipt(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    await chat_of(subscriber, "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    await Reconciler(pay_services.orders).check_reference("midtrans", order.gateway_ref)

    channel = await _relay(pay_services, pay_settings)

    [(chat_id, replies)] = channel.sent
    assert chat_id == f"chat-{subscriber.id}"
    [receipt] = replies  # the notice, the receipt below it, and the PDF attached
    assert "Rp" in receipt.text.split("\n")[0]  # "we received your payment of Rp..."
    assert f"Bukti pembayaran pesanan {order.tracking_number}" in receipt.text
    assert str(order.tracking_number) in receipt.text
    tx = providers.midtrans.transactions[order.gateway_ref]
    assert tx.transaction_id in receipt.text  # the bank's receipt number
    assert order.gateway_ref in receipt.text  # the payment reference
    assert "Rp13.500" in receipt.text.replace("\xa0", "")  # the VAT
    assert receipt.attachment is not None
    assert receipt.attachment.content_type == "application/pdf"
    assert receipt.attachment.data.startswith(b"%PDF-")
    assert receipt.attachment.filename == f"receipt-{order.tracking_number}.pdf"
    # Latin text keeps to the reader's own Helvetica: nothing embedded, a small file.
    page = _only_page(receipt.attachment.data)
    assert [font["/BaseFont"] for font in _fonts(page)] == ["/Helvetica-Bold", "/Helvetica"]
    assert f"Bukti pembayaran pesanan {order.tracking_number}" in page.extract_text()


async def test_a_persian_subscriber_gets_a_right_to_left_pdf_receipt_in_their_calendar(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR", "fa")
    await chat_of(subscriber, "fa")
    order = await place(pay_services, subscriber)
    providers.zarinpal.pay(order.gateway_ref)
    await Reconciler(pay_services.orders).check_reference("zarinpal", order.gateway_ref)

    channel = await _relay(pay_services, pay_settings)

    [(_, [receipt])] = channel.sent
    assert receipt.language == "fa"
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    tracking = str(order.tracking_number).translate(persian)
    assert tracking in receipt.text
    # Paid on 2026-11-24 10:30 Tehran time: 3 Azar 1405 in the Persian calendar.
    assert "۱۴۰۵" in receipt.text
    assert receipt.attachment is not None
    assert receipt.attachment.content_type == "application/pdf"
    assert receipt.attachment.filename == f"receipt-{order.tracking_number}.pdf"

    page = _only_page(receipt.attachment.data)
    fonts = _fonts(page)
    assert sorted(font["/BaseFont"].split("+")[-1] for font in fonts) == [
        "Vazirmatn",
        "VazirmatnBold",
    ]
    for font in fonts:  # embedded, so any reader shows it
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor
    # Shaped: a joining letter is drawn with its contextual forms (a glyph each), not one
    # isolated glyph repeated.
    regular = next(font for font in fonts if font["/BaseFont"].endswith("+Vazirmatn"))
    assert any(
        len(codes) > 1 and "\u0600" <= char <= "\u06ff"
        for char, codes in _glyphs_per_char(regular).items()
    )
    # Read as drawn, left to right (pypdf's plain mode turns Persian digits round with the
    # letters): numbers run left to right, Persian words right to left, labels right of values.
    drawn = page.extract_text(extraction_mode="layout")
    assert "۱۴۰۵" in drawn
    [tracking_line] = [line for line in drawn.splitlines() if "یریگیپ هرامش" in line]
    assert tracking_line.index(tracking) < tracking_line.index("یریگیپ هرامش")


async def test_the_history_sends_the_receipt_again(
    pay_client, pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "USD", "en")
    order = await place(pay_services, subscriber)
    providers.stripe.complete(order.gateway_ref)
    await pay_client.get(f"/payments/stripe/return?session_id={order.gateway_ref}")
    chat = ChatClient(build_engine(pay_services, MemoryStateStore()))
    await chat.log_in(subscriber.username, "Secret-2468")

    await chat.send(choice="flow:history")
    await chat.send(choice="history:receipts")

    receipt = next(r for r in chat.replies if r.text.startswith("Receipt for order"))
    assert str(order.tracking_number) in receipt.text
    assert "$16.35" in receipt.text
    assert receipt.attachment is not None and receipt.attachment.data.startswith(b"%PDF-")
    # Dated by the payment, not by the rendering: the same receipt is the same bytes (and so
    # the same stored file behind a link) however often it is sent.
    paid = (await Order.get(tracking_number=order.tracking_number)).paid_at
    assert f"/CreationDate (D:{paid:%Y%m%d%H%M%S}".encode() in receipt.attachment.data
    await chat.send(choice="history:receipts")
    again = next(r for r in chat.replies if r.text.startswith("Receipt for order"))
    assert again.attachment is not None and again.attachment.data == receipt.attachment.data
