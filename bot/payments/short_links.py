"""The app's short pay links: ``GET /p/<code>`` sends the payer on (302) to the provider's pay
page. A provider's link is long (Stripe Checkout's runs to hundreds of characters) and an SMS
answer has two parts; the short link keeps it within them, whichever provider is paid.

The code is the order's (drawn at random when its payment starts, core.billing.orders) and
works as long as the order waits for payment within its link's time; after that, or for a code
no order has, a page in the payer's language says so (404).

Route: ``GET /p/{code}``.
"""

from __future__ import annotations

import html

from aiohttp import web

from bot.payments.common import Callbacks
from bot.payments.pages import back_to_chat, page, payer_texts

PREFIX = "/p/"
PATH = PREFIX + "{code}"
# Longer than any code the core draws: anything else is not looked up.
_MAX_CODE_LENGTH = 16


def short_link(public_url: str, code: str) -> str:
    return public_url.rstrip("/") + PREFIX + code


def routes(callbacks: Callbacks) -> list[web.RouteDef]:
    async def follow(request: web.Request) -> web.StreamResponse:
        services = callbacks.services(request)
        code = request.match_info["code"]
        link = (
            await services.billing_queries.pay_link(code)
            if code.isascii() and code.isalnum() and len(code) <= _MAX_CODE_LENGTH
            else None
        )
        if link is not None and link.pay_url:
            raise web.HTTPFound(link.pay_url)
        t = await payer_texts(request, services, link.subscriber_id if link else None)
        text = html.escape(
            t.gettext("This payment link has expired or is not valid. Order again from the chat.")
        )
        return page(t, f'<p id="result" data-result="invalid">{text}</p>' + back_to_chat(t), 404)

    return [web.get(PATH, follow)]
