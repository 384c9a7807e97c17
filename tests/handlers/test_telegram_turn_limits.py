"""A Telegram turn sends its replies while it holds its chat's lock: its calls and their 429
waits end before the lock runs out (bot/pacing.py ``sending_by``), and what the store or the
Bot API answers wrongly is refused cleanly, never taken for handled."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError, TelegramRetryAfter

from bot.adapters import telegram_calls
from bot.adapters.telegram_bot import create_bot
from bot.adapters.telegram_calls import BotCalls, dump
from bot.adapters.telegram_limits import SendLimiter
from bot.config import BotSettings
from bot.dialogs.state import ChatKey, RedisStateStore
from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from bot.pacing import sending_by
from tests.dialogs.test_state import redis_prefix, redis_stores  # noqa: F401
from tests.fakes_telegram import TOKEN, FakeBotApi, callback_update, message_update
from tests.handlers import test_telegram
from tests.handlers.test_telegram import (
    SARA,
    SECRET,
    FakeTime,
    poster,
    start_app,
    telegram_settings,
)

# The channel's fixtures (the fake Bot API, the limiter's clock), shared with its tests.
bot_api = test_telegram.bot_api
fake_time = test_telegram.fake_time

HELLO = dump({"chat_id": 42, "text": "hello"})


def calls_of(api: FakeBotApi, time_: FakeTime) -> BotCalls:
    settings = BotSettings(_env_file=None, telegram_token=TOKEN, telegram_api_base=api.base_url)
    limiter = SendLimiter(now=time_.now, sleep=time_.sleep)
    return BotCalls.of(create_bot(settings, limiter))


async def test_a_429_longer_than_the_turn_has_left_is_raised_not_waited_out(bot_api):
    waits = FakeTime()
    calls = calls_of(bot_api, waits)
    try:
        bot_api.fail_next("sendMessage", 429, retry_after=30)
        with sending_by(time.monotonic() + 8), pytest.raises(TelegramRetryAfter):
            await calls.call("sendMessage", HELLO, chat_id=42)
        assert waits.waits == []
        bot_api.fail_next("sendMessage", 429, retry_after=3)  # one that fits is waited out
        with sending_by(time.monotonic() + 8):
            await calls.call("sendMessage", HELLO, chat_id=42)
        assert waits.waits == [3]
    finally:
        await calls.bot.session.close()


async def test_a_call_in_a_turn_waits_no_longer_than_the_turn_has_left(bot_api):
    calls = calls_of(bot_api, FakeTime())
    try:
        bot_api.answer_next("sendMessage", b'{"ok": true, "result": {}}', after=2)
        started = time.monotonic()
        with sending_by(started + 0.3), pytest.raises(TelegramNetworkError):
            await calls.call("sendMessage", HELLO, chat_id=42)
        assert time.monotonic() - started < 2
        with sending_by(time.monotonic() - 1), pytest.raises(TelegramNetworkError):
            await calls.call("sendMessage", HELLO, chat_id=42)  # no time left: not sent
        assert len(bot_api.calls_of("sendMessage")) == 1
    finally:
        await calls.bot.session.close()


async def test_a_call_in_a_turn_times_out_sooner_than_the_sessions_timeout(bot_api, monkeypatch):
    monkeypatch.setattr(telegram_calls, "TURN_CALL_TIMEOUT_SECONDS", 0.2)
    calls = calls_of(bot_api, FakeTime())
    try:
        bot_api.answer_next("sendMessage", b'{"ok": true, "result": {}}', after=2)
        started = time.monotonic()
        with sending_by(started + 60), pytest.raises(TelegramNetworkError):
            await calls.call("sendMessage", HELLO, chat_id=42)
        assert time.monotonic() - started < 2
    finally:
        await calls.bot.session.close()


@pytest.mark.parametrize("body", [b"[1, 2]", b'"ok"', b"7", b"null"])
async def test_an_answer_that_is_no_json_object_is_a_refusal(bot_api, body):
    calls = calls_of(bot_api, FakeTime())
    try:
        bot_api.answer_next("sendMessage", body)
        with pytest.raises(TelegramAPIError):
            await calls.call("sendMessage", HELLO, chat_id=42)
    finally:
        await calls.bot.session.close()


async def test_a_reply_rate_limited_past_the_chats_lock_is_dropped_and_the_turn_kept(
    services,
    bot_settings,
    bot_api,
    fake_time,
    redis_stores,  # noqa: F811
):
    """Waiting out a 30 s 429 would outlive a 10 s lock: the reply is given up, the turn's
    state saved and its update recorded, so a copy does not run it again."""
    store: RedisStateStore = redis_stores(lock_timeout_seconds=10)
    client = await start_app(telegram_settings(bot_settings, bot_api), services, store, fake_time)
    try:
        bot_api.fail_next("sendMessage", 429, retry_after=30)
        update = message_update(SARA, "hello")
        assert await poster(client)(update) == 200
        assert fake_time.waits == []
        assert [c.params.get("_failed") for c in bot_api.calls_of("sendMessage")] == [429]
        assert (await store.load(ChatKey("telegram", str(SARA)))) is not None
        assert await poster(client)(update) == 200  # the copy: skipped
        assert len(bot_api.calls_of("sendMessage")) == 1
    finally:
        await client.close()


async def test_a_button_press_while_the_store_is_down_is_answered_retry_and_not_recorded(
    services, bot_settings, bot_api, fake_time
):
    down = RedisStateStore.from_url("redis://127.0.0.1:9/0")  # the discard port: refused
    client = await start_app(telegram_settings(bot_settings, bot_api), services, down, fake_time)
    try:
        response = await client.post(
            PATH,
            json=callback_update(SARA, "~sometoken", message_id=5),
            headers={SECRET_HEADER: SECRET},
        )
        assert response.status == 503
        assert response.headers.get("Retry-After")
    finally:
        await client.close()
    assert bot_api.calls_of("sendMessage") == [] and bot_api.calls_of("editMessageText") == []


async def test_through_the_dispatcher_a_store_failure_before_the_turn_leaves_the_update_unsettled():
    """Polling and other updates go through OncePerUpdate: a handler that could not read the
    store did nothing, so the update is not recorded as handled but reported unrecorded."""
    from bot.dialogs.state import Claim, MemoryStateStore, StoreUnavailable
    from bot.handlers.telegram.updates import LedgerUnavailable, OncePerUpdate

    store = MemoryStateStore()
    once = OncePerUpdate(store, bot_id=1, ttl_seconds=60, lease_seconds=0.01)

    async def unread_token() -> None:
        raise StoreUnavailable("telegram:42")

    with pytest.raises(LedgerUnavailable):
        await once.once(7, unread_token)
    await asyncio.sleep(0.02)  # the claim's lease ran out: the next delivery is handled
    assert await store.claim(once.key_of(7), 60) is Claim.NEW
