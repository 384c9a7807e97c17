"""Midtrans: the HTTP notification (server to server) and the finish page (the payer's browser).

A notification is accepted only with a valid ``signature_key``; its status is then confirmed
with Midtrans' status API before anything changes. Midtrans retries a notification that did not
get HTTP 200, so 200 answers everything we are done with, including refusals (logged)."""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web

from bot.handlers.payments_pages import checked_result_page
from core.billing.gateways import GatewayError, midtrans
from core.billing.reconcile import check_by_reference
from core.errors import DomainError

log = logging.getLogger(__name__)


def setup(
    app: web.Application, services_key: web.AppKey, server_key: str, paid: Callable[[], None]
) -> None:
    async def notification(request: web.Request) -> web.Response:
        services = request.app[services_key]
        try:
            payload = await request.json()
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        if not midtrans.notification_is_signed(payload, server_key):
            log.warning("midtrans notification with a bad signature refused")
            return web.json_response({"error": "bad signature"}, status=403)
        order_id = payload["order_id"]
        try:
            order = await check_by_reference(services.billing, midtrans.MIDTRANS, order_id)
        except GatewayError as error:
            log.warning("midtrans status of %s failed: %s", order_id, error)
            return web.json_response({"error": "try again"}, status=503)
        except DomainError as error:
            log.warning("midtrans payment %s refused: %s", order_id, error.code)
            return web.json_response({"status": "refused"})
        if order is not None:
            paid()
        return web.json_response({"status": "ok"})

    async def finish(request: web.Request) -> web.Response:
        services = request.app[services_key]
        order_id = request.query.get("order_id", "")
        return await checked_result_page(request, services, midtrans.MIDTRANS, order_id, paid)

    app.router.add_post("/payments/midtrans/notification", notification)
    app.router.add_get("/payments/midtrans/finish", finish)
