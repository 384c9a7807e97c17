"""Once applied, the order's notice reaches the subscriber's chat with its receipt: a PDF with
the text in Indonesian and English, the text alone in Persian; the history sends it again."""

from __future__ import annotations

from bot.bootstrap import build_engine
from bot.dialogs.state import MemoryStateStore
from bot.notify import ChannelNotifier
from core.billing.reconcile import check_by_reference
from core.inbox.service import OutboxRelay
from tests.dialogs.client import ChatClient
from tests.handlers import payments_support as support
from tests.handlers.payments_support import (
    RecordingChannel,
    buyer,
    chat_of,
    place,
)

providers = support.providers
pay_settings = support.pay_settings
pay_services = support.pay_services
pay_client = support.pay_client


async def _relay(services, settings) -> RecordingChannel:
    """The outbox relay, sending to the subscriber's chat (in the app it runs after commit)."""
    channel = RecordingChannel()
    notifier = ChannelNotifier(settings, [channel])
    assert await OutboxRelay(services.clock, notifier).relay_pending() == 1
    return channel


async def test_an_indonesian_subscriber_gets_the_notice_and_a_pdf_receipt(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IDR", "id")
    await chat_of(subscriber, "id")
    order = await place(pay_services, subscriber)
    providers.midtrans.set_status(order.gateway_ref, "settlement")
    await check_by_reference(pay_services.billing, "midtrans", order.gateway_ref)

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


async def test_a_persian_subscriber_gets_the_receipt_as_text_in_their_calendar(
    pay_services, pay_settings, providers
):
    subscriber = await buyer(pay_settings, "IRR", "fa")
    await chat_of(subscriber, "fa")
    order = await place(pay_services, subscriber)
    providers.zarinpal.pay(order.gateway_ref)
    await check_by_reference(pay_services.billing, "zarinpal", order.gateway_ref)

    channel = await _relay(pay_services, pay_settings)

    [(_, [receipt])] = channel.sent
    assert receipt.language == "fa"
    assert receipt.attachment is None
    persian = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
    assert str(order.tracking_number).translate(persian) in receipt.text
    # Paid on 2026-11-24 10:30 Tehran time: 3 Azar 1405 in the Persian calendar.
    assert "۱۴۰۵" in receipt.text


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
