"""The payment providers this process knows, and the gateways it uses: each real provider whose
keys are set (bot/config.py), or the demo's sandbox when none is (or when
ISPBOT_PAYMENT_GATEWAY names it). Which one takes an order: core.billing.gateways.select.

Every provider is one module of the same shape (``Provider``), so the app serves them all with
one loop: the routes of each provider among the gateways the services were wired with.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from typing import Protocol

from aiohttp import web

from bot.config import BotSettings
from bot.payments import midtrans, sandbox, stripe, zarinpal
from bot.payments.common import Callbacks
from core.ports import Clock, PaymentGateway


class Provider(Protocol):
    """A provider's module: its name (the one orders record), its gateway made from the
    settings (None while its keys are not set), and its aiohttp routes (callbacks, pages)."""

    NAME: str

    def gateway(self, settings: BotSettings, clock: Clock) -> PaymentGateway | None: ...

    def routes(self, settings: BotSettings, callbacks: Callbacks) -> list[web.RouteDef]: ...


REAL_PROVIDERS: tuple[Provider, ...] = (zarinpal, midtrans, stripe)
PROVIDERS: tuple[Provider, ...] = (*REAL_PROVIDERS, sandbox)


def configured_gateways(settings: BotSettings, clock: Clock) -> dict[str, PaymentGateway]:
    gateways: dict[str, PaymentGateway] = {}
    for provider in REAL_PROVIDERS:
        gateway = provider.gateway(settings, clock)
        if gateway is not None:
            gateways[provider.NAME] = gateway
    # The sandbox's pay page applies an order without taking money: never beside a real
    # provider unless asked for by name.
    if not gateways or settings.payment_gateway == sandbox.NAME:
        gateways[sandbox.NAME] = sandbox.gateway(settings, clock)
    return gateways


async def close_gateways(gateways: Iterable[PaymentGateway]) -> None:
    """Close the HTTP clients of the gateways that hold one (the sandbox holds none)."""
    for gateway in gateways:
        close = getattr(gateway, "close", None)
        if close is not None:
            await close()


def closing_gateways(
    gateways: Mapping[str, PaymentGateway],
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An app cleanup context that closes the gateways' HTTP clients when the app stops."""

    async def close_clients(_app: web.Application) -> AsyncIterator[None]:
        yield
        await close_gateways(gateways.values())

    return close_clients
