"""A console whose process sends on a recording Telegram (which fails for one chat, as a
platform's 5xx would), so a report's messages go out through the real relay and notifier."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.contract import Reply
from bot.dialogs.state import MemoryStateStore
from core.staff.audit import CLI_ACTOR
from tests.alerts.senders import RecordingSender
from tests.staff.conftest import PASSWORD, ROLES, Console

FAILING_CHAT = "666"


class PlatformDown(Exception):
    """What a platform's 5xx looks like to the notifier."""


class FlakyTelegram(RecordingSender):
    """Takes every notice but those for FAILING_CHAT, which fail."""

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        if chat_id == FAILING_CHAT:
            self.tried.append(chat_id)
            raise PlatformDown(chat_id)
        return await super().send(chat_id, replies)


@dataclass
class OpsConsole(Console):
    telegram: RecordingSender


# Operators and admins run outages, broadcasts and plans; billing staff and agents do not.
OPERATORS_ONLY = [("agent", 403), ("billing", 403), ("operator", 200), ("admin", 200)]


@pytest.fixture(name="ops_console")
async def ops_console_fixture(services, bot_settings) -> AsyncIterator[OpsConsole]:
    telegram = FlakyTelegram("telegram")
    wiring = bootstrap(
        bot_settings, services=services, store=MemoryStateStore(), senders=[telegram]
    )
    for role in ROLES:
        await wiring.staff.accounts.create(CLI_ACTOR, role, PASSWORD, role, full_name=role.title())
    app = init_app(wiring, manage_database=False)
    async with TestClient(TestServer(app)) as client:
        yield OpsConsole(client, wiring, telegram)
