"""The web app over the real core on SQLite, served on a local port."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from tests.dialogs.conftest import bot_settings, services, sms, sqlite_db  # noqa: F401

# The payment providers' local servers and the app wired to them (tests/handlers/test_payments_*).
from tests.handlers.payments_support import (  # noqa: F401
    pay_client,
    pay_services,
    pay_settings,
    providers,
)
from tests.smtp_server import smtp_server  # noqa: F401


@pytest.fixture
async def client(services, bot_settings) -> AsyncIterator[TestClient]:  # noqa: F811
    app = init_app(
        bootstrap(bot_settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    async with TestClient(TestServer(app)) as client:
        yield client
