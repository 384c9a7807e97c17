"""The Telegram channel keeps nothing per chat in the process: conversations live in the state
store, so a process's memory does not grow with the number of chats it has served."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.dialogs.state import MemoryStateStore
from bot.handlers.telegram import TELEGRAM
from tests.fakes_telegram import FakeBotApi, message_update
from tests.handlers.test_telegram import FakeTime, poster, start_app, telegram_settings


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        yield api


async def test_chats_served_leave_no_record_in_the_dispatcher(services, bot_settings, bot_api):
    client = await start_app(
        telegram_settings(bot_settings, bot_api), services, MemoryStateStore(), FakeTime()
    )
    try:
        post = poster(client)
        for chat in range(801, 806):
            assert await post(message_update(chat, "/start")) == 200
        assert len(bot_api.sent()) == 5
        dispatcher = client.app[TELEGRAM].dispatcher
        # aiogram's FSM would hold a record per chat in its memory storage for ever.
        assert dispatcher.fsm not in dispatcher.update.outer_middleware
        assert len(dispatcher.fsm.storage.storage) == 0
    finally:
        await client.close()
