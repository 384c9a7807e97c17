"""Where conversations live between messages, and the lock that keeps one chat's turns in order.

Two stores with one interface: in memory (one process, tests, the console) and Redis (several
processes; a restart resumes every conversation). Values are JSON, so what a flow keeps must be
plain data; the memory store serialises too, so a flow that stores something else fails in tests
as it would in production.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockNotOwnedError

from bot.config import BotSettings

log = logging.getLogger(__name__)

State = dict[str, Any]


@dataclass(frozen=True, slots=True)
class ChatKey:
    """One conversation: a chat on one channel. Channels have separate id namespaces."""

    channel: str
    chat_id: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.chat_id}"


class ChatBusy(Exception):
    """The previous turn of this chat did not finish within the wait."""

    def __init__(self, chat: ChatKey) -> None:
        super().__init__(str(chat))
        self.chat = chat


class StateStore(Protocol):
    async def load(self, chat: ChatKey) -> State | None: ...

    async def save(self, chat: ChatKey, state: State) -> None:
        """Keep the state for the store's TTL from now (every turn renews it)."""
        ...

    async def delete(self, chat: ChatKey) -> None: ...

    def lock(self, chat: ChatKey) -> AbstractAsyncContextManager[None]:
        """Hold the chat for one turn; raises ChatBusy if the previous turn does not end in time."""
        ...

    async def seen(self, key: str, ttl_seconds: float) -> bool:
        """True if ``key`` was marked within ``ttl_seconds``; marks it otherwise. Channels pass
        the provider's update id to drop redelivered updates."""
        ...

    async def close(self) -> None: ...


def _dump(state: State) -> str:
    return json.dumps(state, ensure_ascii=False, separators=(",", ":"))


class MemoryStateStore:
    """One process's conversations. ``now`` is injectable so tests can expire them."""

    # Expired entries are dropped on read; a sweep every so many writes bounds the memory of
    # chats that never come back.
    _SWEEP_EVERY = 1000

    def __init__(
        self,
        *,
        ttl_seconds: float = BotSettings.model_fields["state_ttl_seconds"].default,
        lock_wait_seconds: float = BotSettings.model_fields["lock_wait_seconds"].default,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._lock_wait = lock_wait_seconds
        self._now = now
        self._states: dict[str, tuple[str, float]] = {}
        self._seen: dict[str, float] = {}
        self._locks = KeyedLocks()
        self._writes = 0

    async def load(self, chat: ChatKey) -> State | None:
        entry = self._states.get(str(chat))
        if entry is None:
            return None
        payload, expires_at = entry
        if expires_at <= self._now():
            del self._states[str(chat)]
            return None
        loaded: State = json.loads(payload)
        return loaded

    async def save(self, chat: ChatKey, state: State) -> None:
        self._states[str(chat)] = (_dump(state), self._now() + self._ttl)
        self._writes += 1
        if self._writes % self._SWEEP_EVERY == 0:
            self._sweep()

    async def delete(self, chat: ChatKey) -> None:
        self._states.pop(str(chat), None)

    def lock(self, chat: ChatKey) -> AbstractAsyncContextManager[None]:
        return self._locks.hold(str(chat), self._lock_wait, chat)

    async def seen(self, key: str, ttl_seconds: float) -> bool:
        now = self._now()
        expires_at = self._seen.get(key)
        if expires_at is not None and expires_at > now:
            return True
        self._seen[key] = now + ttl_seconds
        return False

    async def close(self) -> None:
        return None

    def _sweep(self) -> None:
        now = self._now()
        for key in [k for k, (_, expires_at) in self._states.items() if expires_at <= now]:
            del self._states[key]
        for key in [k for k, expires_at in self._seen.items() if expires_at <= now]:
            del self._seen[key]


class KeyedLocks:
    """An asyncio.Lock per key, created on demand and dropped when nobody holds or awaits it.

    asyncio.Lock wakes waiters in the order they came, so the turns of one chat run in the
    order their messages arrived.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, key: str, wait_seconds: float, chat: ChatKey) -> AsyncIterator[None]:
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._users[key] = self._users.get(key, 0) + 1
        try:
            try:
                async with asyncio.timeout(wait_seconds):
                    await lock.acquire()
            except TimeoutError:
                raise ChatBusy(chat) from None
            try:
                yield
            finally:
                lock.release()
        finally:
            self._users[key] -= 1
            if self._users[key] == 0:
                del self._users[key]
                del self._locks[key]


class RedisStateStore:
    """Conversations in Redis: one JSON string per chat with a TTL, and a lock per chat that
    holds across processes (redis-py's Lock: SET NX with a random token and an expiry)."""

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "ispbot:",
        ttl_seconds: float = BotSettings.model_fields["state_ttl_seconds"].default,
        lock_timeout_seconds: float = BotSettings.model_fields["lock_timeout_seconds"].default,
        lock_wait_seconds: float = BotSettings.model_fields["lock_wait_seconds"].default,
        lock_poll_seconds: float = 0.02,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._ttl_ms = max(1, round(ttl_seconds * 1000))
        self._lock_timeout = lock_timeout_seconds
        self._lock_wait = lock_wait_seconds
        self._lock_poll = lock_poll_seconds

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStateStore:
        return cls(Redis.from_url(url, decode_responses=True), **options)

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}{kind}:{name}"

    async def load(self, chat: ChatKey) -> State | None:
        payload = await self._redis.get(self._key("state", str(chat)))
        if payload is None:
            return None
        loaded: State = json.loads(payload)
        return loaded

    async def save(self, chat: ChatKey, state: State) -> None:
        await self._redis.set(self._key("state", str(chat)), _dump(state), px=self._ttl_ms)

    async def delete(self, chat: ChatKey) -> None:
        await self._redis.delete(self._key("state", str(chat)))

    @asynccontextmanager
    async def lock(self, chat: ChatKey) -> AsyncIterator[None]:
        lock = self._redis.lock(
            self._key("lock", str(chat)),
            timeout=self._lock_timeout,
            sleep=self._lock_poll,
            blocking_timeout=self._lock_wait,
            # The token must belong to this Lock object, not to the thread: every coroutine of
            # the process runs on the same thread.
            thread_local=False,
        )
        if not await lock.acquire():
            raise ChatBusy(chat)
        try:
            yield
        finally:
            try:
                await lock.release()
            except LockNotOwnedError:
                # The turn outlived lock_timeout_seconds and another turn may have run meanwhile.
                log.warning("the lock of chat %s expired before its turn ended", chat)

    async def seen(self, key: str, ttl_seconds: float) -> bool:
        marked = await self._redis.set(
            self._key("seen", key), "1", nx=True, px=max(1, round(ttl_seconds * 1000))
        )
        return not marked

    async def close(self) -> None:
        await self._redis.aclose()


def open_state_store(settings: BotSettings) -> StateStore:
    """Redis when ISPBOT_REDIS_URL is set, memory otherwise."""
    if settings.redis_url:
        return RedisStateStore.from_url(
            settings.redis_url,
            prefix=settings.redis_prefix,
            ttl_seconds=settings.state_ttl_seconds,
            lock_timeout_seconds=settings.lock_timeout_seconds,
            lock_wait_seconds=settings.lock_wait_seconds,
        )
    return MemoryStateStore(
        ttl_seconds=settings.state_ttl_seconds, lock_wait_seconds=settings.lock_wait_seconds
    )
