"""ZarinPal (REST v4): its wire format, its HTTP client and its callback, behind the payment port.

request.json → ``authority`` → the payer goes to StartPay/{authority} → ZarinPal sends the payer
back to our callback with ``?Authority=...&Status=OK|NOK`` → we **verify** with the amount of our
own order (never one from the request). Verify code 100 = paid now, 101 = paid and already
verified; any other code = not paid. ``unVerified.json`` lists payments made but not verified
(a callback that never came), which the reconciliation job verifies.

Settings: ``ISPBOT_ZARINPAL_MERCHANT_ID`` (the gateway exists when it is set), ``_SANDBOX``,
``_API_BASE``. Route: ``GET /payments/zarinpal/callback``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from bot.config import BotSettings
from bot.payments.common import Callbacks, HttpClient
from core.billing.gateways import ZARINPAL, GatewayError
from core.ports import Clock, PaymentCheck, PaymentRequest, PaymentStart, PaymentState

NAME = ZARINPAL
API_PRODUCTION = "https://payment.zarinpal.com"
API_SANDBOX = "https://sandbox.zarinpal.com"
CALLBACK_PATH = "/payments/zarinpal/callback"
REQUEST_PATH = "/pg/v4/payment/request.json"
VERIFY_PATH = "/pg/v4/payment/verify.json"
UNVERIFIED_PATH = "/pg/v4/payment/unVerified.json"
START_PAY_PATH = "/pg/StartPay/"
CODE_OK = 100
CODE_ALREADY_VERIFIED = 101
CURRENCY = "IRR"


def request_body(merchant_id: str, request: PaymentRequest, callback_url: str) -> dict[str, Any]:
    if request.currency != CURRENCY:
        raise GatewayError(f"ZarinPal takes IRR only, not {request.currency}")
    return {
        "merchant_id": merchant_id,
        "amount": request.amount,
        "currency": CURRENCY,
        "callback_url": callback_url,
        "description": request.description,
        "metadata": {"order_id": str(request.tracking_number)},
    }


def _data(reply: Any) -> Mapping[str, Any]:
    if not isinstance(reply, Mapping):
        raise GatewayError(f"ZarinPal answered {reply!r}")
    data = reply.get("data")
    # On an error ZarinPal sends "data": [] and the code in "errors".
    if not isinstance(data, Mapping) or not data:
        errors = reply.get("errors")
        code = errors.get("code") if isinstance(errors, Mapping) else errors
        return {"code": code}
    return data


def authority_of(reply: Any) -> str:
    """The authority of a successful request.json reply; GatewayError otherwise."""
    data = _data(reply)
    authority = data.get("authority")
    if data.get("code") != CODE_OK or not isinstance(authority, str) or not authority:
        raise GatewayError(f"ZarinPal refused the payment request: code {data.get('code')}")
    return authority


def start_pay_url(start_pay_base: str, authority: str) -> str:
    return f"{start_pay_base.rstrip('/')}{START_PAY_PATH}{authority}"


def verify_body(merchant_id: str, authority: str, amount: int) -> dict[str, Any]:
    return {"merchant_id": merchant_id, "amount": amount, "authority": authority}


def check_of_verify(reply: Any, amount: int) -> PaymentCheck:
    """100 and 101 mean paid: ZarinPal verified the payment *for the amount we sent* (a
    different amount is refused with code -50), so that amount is what was paid."""
    data = _data(reply)
    code = data.get("code")
    if code in (CODE_OK, CODE_ALREADY_VERIFIED):
        ref_id = data.get("ref_id")
        return PaymentCheck(
            PaymentState.PAID,
            amount=amount,
            currency=CURRENCY,
            receipt=str(ref_id) if ref_id is not None else None,
            detail=f"code {code}",
        )
    return PaymentCheck(PaymentState.FAILED, detail=f"code {code}")


def unverified_authorities(reply: Any) -> list[str]:
    data = _data(reply)
    if data.get("code") != CODE_OK:
        raise GatewayError(f"ZarinPal refused the unverified list: code {data.get('code')}")
    rows = data.get("authorities") or []
    return [
        str(row["authority"]) for row in rows if isinstance(row, Mapping) and "authority" in row
    ]


def callback_authority(query: Mapping[str, str]) -> str | None:
    """The authority a callback names. Its ``Status`` is not trusted: verify decides."""
    authority = query.get("Authority") or query.get("authority")
    return authority or None


class ZarinPalGateway:
    name = NAME

    def __init__(self, merchant_id: str, api_base: str, callback_url: str) -> None:
        self.merchant_id = merchant_id
        self.http = HttpClient(api_base)
        self.callback_url = callback_url

    async def start(self, request: PaymentRequest) -> PaymentStart:
        body = request_body(self.merchant_id, request, self.callback_url)
        _, reply = await self.http.request("POST", REQUEST_PATH, json=body)
        authority = authority_of(reply)
        return PaymentStart(self.name, authority, start_pay_url(self.http.base_url, authority))

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        body = verify_body(self.merchant_id, reference, amount)
        _, reply = await self.http.request("POST", VERIFY_PATH, json=body)
        return check_of_verify(reply, amount)

    async def unsettled_references(self) -> list[str]:
        body = {"merchant_id": self.merchant_id}
        _, reply = await self.http.request("POST", UNVERIFIED_PATH, json=body)
        return unverified_authorities(reply)

    async def close(self) -> None:
        await self.http.close()


def gateway(settings: BotSettings, clock: Clock) -> ZarinPalGateway | None:
    if settings.zarinpal_merchant_id is None:
        return None
    api = settings.zarinpal_api_base or (
        API_SANDBOX if settings.zarinpal_sandbox else API_PRODUCTION
    )
    return ZarinPalGateway(
        settings.zarinpal_merchant_id.get_secret_value(), api, settings.base_url + CALLBACK_PATH
    )


def routes(settings: BotSettings, callbacks: Callbacks) -> list[web.RouteDef]:
    """The payer's browser comes back with ``?Authority=...&Status=OK|NOK``. The callback is not
    believed: the payment is verified with ZarinPal for our order's own amount."""

    async def callback(request: web.Request) -> web.Response:
        authority = callback_authority(request.query)
        return await callbacks.return_page(request, NAME, authority)

    return [web.get(CALLBACK_PATH, callback)]
