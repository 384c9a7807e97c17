"""The demo's sandbox (whose pay page takes no money) never stands beside a real provider."""

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
    from bot.bootstrap import build_services
    from bot.dialogs.state import MemoryStateStore

    settings = bot_settings.model_copy(update={"zarinpal_merchant_id": SecretStr("m" * 36)})
    services = build_services(settings, clock=clock, sms=sms)
    app = init_app(settings, services=services, store=MemoryStateStore(), manage_database=False)
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/payments/sandbox/pay/anything", data={"action": "pay"})
        assert response.status == 404
