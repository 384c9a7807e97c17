"""A receipt reads as a company's receipt in each language: the ISP's legal name, address and
tax number, who was billed (name and username), the order's lines, VAT and total in a table,
and how it was paid; Persian right to left, with Persian digits and the Jalali date. Checked by
reading the PDF's text back."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pypdf import PdfReader

from bot.dialogs.receipts import receipt_page, receipt_text
from bot.i18n import translator
from bot.rendering.receipt_pdf import render_pdf
from core.accounts.models import Subscriber
from core.billing.enums import OrderKind
from core.billing.receipts import Receipt, latest_receipts
from core.demo import seed_demo
from core.demo.scene import DEMO_SELLER
from tests.dialogs.test_flows_billing_support import give_service, pay_last_order, subscriber
from tests.fakes import InMemoryFileStore

PAID = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 10:30 in Tehran: 3 Azar 1405

RECEIPT = Receipt(
    tracking_number=469627,
    subscriber_id=1,
    kind=OrderKind.CHANGE_SERVICE,
    plan_names={"fa": "زمرد", "id": "Zamrud", "en": "Zomorrod"},
    plan_code="ir-zomorrod-12m",
    months=1,
    currency="IRR",
    subtotal=8_000_000,
    vat=720_000,
    subscription_fee=0,
    proration_credit=1_928_767,
    wallet_used=0,
    payable=6_791_233,
    provider="zarinpal",
    provider_ref="A00000000000000000000000000217885159",
    provider_receipt="201",
    paid_at=PAID,
    applied_at=PAID,
    subscriber_name="Kamal Nasiri",
    subscriber_username="2188001234",
    seller_name="Pishgaman Net Co.",
    seller_address="No. 12, Daneshgah St., Tehran",
    seller_tax_number="411-1234-5678",
)


def _pdf_text(language: str, receipt: Receipt = RECEIPT, mode: str = "plain") -> str:
    t = translator(language, zone="Asia/Tehran")
    pdf = render_pdf(receipt_page(t, receipt), direction=t.direction, created_at=PAID)
    [page] = PdfReader(io.BytesIO(pdf)).pages
    return page.extract_text(extraction_mode=mode).replace("\xa0", " ")


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Receipt for order 469627",
                "Billed to",
                "Kamal Nasiri",
                "Username",
                "2188001234",
                "Description",
                "Amount",
                "Change of service: Zomorrod",
                "IRR 8,000,000",
                "VAT",
                "IRR 720,000",
                "Remaining value of your service",
                "-IRR 1,928,767",
                "Total",
                "IRR 6,791,233",
                "Amount paid",
                "Tax number: 411-1234-5678",
            ],
        ),
        (
            "id",
            [
                "Bukti pembayaran pesanan 469627",
                "Ditagihkan kepada",
                "Kamal Nasiri",
                "Nama pengguna",
                "Keterangan",
                "Jumlah",
                "PPN",
                "Total",
                "NPWP: 411-1234-5678",
            ],
        ),
    ],
)
def test_a_latin_receipt_names_the_isp_the_subscriber_the_lines_vat_and_total(language, words):
    text = _pdf_text(language)

    for word in [*words, "Pishgaman Net Co.", "No. 12, Daneshgah St., Tehran"]:
        assert word in text, (word, text)
    # The ISP heads the page, above the title.
    assert text.index("Pishgaman Net Co.") < text.index("469627")


def test_a_persian_receipt_is_right_to_left_with_persian_digits_and_the_jalali_date():
    # Read as drawn, left to right: Persian words come out reversed, numbers as written.
    drawn = _pdf_text("fa", mode="layout")

    assert "Pishgaman Net Co." in drawn  # Latin, read left to right: its dot stays last
    assert "۴۶۹۶۲۷" in drawn  # the tracking number, in Persian digits
    assert "۱۴۰۵/۰۹/۰۳" in drawn  # paid on 3 Azar 1405
    assert "۷۲۰٬۰۰۰ ریال"[::-1] not in drawn  # (a sanity check of the reading below)
    assert "Kamal Nasiri" in drawn and "۲۱۸۸۰۰۱۲۳۴" in drawn
    for label in ("صورتحساب به نام", "نام کاربری", "جمع کل", "شرح", "مبلغ"):
        assert label[::-1] in drawn, label
    assert "411-1234-5678" in drawn  # the tax number, as the operator wrote it
    # Right to left: a label is drawn right of its value.
    [total] = [line for line in drawn.splitlines() if "لک عمج" in line]
    assert "۶٬۷۹۱٬۲۳۳" in total
    assert total.index("۶٬۷۹۱٬۲۳۳") < total.index("لک عمج")


def test_a_receipt_without_the_isp_s_identity_leaves_it_off():
    bare = replace(RECEIPT, seller_name=None, seller_address=None, seller_tax_number=None)

    text = _pdf_text("en", bare)

    assert "Pishgaman" not in text and "Tax number" not in text
    assert text.lstrip().startswith("Receipt for order 469627")


def test_the_text_receipt_says_who_was_billed_and_the_total():
    t = translator("en", zone="Asia/Tehran")
    text = receipt_text(t, receipt_page(t, RECEIPT))

    assert "Billed to: Kamal Nasiri" in text
    assert "Username: 2188001234" in text
    assert "Item: Change of service: Zomorrod\nPrice: IRR\xa08,000,000" in text
    assert "Total: IRR\xa06,791,233" in text


async def test_an_applied_order_s_receipt_keeps_the_isp_as_it_was_and_the_subscriber(
    services, bot_settings
):
    bot_settings.isp_legal_name = "Pishgaman Net Co."
    bot_settings.isp_tax_number = "411-1234-5678"
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    order = await pay_last_order(services, sara)
    bot_settings.isp_legal_name = "Renamed Later Ltd."  # a receipt is not rewritten

    [paid] = await latest_receipts(sara.id)

    assert paid.tracking_number == order.tracking_number
    assert (paid.seller_name, paid.seller_address, paid.seller_tax_number) == (
        "Pishgaman Net Co.",
        None,
        "411-1234-5678",
    )
    assert (paid.subscriber_name, paid.subscriber_username) == (sara.full_name, sara.username)


async def test_the_demo_s_receipts_name_the_demo_isp(db, settings, clock):
    await seed_demo(settings, clock, InMemoryFileStore())
    budi = await Subscriber.get(username="2153660101")

    [renewal] = await latest_receipts(budi.id)

    assert renewal.seller_name == DEMO_SELLER["isp_legal_name"]
    assert renewal.seller_tax_number == DEMO_SELLER["isp_tax_number"]
    assert renewal.subscriber_name == budi.full_name
