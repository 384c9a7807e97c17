"""ZarinPal (REST v4): the rules, without HTTP.

request.json → ``authority`` → the payer goes to StartPay/{authority} → ZarinPal sends the payer
back to our callback with ``?Authority=...&Status=OK|NOK`` → we **verify** with the amount of our
own order (never one from the request). Verify code 100 = paid now, 101 = paid and already
verified; any other code = not paid. ``unVerified.json`` lists payments made but not verified
(a callback that never came), which the reconciliation job verifies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.billing.gateways import GatewayError
from core.ports import PaymentCheck, PaymentRequest, PaymentState

ZARINPAL = "zarinpal"
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
