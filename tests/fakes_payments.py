"""Local HTTP servers that speak the payment providers' public APIs, as far as ispbot uses them.

Each keeps what a provider keeps (payments, their status) and builds its callbacks the way the
provider does. A test drives the "payer" through methods (``pay``, ``settle``, ``complete``) and
sends the resulting callback to the app; the adapters reach these servers over real HTTP.

- ZarinPal v4: request.json, verify.json (100 the first time, 101 after, -50 for another amount,
  -51 when not paid), unVerified.json; the callback is GET ?Authority=..&Status=OK|NOK.
- Midtrans: Snap transactions (Basic auth with the server key), GET /v2/{order_id}/status, and
  HTTP notifications signed SHA-512(order_id + status_code + gross_amount + server_key).
- Stripe: Checkout Sessions (form-encoded, Bearer key) and events signed in Stripe-Signature;
  for saved cards, Customers, Checkout in setup mode and its SetupIntents, PaymentIntents
  confirmed off session (Idempotency-Key honoured: a repeated key answers the first answer;
  a card that declines or needs authentication answers 402 with the card_error) and
  PaymentMethod detach.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.payments.stripe import signature_header


@asynccontextmanager
async def serving(app: web.Application) -> AsyncIterator[str]:
    server = TestServer(app)
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


# ---------------------------------------------------------------------------------- ZarinPal


@dataclass
class ZarinPalPayment:
    amount: int
    callback_url: str
    paid: bool = False
    verified: bool = False
    ref_id: int = 0


@dataclass
class FakeZarinPal:
    merchant_id: str = "1344b5d4-0048-11e8-94db-005056a205be"
    payments: dict[str, ZarinPalPayment] = field(default_factory=dict)
    verify_calls: int = 0
    base_url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/pg/v4/payment/request.json", self._request)
        app.router.add_post("/pg/v4/payment/verify.json", self._verify)
        app.router.add_post("/pg/v4/payment/unVerified.json", self._unverified)
        return app

    @staticmethod
    def _error(code: int, message: str) -> web.Response:
        return web.json_response({"data": [], "errors": {"code": code, "message": message}})

    @staticmethod
    def _ok(**data: Any) -> web.Response:
        return web.json_response({"data": data, "errors": []})

    async def _request(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("merchant_id") != self.merchant_id:
            return self._error(-9, "The input params invalid, validation error.")
        if not isinstance(body.get("amount"), int) or body["amount"] < 1000:
            return self._error(-9, "The amount must be at least 1000 rials.")
        authority = "A" + secrets.token_hex(18)[:35]
        self.payments[authority] = ZarinPalPayment(body["amount"], body["callback_url"])
        return self._ok(
            code=100, message="Success", authority=authority, fee_type="Merchant", fee=0
        )

    async def _verify(self, request: web.Request) -> web.Response:
        self.verify_calls += 1
        body = await request.json()
        if body.get("merchant_id") != self.merchant_id:
            return self._error(-9, "The input params invalid, validation error.")
        payment = self.payments.get(body.get("authority", ""))
        if payment is None:
            return self._error(-54, "Invalid authority.")
        if body.get("amount") != payment.amount:
            return self._error(-50, "Session is not valid, amounts values is not the same.")
        if not payment.paid:
            return self._error(-51, "Session is not valid, session is not active paid try.")
        card = {"card_hash": "1EBE3EBEBE35C7EC0F8D6EE4F2F859107A87822CA179BC9528767EA7B5489B69",
                "card_pan": "502229******5995", "fee_type": "Merchant", "fee": 0}  # fmt: skip
        if payment.verified:
            return self._ok(code=101, message="Verified", ref_id=payment.ref_id, **card)
        payment.verified = True
        payment.ref_id = 200_000 + len(self.payments) * 7
        return self._ok(code=100, message="Paid", ref_id=payment.ref_id, **card)

    async def _unverified(self, request: web.Request) -> web.Response:
        body = await request.json()
        if body.get("merchant_id") != self.merchant_id:
            return self._error(-9, "The input params invalid, validation error.")
        rows = [
            {"authority": a, "amount": p.amount, "callback_url": p.callback_url,
             "referer": "", "date": "2026-11-24 10:31:00"}
            for a, p in self.payments.items() if p.paid and not p.verified
        ]  # fmt: skip
        return self._ok(code=100, message="Success", authorities=rows)

    def pay(self, authority: str, ok: bool = True) -> str:
        """The payer pays (or gives up) at the bank; returns the callback URL ZarinPal sends
        the browser to."""
        payment = self.payments[authority]
        payment.paid = payment.paid or ok
        query = urlencode({"Authority": authority, "Status": "OK" if ok else "NOK"})
        return f"{payment.callback_url}?{query}"


# ---------------------------------------------------------------------------------- Midtrans


@dataclass
class MidtransTransaction:
    gross_amount: int
    finish_url: str
    status: str = "pending"
    fraud_status: str = "accept"
    transaction_id: str = field(default_factory=lambda: secrets.token_hex(8))


@dataclass
class FakeMidtrans:
    server_key: str = "SB-Mid-server-TEST0123456789"
    merchant_id: str = "G141532850"
    transactions: dict[str, MidtransTransaction] = field(default_factory=dict)
    status_calls: int = 0
    base_url: str = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/snap/v1/transactions", self._snap)
        app.router.add_get("/v2/{order_id}/status", self._status)
        return app

    def _authorised(self, request: web.Request) -> bool:
        expected = base64.b64encode(f"{self.server_key}:".encode()).decode()
        return request.headers.get("Authorization") == f"Basic {expected}"

    async def _snap(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response(
                {"error_messages": ["Access denied due to unauthorized transaction"]}, status=401
            )
        body = await request.json()
        details = body["transaction_details"]
        order_id = details["order_id"]
        if order_id in self.transactions:
            return web.json_response(
                {"error_messages": ["transaction_details.order_id has already been taken"]},
                status=400,
            )
        self.transactions[order_id] = MidtransTransaction(
            details["gross_amount"], body["callbacks"]["finish"]
        )
        token = secrets.token_hex(16)
        return web.json_response(
            {"token": token, "redirect_url": f"{self.base_url}/snap/v4/redirection/{token}"},
            status=201,
        )

    def _fields(self, order_id: str) -> dict[str, Any]:
        tx = self.transactions[order_id]
        code = {"settlement": "200", "capture": "200", "pending": "201"}.get(tx.status, "407")
        return {
            "transaction_time": "2026-11-24 14:01:00",
            "transaction_status": tx.status,
            "transaction_id": tx.transaction_id,
            "status_message": "midtrans payment notification",
            "status_code": code,
            "payment_type": "bank_transfer",
            "order_id": order_id,
            "merchant_id": self.merchant_id,
            "gross_amount": f"{tx.gross_amount}.00",
            "fraud_status": tx.fraud_status,
            "currency": "IDR",
        }

    async def _status(self, request: web.Request) -> web.Response:
        self.status_calls += 1
        if not self._authorised(request):
            return web.json_response({"status_code": "401"}, status=401)
        order_id = request.match_info["order_id"]
        if order_id not in self.transactions:
            return web.json_response(
                {"status_code": "404", "status_message": "Transaction doesn't exist."}
            )
        return web.json_response(self._fields(order_id))

    def set_status(self, order_id: str, status: str, fraud_status: str = "accept") -> None:
        tx = self.transactions[order_id]
        tx.status, tx.fraud_status = status, fraud_status

    def notification(self, order_id: str, *, server_key: str | None = None) -> dict[str, Any]:
        """The HTTP notification Midtrans POSTs, signed as Midtrans signs it (``server_key``
        other than ours plays a forger)."""
        fields = self._fields(order_id)
        text = (
            fields["order_id"]
            + fields["status_code"]
            + fields["gross_amount"]
            + (server_key or self.server_key)
        )
        fields["signature_key"] = hashlib.sha512(text.encode()).hexdigest()
        return fields


# ---------------------------------------------------------------------------------- Stripe


def _unflatten(form: dict[str, str]) -> dict[str, Any]:
    """Stripe's form encoding (``a[b][0][c]=v``) back into nested dicts."""
    out: dict[str, Any] = {}
    for key, value in form.items():
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


