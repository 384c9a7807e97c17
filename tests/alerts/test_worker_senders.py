"""What the worker's channel senders open, the worker closes when it stops."""

from __future__ import annotations

import secrets

from redis.asyncio import Redis

from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.dialogs.state import ChatKey
from bot.worker import build_worker
from tests.conftest import REDIS_TEST_URL
from tests.fakes_telegram import TOKEN


async def test_the_telegram_sender_s_state_store_is_closed_with_the_worker():
    settings = BotSettings(
        _env_file=None,
        redis_url=REDIS_TEST_URL,
        redis_prefix=f"test-senders-{secrets.token_hex(4)}:",
        telegram_token=TOKEN,
    )
    wiring = bootstrap(settings, process="worker")
    worker = build_worker(wiring, manage_database=False, handle_signals=False)
    telegram = wiring.senders["telegram"]
    store = telegram.buttons.store  # type: ignore[attr-defined]
    await store.load(ChatKey("telegram", "7001"))  # the store's Redis client connects
    connection_id = await store._redis.client_id()

    assert worker.on_shutdown is not None
    await worker.on_shutdown({})

    observer = Redis.from_url(REDIS_TEST_URL)
    try:
        clients = await observer.client_list()
    finally:
        await observer.aclose()
    assert connection_id not in {int(client["id"]) for client in clients}
