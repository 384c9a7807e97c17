"""Stripe: the webhook (signed events) and the return page after Checkout.

An event is accepted only with a valid ``Stripe-Signature`` no older than 300 seconds, and each
event id is handled once (``seen``). The order's own status is what makes a payment count once;
an event whose handling failed is dropped from then on, and the reconciliation job asks Stripe
about its order."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.handlers.payments_pages import checked_result_page
from core.billing.gateways import stripe
from core.billing.reconcile import record_by_reference
from core.errors import DomainError

log = logging.getLogger(__name__)

# How long event ids are remembered: Stripe retries an event for up to three days.
EVENT_TTL_SECONDS = 4 * 24 * 3600


def setup(
    app: web.Application,
    services_key: web.AppKey,
    webhook_secret: str,
    seen: Callable[[str, float], Awaitable[bool]],
    paid: Callable[[], None],
) -> None:
    async def webhook(request: web.Request) -> web.Response:
        services = request.app[services_key]
        payload = await request.read()
        header = request.headers.get("Stripe-Signature", "")
        now = services.clock.now().timestamp()
        if not stripe.signature_ok(payload, header, webhook_secret, now):
            log.warning("stripe event with a bad or stale signature refused")
            return web.json_response({"error": "bad signature"}, status=400)
        try:
            parsed = stripe.event_session(json.loads(payload))
        except ValueError:
            return web.json_response({"error": "not JSON"}, status=400)
        if parsed is None:
            return web.json_response({"status": "ignored"})
        event_id, kind, session = parsed
        if kind not in stripe.PAID_EVENTS | stripe.FAILED_EVENTS:
            return web.json_response({"status": "ignored"})
        if await seen(f"stripe:event:{event_id}", EVENT_TTL_SECONDS):
            return web.json_response({"status": "duplicate"})
        try:
            order = await record_by_reference(
                services.billing,
                stripe.STRIPE,
                str(session.get("id")),
                stripe.check_of_session(session),
            )
        except DomainError as error:
            log.warning("stripe event %s refused: %s", event_id, error.code)
            return web.json_response({"status": "refused"})
        if order is not None:
            paid()
        return web.json_response({"status": "ok"})

    async def returned(request: web.Request) -> web.Response:
        services = request.app[services_key]
        session_id = request.query.get("session_id", "")
        return await checked_result_page(request, services, stripe.STRIPE, session_id, paid)

    app.router.add_post("/payments/stripe/webhook", webhook)
    app.router.add_get("/payments/stripe/return", returned)
