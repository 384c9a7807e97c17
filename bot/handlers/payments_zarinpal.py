"""ZarinPal's callback: the payer's browser comes back with ``?Authority=...&Status=OK|NOK``.
The callback is not believed: the payment is verified with ZarinPal for our order's own amount,
and the answer is recorded (core.billing.reconcile)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.handlers.payments_pages import checked_result_page
from core.billing.gateways import zarinpal

log = logging.getLogger(__name__)


def setup(app: web.Application, services_key: web.AppKey, paid: Callable[[], None]) -> None:
    async def callback(request: web.Request) -> web.Response:
        services = request.app[services_key]
        authority = zarinpal.callback_authority(request.query)
        return await checked_result_page(request, services, zarinpal.ZARINPAL, authority, paid)

    app.router.add_get("/payments/zarinpal/callback", callback)
