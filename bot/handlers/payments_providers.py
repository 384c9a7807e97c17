"""Serve the callback routes of each real payment provider the services were wired with."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from bot.adapters.payments_gateways import close_gateways
from bot.config import BotSettings
from bot.dialogs.services import Services
from bot.dialogs.state import StateStore
from bot.handlers import payments_midtrans, payments_stripe, payments_zarinpal
from core.billing.gateways.midtrans import MIDTRANS
from core.billing.gateways.stripe import STRIPE
from core.billing.gateways.zarinpal import ZARINPAL


def setup(
    app: web.Application,
    services_key: web.AppKey,
    services: Services,
    settings: BotSettings,
    store: StateStore,
    paid: Callable[[], None],
) -> None:
    gateways = services.billing.gateways
    if ZARINPAL in gateways:
        payments_zarinpal.setup(app, services_key, paid)
    if MIDTRANS in gateways:
        if settings.midtrans_server_key is None:
            raise ValueError("the Midtrans gateway needs ISPBOT_MIDTRANS_SERVER_KEY")
        key = settings.midtrans_server_key.get_secret_value()
        payments_midtrans.setup(app, services_key, key, paid)
    if STRIPE in gateways:
        if settings.stripe_webhook_secret is None:
            raise ValueError("the Stripe gateway needs ISPBOT_STRIPE_WEBHOOK_SECRET")
        secret = settings.stripe_webhook_secret.get_secret_value()
        payments_stripe.setup(app, services_key, secret, store.seen, paid)

    async def close_clients(_app: web.Application) -> AsyncIterator[None]:
        yield
        await close_gateways(gateways.values())

    app.cleanup_ctx.append(close_clients)
