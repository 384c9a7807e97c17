"""The demo's sandbox (whose pay page takes no money) never stands beside a real provider; the
set of providers is the modules of bot/payments/."""

from __future__ import annotations

from bot.config import BotSettings
from bot.payments.providers import configured_gateways
from core.clock import FixedClock
from tests.conftest import NOW


def _settings(**values) -> BotSettings:
    return BotSettings(_env_file=None, **values)


def test_with_no_provider_configured_the_sandbox_takes_payments():
    assert set(configured_gateways(_settings(), FixedClock(NOW))) == {"sandbox"}


def test_a_configured_provider_leaves_the_sandbox_out():
    gateways = configured_gateways(_settings(zarinpal_merchant_id="m" * 36), FixedClock(NOW))
    assert set(gateways) == {"zarinpal"}


def test_the_sandbox_beside_a_provider_only_when_named():
    settings = _settings(zarinpal_merchant_id="m" * 36, payment_gateway="sandbox")
    assert set(configured_gateways(settings, FixedClock(NOW))) == {"zarinpal", "sandbox"}


async def test_without_the_sandbox_its_pay_page_is_not_served(sqlite_db, bot_settings, clock, sms):
    from aiohttp.test_utils import TestClient, TestServer
    from pydantic import SecretStr

    from bot.app import init_app
    from bot.bootstrap import bootstrap
    from bot.dialogs.state import MemoryStateStore

    settings = bot_settings.model_copy(update={"zarinpal_merchant_id": SecretStr("m" * 36)})
    wiring = bootstrap(settings, clock=clock, sms=sms, store=MemoryStateStore())
    app = init_app(wiring, manage_database=False)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/payments/sandbox/pay/anything", data={"action": "pay"})
        assert response.status == 404


def test_every_provider_module_is_served_and_kept_independent_of_the_others():
    """A provider added to bot/payments/ must be in PROVIDERS (or the app never serves its
    routes) and in the import-linter contract that keeps it one module of its own."""
    import tomllib
    from pathlib import Path

    import bot.payments
    from bot.payments.providers import PROVIDERS

    shared = {"__init__", "common", "pages", "providers", "short_links"}
    package = Path(bot.payments.__file__).parent
    modules = {f"bot.payments.{p.stem}" for p in package.glob("*.py") if p.stem not in shared}
    assert {provider.__name__ for provider in PROVIDERS} == modules
    names = {provider.NAME for provider in PROVIDERS}
    assert names == {"zarinpal", "midtrans", "stripe", "sandbox"}

    config = tomllib.loads((package.parent.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [independence] = [
        c
        for c in contracts
        if c["type"] == "independence" and c["modules"][0].startswith("bot.payments.")
    ]
    assert set(independence["modules"]) == modules
