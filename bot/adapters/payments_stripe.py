"""Stripe Checkout Sessions over HTTP (rules: core.billing.gateways.stripe)."""

from __future__ import annotations

from collections.abc import Callable

from bot.adapters.payments_http import HttpClient
from core.billing.gateways import stripe
from core.ports import PaymentCheck, PaymentRequest, PaymentStart


class StripeGateway:
    name = stripe.STRIPE

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
        self.expiry_seconds = max(expiry_minutes * 60, stripe.MIN_EXPIRY_SECONDS)
        self.now = now

    async def start(self, request: PaymentRequest) -> PaymentStart:
        success = f"{self.return_url}?session_id={{CHECKOUT_SESSION_ID}}"
        form = stripe.session_form(request, success, success, int(self.now()) + self.expiry_seconds)
        _, reply = await self.http.request(
            "POST", stripe.SESSIONS_PATH, data=form, headers=self.headers
        )
        session_id, url = stripe.session_of(reply)
        return PaymentStart(self.name, session_id, url)

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        _, reply = await self.http.request(
            "GET", f"{stripe.SESSIONS_PATH}/{reference}", headers=self.headers
        )
        return stripe.check_of_session(reply)

    async def unsettled_references(self) -> list[str]:
        return []

    async def close(self) -> None:
        await self.http.close()
