"""ZarinPal's callback: the payer's browser comes back with ``?Authority=...&Status=OK|NOK``.
The callback is not believed: the payment is verified with ZarinPal for our order's own amount,
and the answer is recorded (core.billing.reconcile)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.handlers.payments_pages import FAILED, PENDING, result_page
from core.billing.gateways import GatewayError, zarinpal
from core.billing.models import Order
from core.billing.reconcile import check_by_reference
from core.errors import DomainError

log = logging.getLogger(__name__)


def setup(app: web.Application, services_key: web.AppKey, paid: Callable[[], None]) -> None:
    async def callback(request: web.Request) -> web.Response:
        services = request.app[services_key]
        authority = zarinpal.callback_authority(request.query)
        if authority is None:
            return await result_page(request, services, None)
        try:
            order = await check_by_reference(services.billing, zarinpal.ZARINPAL, authority)
        except GatewayError as error:
            # Verify failed to reach ZarinPal: reconciliation will verify it later.
            log.warning("zarinpal verify of %s failed: %s", authority, error)
            order = await Order.get_or_none(gateway=zarinpal.ZARINPAL, gateway_ref=authority)
            return await result_page(request, services, order, result=PENDING)
        except DomainError as error:
            log.warning("zarinpal payment %s refused: %s", authority, error.code)
            order = await Order.get_or_none(gateway=zarinpal.ZARINPAL, gateway_ref=authority)
            return await result_page(request, services, order, result=FAILED)
        paid()
        return await result_page(request, services, order)

    app.router.add_get("/payments/zarinpal/callback", callback)
