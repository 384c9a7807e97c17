"""The app the fuzz tests drive (issue 19), and the checks every fuzzed request goes through.

``production_app``: the real web app with every channel and provider configured (Telegram and
its agents' group, WhatsApp and SMS, ZarinPal, Midtrans, Stripe), each against its local fake
server, over the real core on PostgreSQL (where a NUL or a lone surrogate in a query is an
error, not a miss), seeded with a subscriber and a pending order for each provider.
``demo_app``: the same with no provider configured, so the sandbox's pay page is served.

``FuzzClient.send`` makes one request and holds it to the issue's properties: no 5xx, no error
logged (a traceback at ERROR is a 500 that was hidden), and when the request was refused,
nothing changed: every table of the core, and every call the fake servers received.

The hypothesis settings are here too: ``fuzz_settings`` runs ``ISPBOT_FUZZ_EXAMPLES`` examples
per test (a few by default, to keep the suite's time; more by hand, with random examples), the
same examples on every run unless that variable is set, so a CI failure repeats.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, Phase, settings
from pydantic import SecretStr
from tortoise import Tortoise
from yarl import URL

from bot.app import init_app
from bot.bootstrap import bootstrap, build_services
from bot.config import BotSettings
from bot.dialogs.services import Services
from bot.dialogs.state import MemoryStateStore
from bot.handlers.files import FileLinks
from bot.handlers.telegram import TELEGRAM
from bot.payments.providers import close_gateways
from core.billing.enums import OrderKind
from core.billing.models import Plan
from core.billing.read_models import OrderView
from core.clock import FixedClock
from tests.dialogs.conftest import make_subscriber
from tests.fakes import InMemoryFileStore, RecordingSmsSender
from tests.fakes_payments import FakeMidtrans, FakeStripe, FakeZarinPal, serving
from tests.fakes_telegram import TOKEN, FakeBotApi
from tests.fakes_twilio import PUBLIC_URL, SMS_FROM, WHATSAPP_FROM, FakeTwilio
from tests.handlers.test_telegram import FakeTime
from tests.ops.fuzz_strategies import within_a_line

DEFAULT_EXAMPLES = 25
EXAMPLES = int(os.environ.get("ISPBOT_FUZZ_EXAMPLES") or DEFAULT_EXAMPLES)
DEEP = "ISPBOT_FUZZ_EXAMPLES" in os.environ

fuzz_settings = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # Repeatable in CI; a deeper run by hand explores new examples each time.
    derandomize=not DEEP,
    database=None,
    # No "explain" phase: over a real app it costs minutes for a line of hints.
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    # The app is one per test (function-scoped fixtures), reused by its examples on purpose.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)

# Requests made per route in this run, printed at the end (tests/ops/conftest.py).
REQUESTS: Counter[str] = Counter()

TELEGRAM_SECRET = "fuzz-webhook-secret"
AGENT_CHAT_ID = -1001234567890
AGENT_ID = 5001
FILE_LINK_SECRET = "fuzz-file-link-secret"
PLAN_PRICES = {"IRR": 500_000, "IDR": 150_000, "USD": 1_500}
BUYERS = {  # currency: (username, mobile, language)
    "IRR": ("2188001234", "+989121234567", "fa"),
    "IDR": ("2153660101", "+6281234567890", "id"),
    "USD": ("2177889900", "+447700900123", "en"),
}


class ErrorRecords(logging.Handler):
    """Every record at ERROR or above, from any logger (aiohttp's "Error handling request"
    and the app's own ``log.exception`` alike)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def told(self) -> str:
        return "\n".join(
            f"{r.name}: {r.getMessage()}\n{self.format(r) if r.exc_info else ''}"
            for r in self.records
        )


@contextmanager
def error_records() -> Iterator[ErrorRecords]:
    handler = ErrorRecords()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@dataclass
class Fakes:
    telegram: FakeBotApi
    twilio: FakeTwilio
    zarinpal: FakeZarinPal
    midtrans: FakeMidtrans
    stripe: FakeStripe

    def calls(self) -> dict[str, int]:
        """What the outside world was asked: nothing, after a refused request."""
        return {
            "telegram": len(self.telegram.calls),
            "twilio": len(self.twilio.messages),
            "twilio media": self.twilio.media_requests,
            "zarinpal": self.zarinpal.verify_calls,
            "midtrans": self.midtrans.status_calls,
            "stripe sessions": len(self.stripe.sessions),
        }


async def database_rows() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the core, in key order."""
    rows = {}
    for name, model in sorted(Tortoise.apps["core"].items()):
        rows[name] = await model.all().order_by(model._meta.pk_attr).values()
    return rows


Refused = Callable[[int, bytes], bool]


def refused_by_status(status: int, _body: bytes) -> bool:
    return 400 <= status < 500


@dataclass
class FuzzClient:
    client: TestClient
    errors: ErrorRecords
    fakes: Fakes | None
    settings: BotSettings
    services: Services
    links: FileLinks
    orders: dict[str, OrderView]
    # Held while a request is checked: the app's outbox relay waits for it (see ``_serve``).
    quiet: asyncio.Lock

    async def snapshot(self) -> tuple[dict, dict]:
        return await database_rows(), self.fakes.calls() if self.fakes else {}

    async def send(
        self,
        route: str,
        method: str,
        path: str,
        *,
        refused: Refused = refused_by_status,
        **kwargs: Any,
    ) -> tuple[int, bytes]:
        """One request to ``path`` (already percent-encoded), held to the properties; its
        status and body. ``refused`` says from the answer whether the request was refused
        (a 4xx by default), and so must have changed nothing."""
        async with self.quiet:
            before = await self.snapshot()
            self.errors.records.clear()
            url = URL(within_a_line(path), encoded=True)
            response = await self.client.request(method, url, **kwargs)
            body = await response.read()
            REQUESTS[route] += 1
            assert response.status < 500, (route, response.status, body[:500])
            assert not self.errors.records, self.errors.told()
            if refused(response.status, body):
                after = await self.snapshot()
                changed = [
                    name
                    for name in (*before[0], *before[1])
                    if _part(before, name) != _part(after, name)
                ]
                assert not changed, (route, response.status, body[:500], changed)
        return response.status, body


def _part(snapshot: tuple[dict, dict], name: str) -> Any:
    rows, calls = snapshot
    return rows[name] if name in rows else calls[name]


def app_settings(fakes: Fakes | None) -> BotSettings:
    values: dict[str, Any] = dict(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        public_url=PUBLIC_URL,
        file_link_secret=FILE_LINK_SECRET,
        # Pacing and flood limits would only slow the fuzz down (they have their own tests).
        inbound_per_number_per_minute=1_000_000,
        inbound_per_minute=1_000_000,
        twilio_messages_per_second=1_000_000,
    )
    if fakes is not None:
        values.update(
            telegram_token=SecretStr(TOKEN),
            telegram_api_base=fakes.telegram.base_url,
            telegram_webhook_secret=SecretStr(TELEGRAM_SECRET),
            agent_chat_id=AGENT_CHAT_ID,
            agent_user_ids=(AGENT_ID,),
            agent_billing_user_ids=(AGENT_ID,),
            twilio_account_sid=fakes.twilio.account_sid,
            twilio_auth_token=fakes.twilio.auth_token,
            twilio_api_base=fakes.twilio.url,
            twilio_sms_from=SMS_FROM,
            twilio_whatsapp_from=WHATSAPP_FROM,
            zarinpal_merchant_id=fakes.zarinpal.merchant_id,
            zarinpal_api_base=fakes.zarinpal.base_url,
            midtrans_server_key=fakes.midtrans.server_key,
            midtrans_snap_base=fakes.midtrans.base_url,
            midtrans_api_base=fakes.midtrans.base_url,
            stripe_secret_key=fakes.stripe.secret_key,
            stripe_webhook_secret=fakes.stripe.webhook_secret,
            stripe_api_base=fakes.stripe.base_url,
        )
    return BotSettings(**values)


async def seed(settings: BotSettings, services: Services) -> dict[str, OrderView]:
    """A subscriber of each currency with a pending order: what a forged callback would aim at."""
    orders = {}
    for currency, (username, mobile, language) in BUYERS.items():
        code = f"std-{currency.lower()}"
        await Plan.create(
            code=code,
            names={"en": "Standard", "id": "Standar", "fa": "استاندارد"},
            price=PLAN_PRICES[currency],
            currency=currency,
            duration_days=30,
            traffic_mb=5 * 1024,
        )
        subscriber = await make_subscriber(
            settings, username, mobile=mobile, currency=currency, language=language
        )
        orders[currency] = await services.orders.place_order(
            subscriber.id, OrderKind.BUY_SERVICE, code
        )
    return orders


async def _serve(fakes: Fakes | None, clock: FixedClock) -> AsyncIterator[FuzzClient]:
    settings = app_settings(fakes)
    services = build_services(
        settings, clock=clock, sms=RecordingSmsSender(), files=InMemoryFileStore()
    )
    orders = await seed(settings, services)
    wiring = bootstrap(settings, services=services, store=MemoryStateStore())
    # The app's outbox relay sends a paid order's notice in the background, whenever it
    # wakes: it waits while a request is being checked, so what it changes is never taken
    # for the doing of a refused request. A page relaying its subscriber's notices before it
    # answers (bot.app.RelayNow, subscriber_id given) is part of its request and never waits.
    quiet = asyncio.Lock()
    relay_pending = wiring.relay.relay_pending

    async def relay_when_quiet(limit: int = 100, *, subscriber_id: int | None = None) -> int:
        if subscriber_id is not None:
            return await relay_pending(limit, subscriber_id=subscriber_id)
        async with quiet:
            return await relay_pending(limit)

    wiring.relay.relay_pending = relay_when_quiet  # type: ignore[method-assign]
    app = init_app(wiring, manage_database=False)
    if fakes is not None:
        time = FakeTime()
        limiter = app[TELEGRAM].limiter
        limiter.now, limiter.sleep = time.now, time.sleep
    with error_records() as errors:
        async with TestClient(TestServer(app)) as client:
            yield FuzzClient(client, errors, fakes, settings, services, wiring.links, orders, quiet)
    await close_gateways(services.orders.gateways.values())


@pytest.fixture
async def production_app(pg, clock) -> AsyncIterator[FuzzClient]:
    zarinpal, midtrans, stripe = FakeZarinPal(), FakeMidtrans(), FakeStripe()
    twilio = FakeTwilio()
    await twilio.start()
    try:
        async with (
            FakeBotApi() as telegram,
            serving(zarinpal.app()) as zarinpal.base_url,
            serving(midtrans.app()) as midtrans.base_url,
            serving(stripe.app()) as stripe.base_url,
        ):
            fakes = Fakes(telegram, twilio, zarinpal, midtrans, stripe)
            async for client in _serve(fakes, clock):
                yield client
    finally:
        await twilio.close()


@pytest.fixture
async def demo_app(pg, clock) -> AsyncIterator[FuzzClient]:
    async for client in _serve(None, clock):
        yield client
