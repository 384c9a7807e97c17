"""Stripe Checkout Sessions: wire format, signature, HTTP client and webhook, behind the port.

``POST /v1/checkout/sessions`` (form-encoded, Bearer secret key) returns the session's ``id``
and ``url``. Stripe POSTs events to our webhook signed in the ``Stripe-Signature`` header:
``t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the endpoint secret>``; an event
older than the tolerance (300 s, Stripe's own default) is refused, so a captured one cannot be
replayed later. ``checkout.session.completed`` with ``payment_status`` paid = paid. Each event
id is handled once (``Callbacks.seen``); the order's own status is what makes a payment count
once. An event whose handling failed is dropped from then on, and the reconciliation job asks
Stripe about its order.

Settings: ``ISPBOT_STRIPE_SECRET_KEY`` (the gateway exists when it is set),
``ISPBOT_STRIPE_WEBHOOK_SECRET``, ``_API_BASE``. Routes: ``POST /payments/stripe/webhook`` (signed
events) and ``GET /payments/stripe/return`` (the payer's browser after Checkout).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

from aiohttp import web

from bot.config import BotSettings
from bot.dialogs.state import Claim
from bot.payments.common import Callbacks, HttpClient, plain_reference
from core.billing.gateways import STRIPE, GatewayError
from core.errors import DomainError
from core.ports import Clock, PaymentCheck, PaymentRequest, PaymentStart, PaymentState

log = logging.getLogger(__name__)

NAME = STRIPE
WEBHOOK_PATH = "/payments/stripe/webhook"
RETURN_PATH = "/payments/stripe/return"
# How long event ids are remembered: Stripe retries an event for up to three days.
EVENT_TTL_SECONDS = 4 * 24 * 3600
SESSIONS_PATH = "/v1/checkout/sessions"
TOLERANCE_SECONDS = 300
TIMESTAMP_DIGITS = 12
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
            # Unix seconds: a few digits. A longer number would overflow the float comparison.
            if not (value.isascii() and value.isdigit()) or len(value) > TIMESTAMP_DIGITS:
                return False
            timestamp = int(value)
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


class StripeGateway:
    name = NAME

    def __init__(
        self,
        secret_key: str,
        api_base: str,
        return_url: str,
        expiry_minutes: int,
        now: Callable[[], float],
    ) -> None:
        self.http = HttpClient(api_base)
        self.headers = {"Authorization": f"Bearer {secret_key}"}
        self.return_url = return_url
        self.expiry_seconds = max(expiry_minutes * 60, MIN_EXPIRY_SECONDS)
        self.now = now

    async def start(self, request: PaymentRequest) -> PaymentStart:
        success = f"{self.return_url}?session_id={{CHECKOUT_SESSION_ID}}"
        form = session_form(request, success, success, int(self.now()) + self.expiry_seconds)
        _, reply = await self.http.request("POST", SESSIONS_PATH, data=form, headers=self.headers)
        session_id, url = session_of(reply)
        return PaymentStart(self.name, session_id, url)

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        _, reply = await self.http.request(
            "GET", f"{SESSIONS_PATH}/{reference}", headers=self.headers
        )
        return check_of_session(reply)

    async def unsettled_references(self) -> list[str]:
        return []

    async def close(self) -> None:
        await self.http.close()


def gateway(settings: BotSettings, clock: Clock) -> StripeGateway | None:
    if settings.stripe_secret_key is None:
        return None
    return StripeGateway(
        settings.stripe_secret_key.get_secret_value(),
        settings.stripe_api_base,
        settings.base_url + RETURN_PATH,
        settings.payment_link_minutes,
        lambda: clock.now().timestamp(),
    )


def routes(settings: BotSettings, callbacks: Callbacks) -> list[web.RouteDef]:
    if settings.stripe_webhook_secret is None:
        raise ValueError("the Stripe gateway needs ISPBOT_STRIPE_WEBHOOK_SECRET")
    webhook_secret = settings.stripe_webhook_secret.get_secret_value()

    async def webhook(request: web.Request) -> web.Response:
        payload = await request.read()
        header = request.headers.get("Stripe-Signature", "")
        now = callbacks.services(request).clock.now().timestamp()
        if not signature_ok(payload, header, webhook_secret, now):
            log.warning("stripe event with a bad or stale signature refused")
            return web.json_response({"error": "bad signature"}, status=400)
        try:
            parsed = event_session(json.loads(payload))
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        if parsed is None:
            return web.json_response({"status": "ignored"})
        event_id, kind, session = parsed
        session_id = plain_reference(session.get("id"))
        if kind not in PAID_EVENTS | FAILED_EVENTS or session_id is None:
            return web.json_response({"status": "ignored"})
        # Claimed while it is recorded, marked handled after: an event whose process died in
        # between is recorded when Stripe delivers it again (the core applies an order once).
        key = f"stripe:event:{event_id}"
        claim = await callbacks.claim(key, settings.delivery_lease_seconds)
        if claim is Claim.DONE:
            return web.json_response({"status": "duplicate"})
        if claim is Claim.IN_FLIGHT:
            return web.json_response({"error": "being handled; try again"}, status=503)
        try:
            await callbacks.record(request, NAME, session_id, check_of_session(session))
        except DomainError as error:
            log.warning("stripe event %s refused: %s", event_id, error.code)
            await callbacks.settle(key, EVENT_TTL_SECONDS)
            return web.json_response({"status": "refused"})
        await callbacks.settle(key, EVENT_TTL_SECONDS)
        return web.json_response({"status": "ok"})

    async def returned(request: web.Request) -> web.Response:
        session_id = request.query.get("session_id", "")
        return await callbacks.return_page(request, NAME, session_id)

    return [web.post(WEBHOOK_PATH, webhook), web.get(RETURN_PATH, returned)]
