"""The payment gateways this process uses: each real provider whose keys are set
(bot/config.py), or the demo's sandbox when none is (or when ISPBOT_PAYMENT_GATEWAY names it).
Which one takes an order: core.billing.gateways.select."""

from __future__ import annotations

from collections.abc import Iterable

from bot.adapters import payments_midtrans, payments_zarinpal
from bot.adapters.payments_midtrans import MidtransGateway
from bot.adapters.payments_stripe import StripeGateway
from bot.adapters.payments_zarinpal import ZarinPalGateway
from bot.config import BotSettings
from core.billing.gateways.sandbox import SANDBOX, SandboxGateway
from core.ports import Clock, PaymentGateway


def configured_gateways(settings: BotSettings, clock: Clock) -> dict[str, PaymentGateway]:
    base = settings.base_url
    gateways: dict[str, PaymentGateway] = {}
    if settings.zarinpal_merchant_id is not None:
        api = settings.zarinpal_api_base or (
            payments_zarinpal.SANDBOX if settings.zarinpal_sandbox else payments_zarinpal.PRODUCTION
        )
        zp = ZarinPalGateway(
            settings.zarinpal_merchant_id.get_secret_value(),
            api,
            f"{base}/payments/zarinpal/callback",
        )
        gateways[zp.name] = zp
    if settings.midtrans_server_key is not None:
        sandboxed = settings.midtrans_sandbox
        mt = MidtransGateway(
            settings.midtrans_server_key.get_secret_value(),
            settings.midtrans_snap_base
            or (payments_midtrans.SNAP_SANDBOX if sandboxed else payments_midtrans.SNAP_PRODUCTION),
            settings.midtrans_api_base
            or (payments_midtrans.API_SANDBOX if sandboxed else payments_midtrans.API_PRODUCTION),
            f"{base}/payments/midtrans/finish",
            settings.payment_link_minutes,
        )
        gateways[mt.name] = mt
    if settings.stripe_secret_key is not None:
        st = StripeGateway(
            settings.stripe_secret_key.get_secret_value(),
            settings.stripe_api_base,
            f"{base}/payments/stripe/return",
            settings.payment_link_minutes,
            lambda: clock.now().timestamp(),
        )
        gateways[st.name] = st
    # The sandbox's pay page applies an order without taking money: never beside a real
    # provider unless asked for by name.
    if not gateways or settings.payment_gateway == SANDBOX:
        gateways[SANDBOX] = SandboxGateway(base)
    return gateways


async def close_gateways(gateways: Iterable[PaymentGateway]) -> None:
    """Close the HTTP clients of the gateways that hold one (the sandbox holds none)."""
    for gateway in gateways:
        close = getattr(gateway, "close", None)
        if close is not None:
            await close()
