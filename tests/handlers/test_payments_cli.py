"""`ispbot payments reconcile` as an operator runs it: its own process, the database, and the
provider (a local ZarinPal) — a payment whose callback never came is applied, and a saved
card's charge no run can settle is named for staff."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from tortoise import Tortoise

from bot.config import BotSettings
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.clock import SystemClock
from core.db import open_database
from tests.conftest import _close
from tests.fakes_payments import FakeZarinPal, serving
from tests.handlers.payments_support import (
    buyer,
    close_gateways,
    place,
    provider_services,
)


async def _ispbot(*args: str, **env: str) -> tuple[int, str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISPBOT_")}
    environment.update(env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.cli", *args, env=environment,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode or 0, out.decode(), err.decode()


async def test_the_reconcile_command_applies_a_payment_whose_callback_never_came(tmp_path):
    zarinpal = FakeZarinPal()
    url = f"sqlite://{tmp_path}/ispbot.sqlite3"
    async with serving(zarinpal.app()) as base:
        zarinpal.base_url = base
        env = {
            "ISPBOT_DATABASE_URL": url,
            "ISPBOT_ZARINPAL_MERCHANT_ID": zarinpal.merchant_id,
            "ISPBOT_ZARINPAL_API_BASE": base,
        }
        settings = BotSettings(
            _env_file=None,
            database_url=url,
            zarinpal_merchant_id=zarinpal.merchant_id,
            zarinpal_api_base=base,
        )
        await open_database(url)
        try:
            await Tortoise.generate_schemas()
            services = provider_services(settings, SystemClock())
            line = await buyer(settings, "IRR")
            order = await place(services, line)
            lost = await Order.create(
                tracking_number=400_003, subscriber=line, kind=OrderKind.RENEW_SERVICE,
                currency="IRR", subtotal=500_000, vat=45_000, payable=545_000,
                gateway="stripe", created_at=datetime.now(UTC) - timedelta(days=2),
                card_sent_at=datetime.now(UTC) - timedelta(days=2),
            )  # fmt: skip
            await close_gateways(services)
        finally:
            await _close()
        zarinpal.pay(order.gateway_ref)

        code, out, err = await _ispbot("payments", "reconcile", **env)

    assert code == 0, err
    assert "1 applied" in out and "card charges for staff: 1" in out
    assert (
        f"to settle in the console (Billing, Card charges to settle): {lost.tracking_number}" in out
    )
    await open_database(url)
    try:
        applied = await Order.get(tracking_number=order.tracking_number)
        assert applied.status == OrderStatus.APPLIED
    finally:
        await _close()
