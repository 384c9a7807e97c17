"""Midtrans Snap: its wire format, signature, HTTP client and callbacks, behind the payment port.

A Snap transaction (``POST /snap/v1/transactions``, Basic auth with the server key) returns a
``redirect_url``. Midtrans then POSTs an HTTP notification to us. It is accepted only if its
``signature_key`` is SHA-512(order_id + status_code + gross_amount + server_key); even then its
status is not believed: we ask the status API (``GET /v2/{order_id}/status``) and act on that.
settlement, or capture with fraud_status accept = paid; expire, cancel, deny, failure = failed.
Midtrans retries a notification that did not get HTTP 200, so 200 answers everything we are done
with, including refusals (logged).

Settings: ``ISPBOT_MIDTRANS_SERVER_KEY`` (the gateway exists when it is set), ``_SANDBOX``,
``_SNAP_BASE``, ``_API_BASE``. Routes: ``POST /payments/midtrans/notification`` (server to
server) and ``GET /payments/midtrans/finish`` (the payer's browser).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from bot.config import BotSettings
from bot.payments.common import Callbacks, HttpClient, plain_reference
from core.billing.gateways import MIDTRANS, GatewayError
from core.errors import DomainError
from core.ports import Clock, PaymentCheck, PaymentRequest, PaymentStart, PaymentState

log = logging.getLogger(__name__)

NAME = MIDTRANS
SNAP_PRODUCTION = "https://app.midtrans.com"
SNAP_SANDBOX = "https://app.sandbox.midtrans.com"
API_PRODUCTION = "https://api.midtrans.com"
API_SANDBOX = "https://api.sandbox.midtrans.com"
NOTIFICATION_PATH = "/payments/midtrans/notification"
FINISH_PATH = "/payments/midtrans/finish"
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
    if len(texts) != len(fields) or plain_reference(texts[0]) is None:
        return False
    if not all(text.isascii() for text in texts):
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


class MidtransGateway:
    name = NAME

    def __init__(
        self,
        server_key: str,
        snap_base: str,
        api_base: str,
        finish_url: str,
        expiry_minutes: int,
    ) -> None:
        self.server_key = server_key
        self.snap = HttpClient(snap_base)
        self.api = HttpClient(api_base)
        self.finish_url = finish_url
        self.expiry_minutes = expiry_minutes
        # Midtrans' Basic auth: the server key as user name, no password.
        token = base64.b64encode(f"{server_key}:".encode()).decode()
        self.headers = {"Authorization": f"Basic {token}", "Accept": "application/json"}

    async def start(self, request: PaymentRequest) -> PaymentStart:
        # Midtrans wants an order id never used before in the account: ours plus a random tail.
        order_id = f"{request.tracking_number}-{secrets.token_hex(4)}"
        body = snap_body(request, order_id, self.finish_url, self.expiry_minutes)
        status, reply = await self.snap.request("POST", SNAP_PATH, json=body, headers=self.headers)
        if status != 201:
            raise GatewayError(f"Midtrans refused the transaction: HTTP {status} {reply!r}")
        return PaymentStart(self.name, order_id, redirect_url_of(reply))

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        _, reply = await self.api.request("GET", f"/v2/{reference}/status", headers=self.headers)
        return check_of_status(reply)

    async def unsettled_references(self) -> list[str]:
        return []

    async def close(self) -> None:
        await self.snap.close()
        await self.api.close()


def gateway(settings: BotSettings, clock: Clock) -> MidtransGateway | None:
    if settings.midtrans_server_key is None:
        return None
    sandboxed = settings.midtrans_sandbox
    return MidtransGateway(
        settings.midtrans_server_key.get_secret_value(),
        settings.midtrans_snap_base or (SNAP_SANDBOX if sandboxed else SNAP_PRODUCTION),
        settings.midtrans_api_base or (API_SANDBOX if sandboxed else API_PRODUCTION),
        settings.base_url + FINISH_PATH,
        settings.payment_link_minutes,
    )


def routes(settings: BotSettings, callbacks: Callbacks) -> list[web.RouteDef]:
    if settings.midtrans_server_key is None:
        raise ValueError("the Midtrans gateway needs ISPBOT_MIDTRANS_SERVER_KEY")
    server_key = settings.midtrans_server_key.get_secret_value()

    async def notification(request: web.Request) -> web.Response:
        try:
            payload = await request.json()
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        if not notification_is_signed(payload, server_key):
            log.warning("midtrans notification with a bad signature refused")
            return web.json_response({"error": "bad signature"}, status=403)
        order_id = payload["order_id"]
        try:
            await callbacks.check(request, NAME, order_id)
        except GatewayError as error:
            log.warning("midtrans status of %s failed: %s", order_id, error)
            return web.json_response({"error": "try again"}, status=503)
        except DomainError as error:
            log.warning("midtrans payment %s refused: %s", order_id, error.code)
            return web.json_response({"status": "refused"})
        return web.json_response({"status": "ok"})

    async def finish(request: web.Request) -> web.Response:
        order_id = request.query.get("order_id", "")
        return await callbacks.return_page(request, NAME, order_id)

    return [web.post(NOTIFICATION_PATH, notification), web.get(FINISH_PATH, finish)]
