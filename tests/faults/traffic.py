"""What the fault tests and the soak send to the stack (tests/faults/stack.py), each as its
provider sends it, and the rows they start from.

- Telegram updates, delivered again until answered below 500 (Telegram's webhook contract).
- WhatsApp and SMS messages, signed as Twilio signs them, sent once: Twilio does not retry an
  inbound message that got a 5xx.
- Web chat turns over the WebSocket, as the browser's page sends them.
- Payment callbacks: a Midtrans notification and a Stripe event are delivered again until
  answered 2xx (both providers retry for hours); ZarinPal's is the payer's browser coming back,
  reloaded by the payer after an error page.

The seeding runs in the caller's process through the ORM (``core.db.open_database`` on the
stack's database first); orders are placed through the core's ``Orders`` with the gateways the
processes use, so each provider's fake holds the payment its callback names.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from bot.bootstrap import build_services
from bot.config import BotSettings
from bot.dialogs.services import Services
from core.accounts.models import ChatIdentity, Subscriber
from core.billing.enums import OrderKind
from core.billing.models import Plan
from core.billing.read_models import OrderView
from tests.alerts import builders
from tests.fakes_telegram import message_update
from tests.faults.stack import WEBHOOK_SECRET, Stack, deliver

TELEGRAM_HEADERS = {"X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
# Each currency's provider: ZarinPal takes rials, Midtrans rupiah, Stripe the rest.
PLAN_PRICES = {"IRR": 500_000, "IDR": 150_000, "USD": 1_500}
PROVIDERS = {"IRR": "zarinpal", "IDR": "midtrans", "USD": "stripe"}
_mobiles = itertools.count(9_121_000_000)


@dataclass(frozen=True)
class Customer:
    subscriber_id: int
    username: str
    currency: str
    mobile: str
    telegram_chat: int


def bot_settings(stack: Stack) -> BotSettings:
    """The processes' settings, for the core's services the caller runs itself."""
    values = {key.removeprefix("ISPBOT_").lower(): value for key, value in stack.env().items()}
    return BotSettings(_env_file=None, **values)


def services_of(stack: Stack) -> Services:
    return build_services(bot_settings(stack))


async def plans() -> None:
    for currency, price in PLAN_PRICES.items():
        await Plan.get_or_create(
            code=f"std-{currency.lower()}",
            defaults={
                "names": {"en": "Standard", "id": "Standar", "fa": "استاندارد"},
                "price": price,
                "currency": currency,
                "duration_days": 30,
                "traffic_mb": 5 * 1024,
            },
        )


async def customers(count: int, *, first_chat: int, low_traffic: bool = False) -> list[Customer]:
    """``count`` subscribers in turn of each currency, each on a service with 20 days left
    (traffic nearly used up when ``low_traffic``), a logged-in Telegram chat in English and
    their mobile for WhatsApp and SMS."""
    await plans()
    now = datetime.now(UTC)
    made = []
    currencies = list(PLAN_PRICES)
    for n in range(count):
        currency = currencies[n % len(currencies)]
        mobile = f"+98{next(_mobiles)}"
        # Telegram preferred, so the tests find every alert in one fake's records.
        who = await builders.subscriber(
            "Asia/Tehran", mobile=mobile, language="en", preferred_channel="telegram"
        )
        await Subscriber.filter(id=who.id).update(currency=currency)
        service = await builders.service(who, now + timedelta(days=20))
        await builders.traffic(who, service, 10 * 1024, (9 * 1024 + 900) if low_traffic else 0)
        chat = first_chat + n
        for channel, external in (("telegram", str(chat)), ("whatsapp", mobile)):
            await ChatIdentity.create(
                channel=channel,
                external_id=external,
                subscriber_id=who.id,
                language="en",
                last_seen_at=now,
                logged_in_at=now,
            )
        made.append(Customer(who.id, who.username, currency, mobile, chat))
    return made


# ---- turns ---------------------------------------------------------------------------------


async def telegram_turn(
    http: aiohttp.ClientSession, stack: Stack, chat: int, text: str, **delivery: Any
) -> int:
    """One update, delivered until answered below 500; returns the attempts."""
    return await deliver(
        http,
        "POST",
        stack.public_url + "/telegram/webhook",
        json=message_update(chat, text),
        headers=TELEGRAM_HEADERS,
        **delivery,
    )


async def twilio_message(
    http: aiohttp.ClientSession, stack: Stack, channel: str, number: str, body: str
) -> int:
    """One inbound WhatsApp or SMS message, posted once as Twilio posts it; the status."""
    url = f"{stack.public_url}/twilio/{channel}"
    sender = f"whatsapp:{number}" if channel == "whatsapp" else number
    params = {
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": stack.twilio.account_sid,
        "From": sender,
        "To": "whatsapp:+15005550007" if channel == "whatsapp" else "+15005550006",
        "Body": body,
        "NumMedia": "0",
    }
    headers = {"X-Twilio-Signature": stack.twilio.sign(url, params)}
    try:
        async with http.post(url, data=params, headers=headers) as response:
            await response.read()
            return response.status
    except aiohttp.ClientError:
        return 0


async def webchat_turn(http: aiohttp.ClientSession, stack: Stack, cookie: str, text: str) -> int:
    """A page load's greeting and one typed message; the frames received."""
    frames = 0
    async with http.ws_connect(
        stack.public_url + "/ws?lang=en", headers={"Cookie": f"ispbot_chat={cookie}"}
    ) as ws:
        await ws.receive_json(timeout=30)
        frames += 1
        await ws.send_json({"type": "text", "text": text})
        await ws.receive_json(timeout=30)
        frames += 1
    return frames


# ---- payments ------------------------------------------------------------------------------


async def place_order(services: Services, customer: Customer) -> OrderView:
    return await services.orders.place_order(
        customer.subscriber_id, OrderKind.BUY_SERVICE, f"std-{customer.currency.lower()}"
    )


def pay(stack: Stack, order: OrderView) -> dict[str, Any]:
    """The payer pays at the provider; the callback the provider (or the browser) then sends,
    as keywords for ``deliver``."""
    reference = order.gateway_ref
    assert reference is not None
    if order.gateway == "zarinpal":
        return {"method": "GET", "url": stack.zarinpal.pay(reference)}
    if order.gateway == "midtrans":
        stack.midtrans.set_status(reference, "settlement")
        url = stack.public_url + "/payments/midtrans/notification"
        return {"method": "POST", "url": url, "json": stack.midtrans.notification(reference)}
    stack.stripe.complete(reference)
    body, headers = stack.stripe.event(reference, int(datetime.now(UTC).timestamp()))
    url = stack.public_url + "/payments/stripe/webhook"
    return {"method": "POST", "url": url, "data": body, "headers": headers}


async def payment_callback(
    http: aiohttp.ClientSession, callback: dict[str, Any], **delivery: Any
) -> int:
    return await deliver(http, **callback, **delivery)
