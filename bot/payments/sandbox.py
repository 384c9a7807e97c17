"""The demo's sandbox provider: its gateway (core.billing.gateways.sandbox, which the core's
demo pays with too) and its pay page, what a bank's pay page is in production.

``GET /payments/sandbox/pay/{reference}`` shows the order and two buttons; the POST that
follows goes through the same path a real provider's callback will: it names the order by the
provider's reference and confirms (or fails) it with the amount paid. The reference is a long
random token, so knowing it is what entitles one to pay.

Route: ``GET`` and ``POST /payments/sandbox/pay/{reference}``.
"""

from __future__ import annotations

import html
import logging

from aiohttp import web

from bot.config import BotSettings
from bot.dialogs.billing_words import item_name
from bot.i18n import Texts
from bot.payments.common import Callbacks, plain_reference
from bot.payments.pages import (
    FAILED,
    PAID,
    back_to_chat,
    page,
    payer_texts,
    result_of,
    result_text,
)
from core.billing.enums import OrderStatus
from core.billing.gateways.sandbox import SANDBOX, SandboxGateway
from core.billing.read_models import OrderView
from core.errors import DomainError
from core.ports import Clock

log = logging.getLogger(__name__)

NAME = SANDBOX
PAY_PATH = "/payments/sandbox/pay/{reference}"


def gateway(settings: BotSettings, clock: Clock) -> SandboxGateway:
    """Always at hand; bot.payments.providers decides when it is used."""
    return SandboxGateway(settings.base_url)


def routes(settings: BotSettings, callbacks: Callbacks) -> list[web.RouteDef]:
    async def order_of(request: web.Request) -> OrderView | None:
        # A reference that cannot be one of ours names no order and never reaches a query.
        reference = plain_reference(request.match_info["reference"])
        if reference is None:
            return None
        services = callbacks.services(request)
        return await services.billing_queries.order_by_gateway_ref(SANDBOX, reference)

    async def show(request: web.Request) -> web.Response:
        services = callbacks.services(request)
        order = await order_of(request)
        t = await payer_texts(request, services, order.subscriber_id if order else None)
        if order is None:
            return page(t, _p(t.gettext("This payment link is not valid.")), 404)
        if order.status != OrderStatus.PENDING:
            return page(t, _status_text(t, order))
        rows = [
            (t.gettext("Tracking number"), t.digits(str(order.tracking_number))),
            (t.gettext("Item"), item_name(t, order.kind, order.plan)),
            (t.gettext("Amount to pay"), t.money(order.payable, order.currency)),
        ]
        table = "".join(
            f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows
        )
        # Translated apart from the markup: a call inside an f-string is never extracted.
        note = html.escape(t.gettext("This is the demo payment page: no money is taken."))
        pay = html.escape(t.gettext("Pay"))
        cancel = html.escape(t.gettext("Cancel payment"))
        body = (
            f"<p>{note}</p>"
            f"<table>{table}</table>"
            f'<form method="post"><button name="action" value="pay" id="pay">{pay}</button> '
            f'<button name="action" value="cancel" id="cancel">{cancel}</button></form>'
        )
        return page(t, body)

    async def act(request: web.Request) -> web.Response:
        services = callbacks.services(request)
        order = await order_of(request)
        t = await payer_texts(request, services, order.subscriber_id if order else None)
        if order is None:
            return page(t, _p(t.gettext("This payment link is not valid.")), 404)
        # The order first, then its form: a broken body is the payer's 400, not our 500.
        try:
            form = await request.post()
        except ValueError:
            log.warning(
                "sandbox payment of order %s: a form that cannot be read", order.tracking_number
            )
            return page(t, _p(t.gettext("This payment could not be accepted.")), 400)
        try:
            if form.get("action") == "pay":
                settled = await services.orders.confirm_payment(
                    order.tracking_number, SANDBOX, request.match_info["reference"], order.payable
                )
            else:
                settled = await services.orders.fail_payment(
                    order.tracking_number, "cancelled by payer"
                )
        except DomainError as error:
            log.warning(
                "sandbox payment of order %s refused: %s", order.tracking_number, error.code
            )
            return page(t, _p(t.gettext("This payment could not be accepted.")), 409)
        # The confirmation (or the cancellation's news) is sent before the page answers.
        await callbacks.tell(settled.subscriber_id)
        return page(t, _status_text(t, settled))

    return [web.get(PAY_PATH, show), web.post(PAY_PATH, act)]


def _p(text: str) -> str:
    return f"<p>{html.escape(text)}</p>"


def _status_text(t: Texts, order: OrderView) -> str:
    # A paid order reads as on the provider's return page; cancelled and unpaid ones keep the
    # demo page's own words (it is the payer who cancelled here, no bank was involved).
    result = result_of(order)
    if result == PAID:
        text = result_text(t, PAID, refunded=False)
    elif result == FAILED:
        text = t.gettext("The payment was cancelled. Nothing was charged.")
    else:
        text = t.gettext("This order is waiting for payment.")
    return _p(text) + back_to_chat(t)
