"""What the worker's channel senders open, the worker closes when it stops."""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

from bot.config import BotSettings
from bot.dialogs.state import ChatKey
from bot.worker import channel_senders
from core.accounts.chats import Chats
from core.clock import SystemClock
from tests.conftest import REDIS_TEST_URL
from tests.fakes_telegram import TOKEN


async def test_the_telegram_sender_s_state_store_is_closed_with_the_worker():
    settings = BotSettings(
        _env_file=None,
        redis_url=REDIS_TEST_URL,
        redis_prefix=f"test-senders-{secrets.token_hex(4)}:",
        telegram_token=TOKEN,
    )
    [telegram], to_close = channel_senders(settings, SystemClock(), Chats(SystemClock()))
    store = telegram.buttons.store
    await store.load(ChatKey("telegram", "7001"))  # the store's Redis client connects
    connection_id = await store._redis.client_id()

    for resource in to_close:
        await resource.close()

    observer = Redis.from_url(REDIS_TEST_URL)
    try:
        clients = await observer.client_list()
    finally:
        await observer.aclose()
    assert connection_id not in {int(client["id"]) for client in clients}
