"""Calling a chat held open by a serve process: "read your mailbox now".

A web chat's socket lives in one serve process, while a notice for it may be sent by any (a
worker, another serve). The sender leaves the notice in the chat's mailbox (the state store)
and calls the chat; every process listening for that chat (it holds a socket of it) shows the
mailbox. ``call`` says how many processes heard, so the sender knows whether the chat is open
anywhere. In Redis the call is a PUBLISH on a channel per chat, each process subscribing to the
chats it holds (PUBLISH answers with the number of subscribers that got it); in memory (one
process: the demo, the console, tests) a direct call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from bot.redis_clients import open_redis

log = logging.getLogger(__name__)

Heard = Callable[[str], Awaitable[None]]
# How long the Redis reader waits for a call before looking again (and after an error).
POLL_SECONDS = 1.0


class ChatBus(Protocol):
    async def call(self, chat_id: str) -> int:
        """Tell the processes holding the chat open to read its mailbox; how many heard."""
        ...

    async def listen(self, chat_id: str, heard: Heard) -> None:
        """Have ``heard(chat_id)`` run on each call of the chat, until ``stop``."""
        ...

    async def stop(self, chat_id: str) -> None: ...

    async def close(self) -> None: ...


class MemoryChatBus:
    """One process's chats."""

    def __init__(self) -> None:
        self._heard: dict[str, Heard] = {}

    async def call(self, chat_id: str) -> int:
        heard = self._heard.get(chat_id)
        if heard is None:
            return 0
        await heard(chat_id)
        return 1

    async def listen(self, chat_id: str, heard: Heard) -> None:
        self._heard[chat_id] = heard

    async def stop(self, chat_id: str) -> None:
        self._heard.pop(chat_id, None)

    async def close(self) -> None:
        self._heard.clear()


class RedisChatBus:
    """Calls as Redis pub/sub messages: one channel per chat, one subscriber connection per
    process, read by one task that runs each chat's ``heard`` in a task of its own (a slow
    socket does not hold up the other chats)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self._redis = redis
        self._prefix = f"{prefix}webchat:"
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._heard: dict[str, Heard] = {}
        self._running: set[asyncio.Task[None]] = set()
        self._connecting = asyncio.Lock()

    def _topic(self, chat_id: str) -> str:
        return self._prefix + chat_id

    async def call(self, chat_id: str) -> int:
        return int(await self._redis.publish(self._topic(chat_id), "mail"))

    async def listen(self, chat_id: str, heard: Heard) -> None:
        self._heard[chat_id] = heard
        if self._pubsub is None:
            self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        pubsub = self._pubsub
        if pubsub.connection is None:
            # The first subscribe opens the subscriber connection: chats opened meanwhile
            # would each open one of their own, and only the last would be read.
            async with self._connecting:
                await pubsub.subscribe(self._topic(chat_id))
        else:
            await pubsub.subscribe(self._topic(chat_id))
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(self._pubsub))

    async def stop(self, chat_id: str) -> None:
        self._heard.pop(chat_id, None)
        if self._pubsub is None:
            return
        try:
            await self._pubsub.unsubscribe(self._topic(chat_id))
        except Exception as error:
            # The connection is gone (Redis restarted, the process stopping): a call that
            # still comes finds no ``heard`` and is dropped; the notice stays in the mailbox.
            log.info("web chat %s: unsubscribing failed: %r", chat_id, error)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            try:
                message = await pubsub.get_message(
                    ignore_subscribe_messages=True, timeout=POLL_SECONDS
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Redis restarted or the connection dropped: redis-py subscribes again on
                # reconnecting; a call made meanwhile waits in the mailbox for the next.
                log.warning("web chat calls: reading failed: %r; trying again", error)
                await asyncio.sleep(POLL_SECONDS)
                continue
            if message is None or message.get("type") != "message":
                continue
            topic = message["channel"]
            chat_id = (topic.decode() if isinstance(topic, bytes) else topic)[len(self._prefix) :]
            heard = self._heard.get(chat_id)
            if heard is not None:
                task = asyncio.create_task(heard(chat_id))
                self._running.add(task)
                task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("web chat calls: showing a mailbox failed: %r", task.exception())

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        for task in list(self._running):
            task.cancel()
        if self._pubsub is not None:
            await self._pubsub.aclose()
        await self._redis.aclose()


def open_chat_bus(redis_url: str | None, prefix: str) -> ChatBus:
    """Redis when there is one (processes share the chats), memory otherwise."""
    if redis_url:
        return RedisChatBus(open_redis(redis_url, decode_responses=True), prefix)
    return MemoryChatBus()
