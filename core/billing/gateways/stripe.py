"""Stripe Checkout Sessions: the rules, without HTTP.

``POST /v1/checkout/sessions`` (form-encoded, Bearer secret key) returns the session's ``id``
and ``url``. Stripe POSTs events to our webhook signed in the ``Stripe-Signature`` header:
``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>``; an event
older than the tolerance (300 s, Stripe's own default) is refused, so a captured one cannot be
replayed later. ``checkout.session.completed`` with ``payment_status`` paid = paid.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from core.billing.gateways import GatewayError
from core.ports import PaymentCheck, PaymentRequest, PaymentState

STRIPE = "stripe"
SESSIONS_PATH = "/v1/checkout/sessions"
TOLERANCE_SECONDS = 300
# Stripe refuses a session that expires sooner than this after it is made.
MIN_EXPIRY_SECONDS = 30 * 60
PAID_EVENTS = frozenset({"checkout.session.completed", "checkout.session.async_payment_succeeded"})
FAILED_EVENTS = frozenset({"checkout.session.expired", "checkout.session.async_payment_failed"})


def session_form(
    request: PaymentRequest, success_url: str, cancel_url: str, expires_at: int
) -> list[tuple[str, str]]:
    item = "line_items[0]"
    return [
        ("mode", "payment"),
        ("client_reference_id", str(request.tracking_number)),
        ("metadata[tracking_number]", str(request.tracking_number)),
        (f"{item}[quantity]", "1"),
        (f"{item}[price_data][currency]", request.currency.lower()),
        (f"{item}[price_data][unit_amount]", str(request.amount)),
        (f"{item}[price_data][product_data][name]", request.description),
        ("success_url", success_url),
        ("cancel_url", cancel_url),
        ("expires_at", str(expires_at)),
    ]


def session_of(reply: Any) -> tuple[str, str]:
    """(session id, checkout url) of a created session; GatewayError otherwise."""
    if not isinstance(reply, Mapping):
        raise GatewayError(f"Stripe answered {reply!r}")
    session_id, url = reply.get("id"), reply.get("url")
    if not isinstance(session_id, str) or not isinstance(url, str):
        error = reply.get("error")
        raise GatewayError(f"Stripe refused the session: {error!r}")
    return session_id, url


def signature_header(payload: bytes, secret: str, timestamp: int) -> str:
    """The header Stripe would send (tests build their events with it)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_ok(
    payload: bytes, header: str, secret: str, now: float, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """True when one of the header's v1 signatures is ours and its time is within tolerance."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                return False
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures or abs(now - timestamp) > tolerance:
        return False
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + payload, hashlib.sha256)
    expected = mac.hexdigest()
    return any(hmac.compare_digest(expected, given) for given in signatures)


def check_of_session(session: Any) -> PaymentCheck:
    if not isinstance(session, Mapping):
        raise GatewayError(f"Stripe answered {session!r}")
    payment_status = session.get("payment_status")
    status = session.get("status")
    detail = f"{status}/{payment_status}"
    if status == "complete" and payment_status == "paid":
        currency = session.get("currency")
        amount = session.get("amount_total")
        intent = session.get("payment_intent")
        return PaymentCheck(
            PaymentState.PAID,
            amount=amount if isinstance(amount, int) else None,
            currency=currency.upper() if isinstance(currency, str) else None,
            receipt=intent if isinstance(intent, str) else None,
            detail=detail,
        )
    if status == "expired":
        return PaymentCheck(PaymentState.FAILED, detail=detail)
    return PaymentCheck(PaymentState.PENDING, detail=detail)


def event_session(event: Any) -> tuple[str, str, Mapping[str, Any]] | None:
    """(event id, type, the checkout session) of a checkout event; None for any other event."""
    if not isinstance(event, Mapping):
        return None
    event_id, kind = event.get("id"), event.get("type")
    data = event.get("data")
    session = data.get("object") if isinstance(data, Mapping) else None
    if (
        not isinstance(event_id, str)
        or not isinstance(kind, str)
        or not isinstance(session, Mapping)
    ):
        return None
    if session.get("object") != "checkout.session":
        return None
    return event_id, kind, session
