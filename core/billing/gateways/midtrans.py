"""Midtrans Snap: the rules, without HTTP.

A Snap transaction (``POST /snap/v1/transactions``, Basic auth with the server key) returns a
``redirect_url``. Midtrans then POSTs an HTTP notification to us. It is accepted only if its
``signature_key`` is SHA-512(order_id + status_code + gross_amount + server_key); even then its
status is not believed: we ask the status API (``GET /v2/{order_id}/status``) and act on that.
settlement, or capture with fraud_status accept = paid; expire, cancel, deny, failure = failed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from core.billing.gateways import GatewayError
from core.ports import PaymentCheck, PaymentRequest, PaymentState

MIDTRANS = "midtrans"
SNAP_PATH = "/snap/v1/transactions"
CURRENCY = "IDR"
FAILED_STATUSES = frozenset({"expire", "cancel", "deny", "failure"})


def snap_body(
    request: PaymentRequest, order_id: str, finish_url: str, expiry_minutes: int
) -> dict[str, Any]:
    if request.currency != CURRENCY:
        raise GatewayError(f"Midtrans takes IDR only, not {request.currency}")
    return {
        "transaction_details": {"order_id": order_id, "gross_amount": request.amount},
        "item_details": [
            {
                "id": str(request.tracking_number),
                "price": request.amount,
                "quantity": 1,
                "name": request.description[:50],
            }
        ],
        "callbacks": {"finish": finish_url},
        "expiry": {"unit": "minutes", "duration": expiry_minutes},
    }


def redirect_url_of(reply: Any) -> str:
    url = reply.get("redirect_url") if isinstance(reply, Mapping) else None
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise GatewayError(f"Midtrans refused the transaction: {reply!r}")
    return url


def signature(order_id: str, status_code: str, gross_amount: str, server_key: str) -> str:
    text = f"{order_id}{status_code}{gross_amount}{server_key}"
    return hashlib.sha512(text.encode()).hexdigest()


def notification_is_signed(payload: Any, server_key: str) -> bool:
    """True when the notification carries the signature only Midtrans and we can make."""
    if not isinstance(payload, Mapping):
        return False
    fields = [payload.get(k) for k in ("order_id", "status_code", "gross_amount", "signature_key")]
    texts = [f for f in fields if isinstance(f, str) and f]
    if len(texts) != len(fields):
        return False
    order_id, status_code, gross_amount, given = texts
    expected = signature(order_id, status_code, gross_amount, server_key)
    return hmac.compare_digest(expected, given.lower())


def amount_of(gross_amount: Any) -> int | None:
    """Midtrans writes IDR as "150000.00"; a fractional rupiah is not ours."""
    try:
        value = Decimal(str(gross_amount))
    except InvalidOperation:
        return None
    if value != value.to_integral_value():
        return None
    return int(value)


def check_of_status(reply: Any) -> PaymentCheck:
    if not isinstance(reply, Mapping):
        raise GatewayError(f"Midtrans answered {reply!r}")
    status = str(reply.get("transaction_status") or "")
    fraud = str(reply.get("fraud_status") or "accept")
    detail = f"{status}/{fraud} ({reply.get('status_code')})"
    if status == "settlement" or (status == "capture" and fraud == "accept"):
        return PaymentCheck(
            PaymentState.PAID,
            amount=amount_of(reply.get("gross_amount")),
            currency=str(reply.get("currency") or CURRENCY),
            receipt=str(reply.get("transaction_id") or "") or None,
            detail=detail,
        )
    if status in FAILED_STATUSES or (status == "capture" and fraud == "deny"):
        return PaymentCheck(PaymentState.FAILED, detail=detail)
    # pending, a challenged capture, or (status 404) a link on which nothing was tried yet.
    return PaymentCheck(PaymentState.PENDING, detail=detail)
