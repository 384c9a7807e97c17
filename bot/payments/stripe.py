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
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.config import BotSettings
from bot.dialogs.state import Claim
from bot.payments.common import Callbacks, HttpClient, plain_reference
from bot.payments.pages import card_page
from core.billing.gateways import STRIPE, GatewayError
from core.billing.saved_cards import SetupOutcome
from core.errors import DomainError
from core.ports import (
    CardSetupCheck,
    CardSetupStart,
    Clock,
    PaymentCheck,
    PaymentRequest,
    PaymentStart,
    PaymentState,
    SavedCardCharge,
    SavedCardResult,
)

log = logging.getLogger(__name__)

NAME = STRIPE
WEBHOOK_PATH = "/payments/stripe/webhook"
RETURN_PATH = "/payments/stripe/return"
# How long event ids are remembered: Stripe retries an event for up to three days.
EVENT_TTL_SECONDS = 4 * 24 * 3600
SESSIONS_PATH = "/v1/checkout/sessions"
CUSTOMERS_PATH = "/v1/customers"
SETUP_INTENTS_PATH = "/v1/setup_intents"
PAYMENT_INTENTS_PATH = "/v1/payment_intents"
# Pages of a customer's payments read when looking for one charge (100 a page).
LIST_PAGES = 10
PAYMENT_METHODS_PATH = "/v1/payment_methods"
# A payment made without the subscriber (a saved card's) is named by its PaymentIntent.
INTENT_PREFIX = "pi_"
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


def setup_session_form(
    customer: str, currency: str, subscriber_id: int, return_url: str, expires_at: int
) -> list[tuple[str, str]]:
    """Checkout in setup mode: the card the subscriber enters is attached to ``customer`` for
    payments made later without them; ``currency`` chooses the payment methods offered."""
    return [
        ("mode", "setup"),
        ("customer", customer),
        ("currency", currency.lower()),
        ("payment_method_types[0]", "card"),
        ("metadata[subscriber_id]", str(subscriber_id)),
        ("success_url", return_url),
        ("cancel_url", return_url),
        ("expires_at", str(expires_at)),
    ]


def intent_form(charge: SavedCardCharge) -> list[tuple[str, str]]:
    """A PaymentIntent confirmed at once, off session: the saved card is charged now, or the
    request is refused (declined, or the bank wants the cardholder present)."""
    return [
        ("amount", str(charge.amount)),
        ("currency", charge.currency.lower()),
        ("customer", charge.customer),
        ("payment_method", charge.method),
        ("payment_method_types[0]", "card"),
        ("off_session", "true"),
        ("confirm", "true"),
        ("description", charge.description),
        ("metadata[tracking_number]", str(charge.tracking_number)),
    ]


def check_of_intent(intent: Any) -> PaymentCheck:
    if not isinstance(intent, Mapping) or not isinstance(intent.get("status"), str):
        raise GatewayError(f"Stripe answered {intent!r}")
    status = intent["status"]
    if status == "succeeded":
        amount = intent.get("amount_received")
        currency = intent.get("currency")
        intent_id = intent.get("id")
        metadata = intent.get("metadata")
        named = metadata.get("tracking_number") if isinstance(metadata, Mapping) else None
        return PaymentCheck(
            PaymentState.PAID,
            amount=amount if isinstance(amount, int) else None,
            currency=currency.upper() if isinstance(currency, str) else None,
            receipt=intent_id if isinstance(intent_id, str) else None,
            detail=status,
            tracking_number=named if isinstance(named, str) else None,
        )
    if status in ("canceled", "requires_payment_method"):
        return PaymentCheck(PaymentState.FAILED, detail=status)
    return PaymentCheck(PaymentState.PENDING, detail=status)


# Stripe's answers that may change when the same request is sent again: a request with the
# same idempotency key still in flight (409), too many requests (429).
TEMPORARY_STATUSES = frozenset({409, 429})


