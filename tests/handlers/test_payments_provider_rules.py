"""The providers' rules without HTTP: signatures, status mapping, the currencies they take."""

from __future__ import annotations

import hashlib

import pytest

from bot.payments import midtrans, stripe, zarinpal
from core.billing.gateways import GatewayError
from core.ports import PaymentRequest, PaymentState

SERVER_KEY = "SB-Mid-server-TEST0123456789"
WEBHOOK_SECRET = "whsec_fake"


def _notification(**changes: str) -> dict[str, str]:
    fields = {"order_id": "469627-ab12", "status_code": "200", "gross_amount": "163500.00"}
    text = fields["order_id"] + fields["status_code"] + fields["gross_amount"] + SERVER_KEY
    fields["signature_key"] = hashlib.sha512(text.encode()).hexdigest()
    fields.update(changes)
    return fields


@pytest.mark.parametrize(
    ("changes", "accepted"),
    [
        ({}, True),
        ({"gross_amount": "1000.00"}, False),
        ({"status_code": "201"}, False),
        ({"order_id": "469628-ab12"}, False),
        ({"signature_key": "0" * 128}, False),
        ({"signature_key": ""}, False),
    ],
)
def test_a_midtrans_notification_is_accepted_only_with_its_signature(changes, accepted):
    assert midtrans.notification_is_signed(_notification(**changes), SERVER_KEY) is accepted


def test_a_midtrans_notification_signed_with_another_key_is_refused():
    assert not midtrans.notification_is_signed(_notification(), "SB-Mid-server-other")


@pytest.mark.parametrize(
    ("status", "fraud", "state"),
    [
        ("settlement", "accept", PaymentState.PAID),
        ("capture", "accept", PaymentState.PAID),
        ("capture", "challenge", PaymentState.PENDING),
        ("capture", "deny", PaymentState.FAILED),
        ("pending", "accept", PaymentState.PENDING),
        ("expire", "accept", PaymentState.FAILED),
        ("cancel", "accept", PaymentState.FAILED),
        ("deny", "accept", PaymentState.FAILED),
    ],
)
def test_midtrans_statuses_map_to_paid_pending_or_failed(status, fraud, state):
    reply = {"transaction_status": status, "fraud_status": fraud, "gross_amount": "163500.00"}
    check = midtrans.check_of_status(reply)
    assert check.state == state
    if state == PaymentState.PAID:
        assert (check.amount, check.currency) == (163_500, "IDR")


def test_a_fractional_rupiah_amount_is_no_amount_of_ours():
    assert midtrans.amount_of("163500.50") is None
    assert midtrans.amount_of("163500.00") == 163_500


@pytest.mark.parametrize(
    ("age", "accepted"), [(0, True), (299, True), (300, True), (301, False), (-301, False)]
)
def test_a_stripe_signature_holds_for_300_seconds(age, accepted):
    body = b'{"id": "evt_1"}'
    header = stripe.signature_header(body, WEBHOOK_SECRET, 1_790_000_000)
    assert stripe.signature_ok(body, header, WEBHOOK_SECRET, 1_790_000_000 + age) is accepted


def test_a_stripe_signature_of_another_body_or_secret_is_refused():
    header = stripe.signature_header(b"{}", WEBHOOK_SECRET, 100)
    assert not stripe.signature_ok(b"{ }", header, WEBHOOK_SECRET, 100)
    assert not stripe.signature_ok(b"{}", header, "whsec_other", 100)
    assert not stripe.signature_ok(b"{}", "t=100", WEBHOOK_SECRET, 100)
    assert not stripe.signature_ok(b"{}", "v1=abc,t=x", WEBHOOK_SECRET, 100)


@pytest.mark.parametrize(
    ("status", "payment_status", "state"),
    [
        ("complete", "paid", PaymentState.PAID),
        ("complete", "unpaid", PaymentState.PENDING),
        ("open", "unpaid", PaymentState.PENDING),
        ("expired", "unpaid", PaymentState.FAILED),
    ],
)
def test_stripe_sessions_map_to_paid_pending_or_failed(status, payment_status, state):
    session = {"status": status, "payment_status": payment_status, "amount_total": 1635,
               "currency": "usd", "payment_intent": "pi_1"}  # fmt: skip
    check = stripe.check_of_session(session)
    assert check.state == state
    if state == PaymentState.PAID:
        assert (check.amount, check.currency, check.receipt) == (1635, "USD", "pi_1")


@pytest.mark.parametrize(
    ("code", "state"),
    [(100, PaymentState.PAID), (101, PaymentState.PAID), (-50, PaymentState.FAILED),
     (-51, PaymentState.FAILED), (-54, PaymentState.FAILED)],
)  # fmt: skip
def test_zarinpal_verify_codes_100_and_101_are_paid_and_any_other_is_not(code, state):
    if code > 0:
        reply = {"data": {"code": code, "ref_id": 201}, "errors": []}
    else:
        reply = {"data": [], "errors": {"code": code, "message": "..."}}
    check = zarinpal.check_of_verify(reply, 545_000)
    assert check.state == state
    if state == PaymentState.PAID:
        assert (check.amount, check.currency, check.receipt) == (545_000, "IRR", "201")


def test_zarinpal_takes_rials_only():
    request = PaymentRequest(469627, 1500, "USD", "x", 1)
    with pytest.raises(GatewayError):
        zarinpal.request_body("m", request, "http://bot.test/cb")
