"""Midtrans Snap and its status API over HTTP (rules: core.billing.gateways.midtrans)."""

from __future__ import annotations

import base64
import secrets

from bot.adapters.payments_http import HttpClient
from core.billing.gateways import GatewayError, midtrans
from core.ports import PaymentCheck, PaymentRequest, PaymentStart

SNAP_PRODUCTION = "https://app.midtrans.com"
SNAP_SANDBOX = "https://app.sandbox.midtrans.com"
API_PRODUCTION = "https://api.midtrans.com"
API_SANDBOX = "https://api.sandbox.midtrans.com"


class MidtransGateway:
    name = midtrans.MIDTRANS

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
        body = midtrans.snap_body(request, order_id, self.finish_url, self.expiry_minutes)
        status, reply = await self.snap.request(
            "POST", midtrans.SNAP_PATH, json=body, headers=self.headers
        )
        if status != 201:
            raise GatewayError(f"Midtrans refused the transaction: HTTP {status} {reply!r}")
        return PaymentStart(self.name, order_id, midtrans.redirect_url_of(reply))

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        _, reply = await self.api.request("GET", f"/v2/{reference}/status", headers=self.headers)
        return midtrans.check_of_status(reply)

    async def unsettled_references(self) -> list[str]:
        return []

    async def close(self) -> None:
        await self.snap.close()
        await self.api.close()
