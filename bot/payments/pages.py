"""The page a payer's browser comes back to from a provider: paid, pending or failed, in the
subscriber's language, with the way back to the chat. Shown by ``common.Callbacks`` for every
provider, and its frame by the sandbox's pay page."""

from __future__ import annotations

import html
from contextlib import suppress

from aiohttp import web

from bot.dialogs.services import Services
from bot.i18n import (
    DEFAULT_LANGUAGE,
    Texts,
    resolve_language,
    subscriber_translator,
    text_direction,
    translator,
)
from core.accounts.queries import SubscriberView, subscriber_view
from core.billing.enums import OrderStatus
from core.billing.read_models import OrderView
from core.errors import NotFound

PAGE = """<!doctype html>
<html lang="{lang}" dir="{dir}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/static/chat.css"></head>
<body class="pay"><main class="pay-card"><h1>{title}</h1>{body}</main></body></html>"""

PAID, PENDING, FAILED, INVALID = "paid", "pending", "failed", "invalid"


def result_of(order: OrderView | None) -> str:
    if order is None:
        return INVALID
    if order.status in (OrderStatus.APPLIED, OrderStatus.PAID):
        return PAID
    if order.status == OrderStatus.PENDING:
        return PENDING
    return FAILED


def result_text(t: Texts, result: str, refunded: bool) -> str:
    if result == PAID and refunded:
        return t.gettext(
            "Payment received, but the order could not be applied as it was; the amount is in "
            "your wallet. The chat has the details."
        )
    if result == PAID:
        return t.gettext("Payment received. Your order is applied; you can go back to the chat.")
    if result == PENDING:
        return t.gettext(
            "Your payment is being confirmed. You will get a message in the chat as soon as it "
            "is done."
        )
    if result == FAILED:
        return t.gettext(
            "The payment did not go through, and the order was not paid. If money was taken "
            "from your account, your bank returns it."
        )
    return t.gettext("This payment link is not valid.")


async def result_page(
    request: web.Request,
    services: Services,
    order: OrderView | None,
    *,
    result: str | None = None,
) -> web.Response:
    """``result`` overrides what the order's status says (e.g. a refused payment: failed)."""
    result = result or result_of(order)
    t = await payer_texts(request, services, order.subscriber_id if order else None)
    refunded = order is not None and order.status == OrderStatus.PAID
    text = html.escape(result_text(t, result, refunded))
    body = f'<p id="result" data-result="{result}">{text}</p>' + back_to_chat(t)
    return page(t, body, 404 if result == INVALID else 200)


async def card_page(
    request: web.Request, services: Services, subscriber_id: int, outcome: str
) -> web.Response:
    """The browser back from the provider's page where a card is saved for renewals;
    ``outcome``: saved, pending or failed (core.billing.saved_cards.SetupOutcome)."""
    t = await payer_texts(request, services, subscriber_id)
    if outcome == "saved":
        text = t.gettext(
            "Your card is saved for automatic renewal. When your wallet is short at a renewal, "
            "the card is charged what it lacks; you are told before each charge."
        )
    elif outcome == "pending":
        text = t.gettext("Your card is being confirmed. Look at the chat in a few minutes.")
    else:
        text = t.gettext("Your card was not saved. You can try again from the chat.")
    body = f'<p id="result" data-result="{outcome}">{html.escape(text)}</p>' + back_to_chat(t)
    return page(t, body)


def page(t: Texts, body: str, status: int = 200) -> web.Response:
    """A payment page in the payer's language around ``body`` (markup, escaped by the caller):
    the provider's return page here, the sandbox's pay page in sandbox.py."""
    markup = PAGE.format(
        lang=t.language,
        dir=text_direction(t.language),
        title=html.escape(t.gettext("Payment")),
        body=body,
    )
    return web.Response(text=markup, content_type="text/html", status=status)


def back_to_chat(t: Texts) -> str:
    back = html.escape(t.gettext("Back to the chat"))
    return f'<p><a href="/" id="back">{back}</a></p>'


async def payer_texts(request: web.Request, services: Services, subscriber_id: int | None) -> Texts:
    """The payer's words: the subscriber's language in their zone, else the browser's."""
    subscriber: SubscriberView | None = None
    if subscriber_id is not None:
        with suppress(NotFound):
            subscriber = await subscriber_view(subscriber_id)
    if subscriber is None:
        return translator(browser_language(request))
    language = getattr(subscriber.language, "value", subscriber.language) or DEFAULT_LANGUAGE
    return subscriber_translator(language, subscriber, services.settings)


def browser_language(request: web.Request) -> str:
    for part in request.headers.get("Accept-Language", "").split(","):
        language = resolve_language(part.split(";")[0])
        if language:
            return language
    return DEFAULT_LANGUAGE
