"""The console served by the whole web app over the real core on SQLite, with staff of each
role, and a browser-like client that logs in through the login form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.wiring import Wiring
from core.staff.audit import CLI_ACTOR
from tests.dialogs.conftest import bot_settings, services, sms, sqlite_db  # noqa: F401

PASSWORD = "console-pass-1"
ROLES = ("admin", "operator", "billing", "agent")
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Console:
    client: TestClient
    wiring: Wiring

    async def csrf(self, path: str) -> str:
        page = await self.client.get(path)
        found = _CSRF.search(await page.text())
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    async def log_in(self, username: str, password: str = PASSWORD, code: str = ""):
        token = await self.csrf("/staff/login")
        return await self.client.post(
            "/staff/login",
            data={"csrf": token, "username": username, "password": password, "code": code},
            allow_redirects=False,
        )


@pytest.fixture
async def console(services, bot_settings) -> AsyncIterator[Console]:  # noqa: F811
    wiring = bootstrap(bot_settings, services=services, store=MemoryStateStore())
    for role in ROLES:
        await wiring.staff.accounts.create(CLI_ACTOR, role, PASSWORD, role, full_name=role.title())
    app = init_app(wiring, manage_database=False)
    async with TestClient(TestServer(app)) as client:
        yield Console(client, wiring)
