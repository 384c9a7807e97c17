"""ZarinPal REST v4 over HTTP, behind the payment port (rules: core.billing.gateways.zarinpal)."""

from __future__ import annotations

from bot.adapters.payments_http import HttpClient
from core.billing.gateways import zarinpal
from core.ports import PaymentCheck, PaymentRequest, PaymentStart

PRODUCTION = "https://payment.zarinpal.com"
SANDBOX = "https://sandbox.zarinpal.com"


class ZarinPalGateway:
    name = zarinpal.ZARINPAL

    def __init__(self, merchant_id: str, api_base: str, callback_url: str) -> None:
        self.merchant_id = merchant_id
        self.http = HttpClient(api_base)
        self.callback_url = callback_url

    async def start(self, request: PaymentRequest) -> PaymentStart:
        body = zarinpal.request_body(self.merchant_id, request, self.callback_url)
        _, reply = await self.http.request("POST", zarinpal.REQUEST_PATH, json=body)
        authority = zarinpal.authority_of(reply)
        return PaymentStart(
            self.name, authority, zarinpal.start_pay_url(self.http.base_url, authority)
        )

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        body = zarinpal.verify_body(self.merchant_id, reference, amount)
        _, reply = await self.http.request("POST", zarinpal.VERIFY_PATH, json=body)
        return zarinpal.check_of_verify(reply, amount)

    async def unsettled_references(self) -> list[str]:
        body = {"merchant_id": self.merchant_id}
        _, reply = await self.http.request("POST", zarinpal.UNVERIFIED_PATH, json=body)
        return zarinpal.unverified_authorities(reply)

    async def close(self) -> None:
        await self.http.close()
