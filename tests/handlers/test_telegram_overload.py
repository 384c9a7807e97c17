"""Above capacity the webhook takes at most ISPBOT_TELEGRAM_MAX_TURNS_IN_FLIGHT updates at once
and answers the rest 503 with Retry-After, without marking them handled: Telegram's redelivery
is then handled once. The real app on SQLite; replies go to a local Bot API server whose
sendMessage is held open, so a turn stays in flight as long as the test wants."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.config import BotSettings
from bot.dialogs.state import MemoryStateStore
from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from tests.fakes_telegram import Call, FakeBotApi, message_update
from tests.handlers.test_telegram import (
    SECRET,
    FakeTime,
    poster,
    start_app,
    telegram_settings,
)


class HeldBotApi(FakeBotApi):
    """sendMessage answers only once ``release`` is set; ``until_held(n)`` returns when n
    sends are waiting."""

    def __init__(self) -> None:
        super().__init__()
        self.release = asyncio.Event()
        self._waiting = 0
        self._arrived = asyncio.Condition()

    async def _api_sendMessage(self, call: Call) -> dict[str, Any]:
        async with self._arrived:
            self._waiting += 1
            self._arrived.notify_all()
        await self.release.wait()
        return await super()._api_sendMessage(call)

    async def until_held(self, count: int) -> None:
        async with self._arrived:
            await self._arrived.wait_for(lambda: self._waiting >= count)


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def held_api() -> AsyncIterator[HeldBotApi]:
    async with HeldBotApi() as api:
        yield api


async def test_beyond_the_turns_in_flight_an_update_is_refused_then_handled_once_redelivered(
    services, bot_settings, held_api, fake_time
):
    settings = telegram_settings(bot_settings, held_api, telegram_max_turns_in_flight=1)
    client = await start_app(settings, services, MemoryStateStore(), fake_time)
    post = poster(client)
    first, second = message_update(701, "/start"), message_update(702, "/start")
    try:
        in_flight = asyncio.create_task(post(first))
        await held_api.until_held(1)

        forged = await client.post(PATH, json=second, headers={SECRET_HEADER: "forged"})
        assert forged.status == 403  # the secret is still checked first
        refused = await client.post(PATH, json=second, headers={SECRET_HEADER: SECRET})
        assert refused.status == 503
        assert refused.headers["Retry-After"] == "1"
        assert held_api.sent(702) == []

        held_api.release.set()
        assert await in_flight == 200
        # Telegram delivers the refused update again: now it is handled, and only once.
        assert await post(second) == 200
        assert len(held_api.sent(702)) == 1
        assert await post(second) == 200
        assert len(held_api.sent(702)) == 1
        assert len(held_api.sent(701)) == 1
    finally:
        held_api.release.set()
        await client.close()


async def test_turns_below_the_limit_are_all_taken_at_once(
    services, bot_settings, held_api, fake_time
):
    settings = telegram_settings(bot_settings, held_api, telegram_max_turns_in_flight=3)
    client = await start_app(settings, services, MemoryStateStore(), fake_time)
    post = poster(client)
    try:
        updates = [message_update(710 + n, "/start") for n in range(3)]
        tasks = [asyncio.create_task(post(update)) for update in updates]
        await held_api.until_held(3)
        held_api.release.set()
        assert await asyncio.gather(*tasks) == [200, 200, 200]
    finally:
        held_api.release.set()
        await client.close()


async def test_a_refusal_is_answered_before_the_body_arrives_and_logs_no_line_each(
    services, bot_settings, held_api, fake_time, caplog
):
    # Above capacity most requests end in the refusal: it must not wait on the client (a
    # slow or stalled body) nor write a log line each (bench/refusals.py measures its CPU).
    settings = telegram_settings(bot_settings, held_api, telegram_max_turns_in_flight=1)
    client = await start_app(settings, services, MemoryStateStore(), fake_time)
    post = poster(client)
    in_flight = asyncio.create_task(post(message_update(720, "/start")))
    writers: list[asyncio.StreamWriter] = []
    try:
        await held_api.until_held(1)
        body = json.dumps(message_update(721, "/start")).encode()
        head = (
            f"POST {PATH} HTTP/1.1\r\nHost: {client.host}\r\n"
            f"Content-Type: application/json\r\n{SECRET_HEADER}: {SECRET}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        caplog.clear()
        for _ in range(5):
            reader, writer = await asyncio.open_connection(client.host, client.port)
            writers.append(writer)
            writer.write(head + body[: len(body) // 2])  # the rest never comes
            answer = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            assert answer.startswith(b"HTTP/1.1 503")
            assert b"Retry-After: 1" in answer
        # The first refusal is told (and then one line every LOG_REFUSALS_EVERY seconds).
        assert len([r for r in caplog.records if "refused" in r.getMessage()]) <= 1
        assert held_api.sent(721) == []
    finally:
        for writer in writers:
            writer.close()
        held_api.release.set()
        await in_flight
        await client.close()


def test_the_limit_is_a_setting_of_at_least_one(monkeypatch):
    monkeypatch.setenv("ISPBOT_TELEGRAM_MAX_TURNS_IN_FLIGHT", "40")
    assert BotSettings().telegram_max_turns_in_flight == 40
    monkeypatch.setenv("ISPBOT_TELEGRAM_MAX_TURNS_IN_FLIGHT", "0")
    with pytest.raises(ValueError):
        BotSettings()