# How a saved card behaves when charged off session (Stripe's test cards do the same).
CARD_OK, CARD_DECLINES, CARD_NEEDS_AUTHENTICATION = "ok", "card_declined", "authentication_required"


@dataclass
class FakeStripe:
    secret_key: str = "sk_test_51Nfake"
    webhook_secret: str = "whsec_fake_0123456789"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    setup_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # payment method id -> {"customer": ..., "behaviour": CARD_*}
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Idempotency-Key -> (the request's form, HTTP status, body) of the first request with it.
    idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    intent_requests: int = 0
    # Payment intent requests answered with an outage (HTTP 503, not JSON) before it recovers.
    intents_down: int = 0
    # Payment intent requests carried out (the card charged) whose answer is then lost: the
    # connection is dropped before any answer.
    intents_lost: int = 0
    # Stripe's search index lags (up to an hour): search finds nothing; lists still do.
    search_lags: bool = False
    # Seconds a card's detach request waits before it is answered (a provider that stalls).
    detach_stall: float = 0.0
    # Awaited while a checkout session is retrieved (a test's way into that moment).
    on_retrieve: Callable[[], Awaitable[None]] | None = None
    base_url: str = ""
    # Stripe's time, stamped on the payments it makes (a test gives the app's clock).
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/checkout/sessions", self._create)
        app.router.add_get("/v1/checkout/sessions/{id}", self._retrieve)
        app.router.add_post("/v1/customers", self._customer)
        app.router.add_get("/v1/setup_intents/{id}", self._setup_intent)
        app.router.add_post("/v1/payment_intents", self._payment_intent)
        app.router.add_get("/v1/payment_intents", self._list_payment_intents)
        app.router.add_get("/v1/payment_intents/search", self._search_payment_intents)
        app.router.add_get("/v1/payment_intents/{id}", self._get_payment_intent)
        app.router.add_post("/v1/payment_methods/{id}/detach", self._detach)
        return app

    @staticmethod
    def _missing(what: str) -> web.Response:
        error = {"type": "invalid_request_error", "code": "resource_missing", "message": what}
        return web.json_response({"error": error}, status=404)

    async def _customer(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        form = _unflatten(dict(await request.post()))  # type: ignore[arg-type]
        customer = {"id": "cus_" + secrets.token_hex(7), "object": "customer",
                    "metadata": form.get("metadata", {})}  # fmt: skip
        self.customers[customer["id"]] = customer
        return web.json_response(customer)

    async def _setup_intent(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        intent = self.setup_intents.get(request.match_info["id"])
        return web.json_response(intent) if intent else self._missing("no such setup_intent")

    async def _payment_intent(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        if self.intents_down > 0:
            self.intents_down -= 1
            return web.Response(status=503, text="upstream connect error")
        form = _unflatten(dict(await request.post()))  # type: ignore[arg-type]
        # From here to the end nothing awaits: requests sharing a key, even at once, get one
        # intent between them.
        key = request.headers.get("Idempotency-Key")
        if key is not None and key in self.idempotent:
            first, status, body = self.idempotent[key]
            if first != form:
                error = {"type": "idempotency_error",
                         "message": "Keys for idempotent requests can only be used with the "
                         "same parameters they were first used with."}  # fmt: skip
                return web.json_response({"error": error}, status=400)
        else:
            self.intent_requests += 1
            status, body = self._confirm_off_session(form)
            if key is not None:
                self.idempotent[key] = (form, status, body)
        if self.intents_lost > 0:
            self.intents_lost -= 1
            assert request.transport is not None
            request.transport.close()
        return web.json_response(body, status=status)

    async def _search_payment_intents(self, request: web.Request) -> web.Response:
        """Stripe's search, for the one query the gateway makes (by the order's number)."""
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        query = request.query.get("query", "")
        if self.search_lags:
            return web.json_response({"object": "search_result", "data": [], "has_more": False})
        found = [
            intent
            for intent in self.payment_intents.values()
            if query == f"metadata['tracking_number']:'{intent['metadata'].get('tracking_number')}'"
        ]
        return web.json_response({"object": "search_result", "data": found, "has_more": False})

    async def _list_payment_intents(self, request: web.Request) -> web.Response:
        """Stripe's list, newest first, by customer and creation time, paged by
        ``starting_after`` (read from Stripe's records: never lags)."""
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        query = request.query
        since = int(query.get("created[gte]", "0"))
        limit = min(int(query.get("limit", "10")), 100)
        listed = [
            intent
            for intent in reversed(self.payment_intents.values())
            if intent["customer"] == query.get("customer", intent["customer"])
            and intent["created"] >= since
        ]
        after = query.get("starting_after")
        if after is not None:
            ids = [intent["id"] for intent in listed]
            listed = listed[ids.index(after) + 1 :] if after in ids else []
        page = listed[:limit]
        return web.json_response({"object": "list", "data": page, "has_more": len(listed) > limit})

    def forget_idempotency_keys(self) -> None:
        """A day has passed: Stripe no longer knows the keys, a request is charged anew."""
        self.idempotent.clear()

    def _confirm_off_session(self, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        method = self.payment_methods.get(form.get("payment_method", ""))
        if method is None or method["customer"] != form.get("customer"):
            error = {"type": "invalid_request_error", "code": "resource_missing",
                     "message": "No such PaymentMethod for this customer"}  # fmt: skip
            return 400, {"error": error}
        if form.get("off_session") != "true" or form.get("confirm") != "true":
            return 400, {"error": {"type": "invalid_request_error", "code": "parameter_missing"}}
        intent = {
            "id": "pi_" + secrets.token_hex(10),
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "amount_received": 0,
            "currency": form["currency"],
            "customer": form["customer"],
            "payment_method": form["payment_method"],
            "metadata": form.get("metadata", {}),
            "created": int(self.now().timestamp()),
            "status": "requires_payment_method",
        }
        self.payment_intents[intent["id"]] = intent
        behaviour = method["behaviour"]
        if behaviour == CARD_OK:
            intent.update(status="succeeded", amount_received=intent["amount"])
            return 200, dict(intent)
        error = {
            "type": "card_error",
            "code": behaviour,
            "message": "Your card was declined."
            if behaviour == CARD_DECLINES
            else "This payment requires authentication.",
            "payment_intent": dict(intent),
        }
        if behaviour == CARD_DECLINES:
            error["decline_code"] = "insufficient_funds"
        return 402, {"error": error}

    async def _get_payment_intent(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        intent = self.payment_intents.get(request.match_info["id"])
        return web.json_response(intent) if intent else self._missing("no such payment_intent")

    async def _detach(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        if self.detach_stall:
            await asyncio.sleep(self.detach_stall)
        method = self.payment_methods.get(request.match_info["id"])
        if method is None:
            return self._missing("no such payment_method")
        method["customer"] = None
        return web.json_response({"id": request.match_info["id"], "customer": None})

    def complete_setup(self, session_id: str, behaviour: str = CARD_OK) -> str:
        """The subscriber enters a card on the setup page; returns its payment method id."""
        session = self.sessions[session_id]
        method = "pm_" + secrets.token_hex(10)
        self.payment_methods[method] = {"customer": session["customer"], "behaviour": behaviour}
        intent = self.setup_intents[session["setup_intent"]]
        intent.update(status="succeeded", payment_method=method)
        session.update(status="complete")
        return method

    def _authorised(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.secret_key}"

    async def _create(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        form = _unflatten(dict(await request.post()))  # type: ignore[arg-type]
        session_id = "cs_test_" + secrets.token_hex(12)
        if form["mode"] == "setup":
            return self._setup_session(session_id, form)
        item = form["line_items"]["0"]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form["mode"],
            "url": f"{self.base_url}/c/pay/{session_id}",
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item["quantity"]),
            "currency": item["price_data"]["currency"],
            "client_reference_id": form.get("client_reference_id"),
            "metadata": form.get("metadata", {}),
            "success_url": form["success_url"],
            "expires_at": int(form["expires_at"]),
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
        }
        self.sessions[session_id] = session
        return web.json_response(session)

    def _setup_session(self, session_id: str, form: dict[str, Any]) -> web.Response:
        if form.get("customer") not in self.customers or not form.get("currency"):
            error = {"type": "invalid_request_error", "code": "parameter_missing"}
            return web.json_response({"error": error}, status=400)
        intent = {"id": "seti_" + secrets.token_hex(10), "object": "setup_intent",
                  "customer": form["customer"], "payment_method": None,
                  "status": "requires_payment_method", "usage": "off_session"}  # fmt: skip
        self.setup_intents[intent["id"]] = intent
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": "setup",
            "url": f"{self.base_url}/c/setup/{session_id}",
            "customer": form["customer"],
            "currency": form["currency"],
            "metadata": form.get("metadata", {}),
            "success_url": form["success_url"],
            "expires_at": int(form["expires_at"]),
            "setup_intent": intent["id"],
            "payment_intent": None,
            "payment_status": "no_payment_required",
            "status": "open",
        }
        self.sessions[session_id] = session
        return web.json_response(session)

    async def _retrieve(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"error": {"type": "invalid_request_error"}}, status=401)
        session = self.sessions.get(request.match_info["id"])
        if session is None:
            return web.json_response({"error": {"code": "resource_missing"}}, status=404)
        answer = dict(session)
        if self.on_retrieve is not None:
            await self.on_retrieve()
        return web.json_response(answer)

    def complete(self, session_id: str) -> None:
        """The payer pays on Stripe's Checkout page."""
        session = self.sessions[session_id]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent="pi_" + secrets.token_hex(10),
        )

    def event(
        self,
        session_id: str,
        at: int,
        kind: str = "checkout.session.completed",
        *,
        secret: str | None = None,
        event_id: str | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook delivery: the raw body and its Stripe-Signature header, signed at ``at``."""
        event = {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "type": kind,
            "created": at,
            "data": {"object": dict(self.sessions[session_id])},
        }
        payload = json.dumps(event).encode()
        header = signature_header(payload, secret or self.webhook_secret, at)
        return payload, {"Stripe-Signature": header, "Content-Type": "application/json"}
