"""Set-up for the payment provider tests (no tests here): the three providers' local servers,
settings pointing at them, the app wired through the real ``configured_gateways``, and the
subscribers and plans of each currency."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap, build_services
from bot.config import BotSettings
from bot.dialogs.services import Services
from bot.dialogs.state import MemoryStateStore
from bot.payments.providers import close_gateways as close_adapters
from core.accounts.models import ChatIdentity, Subscriber
from core.billing.enums import OrderKind
from core.billing.models import Plan
from core.billing.read_models import OrderView
from core.clock import FixedClock
from tests.dialogs.conftest import make_subscriber
from tests.fakes import InMemoryFileStore, RecordingSmsSender
from tests.fakes_payments import FakeMidtrans, FakeStripe, FakeZarinPal, serving

PUBLIC_URL = "http://bot.test"
PLAN_PRICES = {"IRR": 500_000, "IDR": 150_000, "USD": 1_500}


@dataclass
class Providers:
    zarinpal: FakeZarinPal
    midtrans: FakeMidtrans
    stripe: FakeStripe


@pytest.fixture
async def providers(clock) -> AsyncIterator[Providers]:
    zp, mt, st = FakeZarinPal(), FakeMidtrans(), FakeStripe(now=clock.now)
    async with (
        serving(zp.app()) as zp_url,
        serving(mt.app()) as mt_url,
        serving(st.app()) as st_url,
    ):
        zp.base_url, mt.base_url, st.base_url = zp_url, mt_url, st_url
        yield Providers(zp, mt, st)


def provider_settings(providers: Providers, **extra) -> BotSettings:
    return BotSettings(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        public_url=PUBLIC_URL,
        zarinpal_merchant_id=providers.zarinpal.merchant_id,
        zarinpal_api_base=providers.zarinpal.base_url,
        midtrans_server_key=providers.midtrans.server_key,
        midtrans_snap_base=providers.midtrans.base_url,
        midtrans_api_base=providers.midtrans.base_url,
        stripe_secret_key=providers.stripe.secret_key,
        stripe_webhook_secret=providers.stripe.webhook_secret,
        stripe_api_base=providers.stripe.base_url,
        **extra,
    )


@pytest.fixture
def pay_settings(providers: Providers) -> BotSettings:
    return provider_settings(providers)


def provider_services(settings: BotSettings, clock: FixedClock) -> Services:
    # No gateways passed: the real wiring picks the providers from the settings.
    return build_services(
        settings, clock=clock, sms=RecordingSmsSender(), files=InMemoryFileStore()
    )


@asynccontextmanager
async def app_client(services: Services, settings: BotSettings) -> AsyncIterator[TestClient]:
    app = init_app(
        bootstrap(settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    async with TestClient(TestServer(app)) as client:
        yield client


async def close_gateways(services: Services) -> None:
    await close_adapters(services.orders.gateways.values())


@pytest.fixture
async def pay_services(
    sqlite_db, pay_settings: BotSettings, clock: FixedClock
) -> AsyncIterator[Services]:
    services = provider_services(pay_settings, clock)
    yield services
    await close_gateways(services)


@pytest.fixture
async def pay_client(pay_services: Services, pay_settings: BotSettings):
    async with app_client(pay_services, pay_settings) as client:
        yield client


async def buyer(settings: BotSettings, currency: str, language: str = "en") -> Subscriber:
    """A subscriber paying in ``currency``, with a plan of that currency to buy."""
    await Plan.create(
        code=f"std-{currency.lower()}",
        names={"en": "Standard", "id": "Standar", "fa": "استاندارد"},
        price=PLAN_PRICES[currency],
        currency=currency,
        duration_days=30,
        traffic_mb=5 * 1024,
    )
    username = {"IRR": "2188001234", "IDR": "2153660101", "USD": "2177889900"}[currency]
    return await make_subscriber(settings, username, currency=currency, language=language)


async def place(services: Services, subscriber: Subscriber) -> OrderView:
    return await services.orders.place_order(
        subscriber.id, OrderKind.BUY_SERVICE, f"std-{subscriber.currency.lower()}"
    )


def path_of(url: str) -> str:
    """The path and query of a URL on the bot's public address (a callback's target)."""
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, url
    return parts.path + (f"?{parts.query}" if parts.query else "")


async def chat_of(subscriber: Subscriber, language: str) -> ChatIdentity:
    return await ChatIdentity.create(
        channel="recorder", external_id=f"chat-{subscriber.id}", subscriber=subscriber,
        language=language,
    )  # fmt: skip
