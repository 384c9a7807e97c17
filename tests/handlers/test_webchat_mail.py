"""The web chat's sender in any process: a notice reaches a chat held open by another process
through Redis (two buses and two stores stand for a worker and a serve process), waits in the
mailbox of a chat seen lately, and is declined for a chat away too long."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from redis.asyncio import Redis

from bot.adapters.chat_bus import MemoryChatBus, RedisChatBus
from bot.dialogs.contract import Reply
from bot.dialogs.state import MemoryStateStore, RedisStateStore
from bot.handlers.files import FileLinks
from bot.handlers.webchat import WebChatHub
from bot.handlers.webchat.mail import WebChatSender, mailbox
from core.accounts.models import ChatIdentity
from tests.conftest import NOW, REDIS_TEST_URL
from tests.fakes import InMemoryFileStore


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    prefix = f"ispbot-test:{uuid.uuid4().hex}:"
    yield prefix
    client = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def sender(bot_settings, clock, store, bus) -> WebChatSender:
    links = FileLinks(bot_settings, InMemoryFileStore(), clock)
    return WebChatSender(bot_settings, clock, links, store, bus)


async def web_chat(seen_ago: timedelta) -> str:
    await ChatIdentity.create(channel="web", external_id="browser-1", last_seen_at=NOW - seen_ago)
    return "browser-1"


NOTICE = [Reply(text="Payment received", language="en")]


async def test_a_chat_open_in_another_process_is_called_and_reads_its_mailbox(
    sqlite_db, bot_settings, clock, redis_prefix
):
    chat_id = await web_chat(seen_ago=timedelta(days=3))  # open for days, not typing
    serve_store = RedisStateStore.from_url(REDIS_TEST_URL, prefix=redis_prefix)
    worker_store = RedisStateStore.from_url(REDIS_TEST_URL, prefix=redis_prefix)
    serve_bus = RedisChatBus(Redis.from_url(REDIS_TEST_URL, decode_responses=True), redis_prefix)
    worker_bus = RedisChatBus(Redis.from_url(REDIS_TEST_URL, decode_responses=True), redis_prefix)
    shown: asyncio.Queue[list[str]] = asyncio.Queue()

    async def heard(called: str) -> None:
        await shown.put(await serve_store.take_mail(mailbox(called)))

    try:
        await serve_bus.listen(chat_id, heard)
        taken = await sender(bot_settings, clock, worker_store, worker_bus).send(chat_id, NOTICE)
        assert taken
        frames = [frame for notice in await _drain(shown) for frame in json.loads(notice)]
        assert [frame["text"] for frame in frames] == ["Payment received"]

        await serve_bus.stop(chat_id)  # the tab closed: open nowhere, seen too long ago
        assert not await sender(bot_settings, clock, worker_store, worker_bus).send(chat_id, NOTICE)
        assert await worker_store.take_mail(mailbox(chat_id)) == []
    finally:
        for closing in (serve_bus, worker_bus, serve_store, worker_store):
            await closing.close()


async def test_a_chat_seen_lately_keeps_the_notice_until_it_opens(sqlite_db, bot_settings, clock):
    chat_id = await web_chat(seen_ago=timedelta(minutes=5))  # away on the payment page
    store, bus = MemoryStateStore(), MemoryChatBus()

    assert await sender(bot_settings, clock, store, bus).send(chat_id, NOTICE)

    [notice] = await store.take_mail(mailbox(chat_id))
    assert json.loads(notice)[0]["text"] == "Payment received"


async def test_a_chat_away_too_long_declines_so_the_next_channel_is_tried(
    sqlite_db, bot_settings, clock
):
    away = timedelta(seconds=bot_settings.webchat_away_seconds + 1)
    chat_id = await web_chat(seen_ago=away)
    store = MemoryStateStore()

    assert not await sender(bot_settings, clock, store, MemoryChatBus()).send(chat_id, NOTICE)
    assert await store.take_mail(mailbox(chat_id)) == []


class FailingCallBus(MemoryChatBus):
    """A bus whose call fails (Redis's publish down): the notice is in the mailbox already."""

    async def call(self, chat_id: str) -> int:
        raise ConnectionError("publish failed")


class FailingListenBus(MemoryChatBus):
    """A bus whose subscription fails once, then works."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def listen(self, chat_id, heard) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("subscribe failed")
        await super().listen(chat_id, heard)


async def test_a_failed_call_after_the_mail_is_kept_does_not_send_the_notice_twice(
    sqlite_db, bot_settings, clock
):
    chat_id = await web_chat(seen_ago=timedelta(minutes=5))
    store = MemoryStateStore()

    # Taken (True): the notifier must not also send it on the next channel.
    assert await sender(bot_settings, clock, store, FailingCallBus()).send(chat_id, NOTICE)
    [notice] = await store.take_mail(mailbox(chat_id))
    assert json.loads(notice)[0]["text"] == "Payment received"


async def test_a_tab_whose_subscription_failed_does_not_keep_the_next_tab_from_listening(
    bot_settings, clock
):
    bus = FailingListenBus()
    links = FileLinks(bot_settings, InMemoryFileStore(), clock)
    hub = WebChatHub(bot_settings, links, MemoryStateStore(), bus)
    first, second = object(), object()

    with pytest.raises(ConnectionError):
        await hub.add("browser-1", first)
    await hub.add("browser-1", second)

    assert await bus.call("browser-1") == 1


async def _drain(shown: asyncio.Queue[list[str]]) -> list[str]:
    """What the serve process showed: the first call's mail (the second finds it empty)."""
    notices = await asyncio.wait_for(shown.get(), timeout=5)
    while not notices:
        notices = await asyncio.wait_for(shown.get(), timeout=5)
    return notices


async def test_chats_opened_at_once_on_a_new_bus_all_hear_their_calls(redis_prefix):
    """Their first subscribes share the bus's one subscriber connection (each opened its own,
    and only the last was read)."""
    bus = RedisChatBus(Redis.from_url(REDIS_TEST_URL, decode_responses=True), redis_prefix)
    heard: asyncio.Queue[str] = asyncio.Queue()

    async def on_call(chat_id: str) -> None:
        await heard.put(chat_id)

    chats = [f"chat-{n}" for n in range(5)]
    try:
        await asyncio.gather(*(bus.listen(chat_id, on_call) for chat_id in chats))
        assert [await bus.call(chat_id) for chat_id in chats] == [1] * 5
        got = {await asyncio.wait_for(heard.get(), 5) for _ in chats}
        assert got == set(chats)
    finally:
        await bus.close()
