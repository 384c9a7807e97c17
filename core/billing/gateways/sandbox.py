"""The demo's payment gateway: a local pay page instead of a bank.

``start()`` only invents a reference and a link; nothing leaves the process, so the core's demo
(core/demo.py) pays with it too. The web layer (bot/payments/sandbox.py) serves
``{base_url}/payments/sandbox/pay/{reference}``, finds the order by (gateway "sandbox", reference),
and on "pay" calls ``Billing.confirm_payment(tracking, "sandbox", reference, amount)`` (on
"cancel", ``Billing.fail_payment``): the same callback path a real provider's module uses.
"""

from __future__ import annotations

import secrets

from core.billing.gateways import SANDBOX
from core.ports import PaymentRequest, PaymentStart

__all__ = ["SANDBOX", "SandboxGateway"]


class SandboxGateway:
    name = SANDBOX

    def __init__(self, base_url: str) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL: {base_url!r}")
        self.base_url = base_url.rstrip("/")

    async def start(self, request: PaymentRequest) -> PaymentStart:
        if request.amount <= 0:
            raise ValueError("a payment needs a positive amount")
        reference = secrets.token_urlsafe(16)
        return PaymentStart(
            provider=self.name,
            reference=reference,
            pay_url=f"{self.base_url}/payments/sandbox/pay/{reference}",
        )