def charge_result(status: int, reply: Any) -> SavedCardResult:
    """A created PaymentIntent (200), or Stripe's refusal of the card (402, a card_error
    naming the PaymentIntent it left, or another 4xx: the request itself refused, say a card
    detached at Stripe, which sending again does not change); GatewayError for anything
    temporary (409, 429, 5xx, an idempotency key's first request sent otherwise)."""
    if not isinstance(reply, Mapping):
        raise GatewayError(f"Stripe answered {reply!r}")
    error = reply.get("error")
    if (
        400 <= status < 500
        and status != 402
        and status not in TEMPORARY_STATUSES
        and isinstance(error, Mapping)
        and error.get("type") != "idempotency_error"
    ):
        code = error.get("code")
        return SavedCardResult(
            PaymentState.FAILED, code=code if isinstance(code, str) else f"http_{status}"
        )
    if status == 402 and isinstance(error, Mapping):
        intent = error.get("payment_intent")
        intent_id = intent.get("id") if isinstance(intent, Mapping) else None
        code = error.get("code")
        return SavedCardResult(
            PaymentState.FAILED,
            reference=plain_reference(intent_id),
            code=code if isinstance(code, str) else "card_declined",
        )
    intent_id = plain_reference(reply.get("id"))
    if status != 200 or intent_id is None:
        raise GatewayError(f"Stripe refused the payment: HTTP {status} {error!r}")
    check = check_of_intent(reply)
    return SavedCardResult(check.state, reference=intent_id, code=check.detail)


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
        if reference.startswith(INTENT_PREFIX):
            _, reply = await self.http.request(
                "GET", f"{PAYMENT_INTENTS_PATH}/{reference}", headers=self.headers
            )
            return check_of_intent(reply)
        _, reply = await self.http.request(
            "GET", f"{SESSIONS_PATH}/{reference}", headers=self.headers
        )
        return check_of_session(reply)

    # ---- saved cards (automatic renewals) -----------------------------------------------

    async def start_card_setup(
        self, subscriber_id: int, currency: str, customer: str | None
    ) -> CardSetupStart:
        if customer is None:
            form = [("metadata[subscriber_id]", str(subscriber_id))]
            _, reply = await self.http.request(
                "POST", CUSTOMERS_PATH, data=form, headers=self.headers
            )
            customer = plain_reference(reply.get("id") if isinstance(reply, Mapping) else None)
            if customer is None:
                raise GatewayError(f"Stripe refused the customer: {reply!r}")
        back = f"{self.return_url}?session_id={{CHECKOUT_SESSION_ID}}"
        expires = int(self.now()) + self.expiry_seconds
        form = setup_session_form(customer, currency, subscriber_id, back, expires)
        _, reply = await self.http.request("POST", SESSIONS_PATH, data=form, headers=self.headers)
        session_id, url = session_of(reply)
        return CardSetupStart(customer, session_id, url)

    async def check_card_setup(self, reference: str) -> CardSetupCheck:
        _, session = await self.http.request(
            "GET", f"{SESSIONS_PATH}/{reference}", headers=self.headers
        )
        if not isinstance(session, Mapping) or session.get("mode") != "setup":
            raise GatewayError(f"Stripe answered {session!r}")
        if session.get("status") == "expired":
            return CardSetupCheck(PaymentState.FAILED, detail="expired")
        setup_id = plain_reference(session.get("setup_intent"))
        if session.get("status") != "complete" or setup_id is None:
            return CardSetupCheck(PaymentState.PENDING, detail=str(session.get("status")))
        _, intent = await self.http.request(
            "GET", f"{SETUP_INTENTS_PATH}/{setup_id}", headers=self.headers
        )
        if not isinstance(intent, Mapping):
            raise GatewayError(f"Stripe answered {intent!r}")
        status = str(intent.get("status"))
        if status != "succeeded":
            failed = status in ("canceled", "requires_payment_method")
            state = PaymentState.FAILED if failed else PaymentState.PENDING
            return CardSetupCheck(state, detail=status)
        return CardSetupCheck(
            PaymentState.PAID,
            customer=plain_reference(intent.get("customer")),
            method=plain_reference(intent.get("payment_method")),
            detail=status,
        )

    async def charge_saved_card(self, charge: SavedCardCharge) -> SavedCardResult:
        headers = {**self.headers, "Idempotency-Key": charge.idempotency_key}
        status, reply = await self.http.request(
            "POST", PAYMENT_INTENTS_PATH, data=intent_form(charge), headers=headers
        )
        return charge_result(status, reply)

    async def find_card_charge(
        self, tracking_number: int, customer: str, since: datetime
    ) -> str | None:
        # The customer's PaymentIntents list, not search: a list is read from Stripe's own
        # records (search may lag an hour). Every charge carries the order's number in its
        # metadata (intent_form).
        params = {
            "customer": customer,
            "created[gte]": str(int(since.timestamp())),
            "limit": "100",
        }
        for _ in range(LIST_PAGES):
            status, reply = await self.http.request(
                "GET", PAYMENT_INTENTS_PATH, params=params, headers=self.headers
            )
            found = reply.get("data") if isinstance(reply, Mapping) else None
            if status != 200 or not isinstance(found, list):
                raise GatewayError(f"Stripe's list answered HTTP {status} {reply!r}")
            last = None
            for intent in found:
                if not isinstance(intent, Mapping):
                    continue
                last = plain_reference(intent.get("id"))
                metadata = intent.get("metadata")
                if (
                    last is not None
                    and isinstance(metadata, Mapping)
                    and metadata.get("tracking_number") == str(int(tracking_number))
                ):
                    return last
            if not reply.get("has_more") or last is None:
                return None
            params["starting_after"] = last
        raise GatewayError(f"Stripe lists too many payments of {customer} to read")

    async def forget_card(self, method: str) -> None:
        status, reply = await self.http.request(
            "POST", f"{PAYMENT_METHODS_PATH}/{method}/detach", headers=self.headers
        )
        if status != 200:
            raise GatewayError(f"Stripe did not detach {method}: HTTP {status} {reply!r}")

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
        if session.get("mode") == "setup" and session_id is not None:
            return await card_saved(request, session_id)
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

    async def card_saved(request: web.Request, session_id: str) -> web.Response:
        """A card-saving page completed: the core asks Stripe (the event is only the cue), so
        a repeated event changes nothing."""
        try:
            await callbacks.services(request).saved_cards.confirm_setup(NAME, session_id)
        except GatewayError as error:
            log.warning("stripe card setup %s not checked: %s", session_id, error)
            return web.json_response({"error": "try again"}, status=503)
        return web.json_response({"status": "ok"})

    async def returned(request: web.Request) -> web.Response:
        session_id = request.query.get("session_id", "")
        reference = plain_reference(session_id)
        if reference is not None:
            services = callbacks.services(request)
            try:
                saved = await services.saved_cards.confirm_setup(NAME, reference)
            except GatewayError as error:
                log.warning("stripe card setup %s not checked: %s", reference, error)
                subscriber = await services.saved_cards.setup_owner(NAME, reference)
                saved = (subscriber, SetupOutcome.PENDING) if subscriber is not None else None
            if saved is not None:
                return await card_page(request, services, saved[0], saved[1].value)
        return await callbacks.return_page(request, NAME, session_id)

    return [web.post(WEBHOOK_PATH, webhook), web.get(RETURN_PATH, returned)]
