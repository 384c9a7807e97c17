"""Where conversations live between messages, and the lock that keeps one chat's turns in order.

Two stores with one interface: in memory (one process, tests, the console) and Redis (several
processes; a restart resumes every conversation). Values are JSON, so what a flow keeps must be
plain data; the memory store serialises too, so a flow that stores something else fails in tests
as it would in production. Beside the conversations, mailboxes: what was sent to a chat that
could not show it then (a closed web chat), bounded, with a TTL.
"""

from __future__ import annotations

import asyncio
import enum
import json
import logging
import math
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import LockNotOwnedError, RedisError

from bot.config import BotSettings
from bot.redis_clients import open_redis

log = logging.getLogger(__name__)

State = dict[str, Any]
# Where a running flow keeps itself: gone when it ends (bot/dialogs/engine.py).
FLOW_KEYS = ("flow", "step", "data", "history", "options", "labels", "numbered")


def reset_flow(state: State) -> None:
    """Forget the running flow; what the chat keeps beside it (language, last turn) stays."""
    for key in FLOW_KEYS:
        state.pop(key, None)


def flow_expired(state: State, now_ts: float, timeout: float) -> bool:
    """Whether the chat's flow was left alone longer than ``timeout`` seconds (``at`` is the
    timestamp of its last turn); never when no flow runs."""
    at = state.get("at")
    if not state.get("flow") or at is None:
        return False
    return now_ts - float(at) > timeout


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


class Held:
    """A chat held for one turn (``StateStore.hold``): its state as loaded, and ``send_by``:
    the monotonic time by which the turn must be done sending, a margin before its lock runs
    out (infinite when the lock does not expire)."""

    __slots__ = ("kept", "send_by", "state")

    def __init__(self, state: State | None, send_by: float = math.inf) -> None:
        self.state: State = state or {}
        self.kept: State | None = None
        self.send_by = send_by

    def keep(self, state: State) -> None:
        """Save ``state`` when the chat is let go (a turn that fails keeps nothing)."""
        self.kept = state


class Claim(enum.Enum):
    """What ``StateStore.claim`` found of a delivery."""

    NEW = "new"  # never seen: now claimed for the lease
    IN_FLIGHT = "in_flight"  # claimed by a handler that has not settled it (or died)
    DONE = "done"  # settled: handled before


@dataclass(frozen=True, slots=True)
class Delivery:
    """A provider's delivery a turn answers (a Telegram update), claimed and settled with the
    chat's round instead of in trips of its own (``claim`` and ``settle``, the same key)."""

    key: str
    lease_seconds: float
    ttl_seconds: float


class DeliveryTaken(Exception):
    """The delivery a round was asked to claim is handled already, or being handled."""

    def __init__(self, claim: Claim) -> None:
        super().__init__(claim.value)
        self.claim = claim


class StoreUnavailable(Exception):
    """The store did not answer a round's trip (the chat's state and lock, a delivery's claim)."""


class StateStore(Protocol):
    def hold(
        self, chat: ChatKey, delivery: Delivery | None = None
    ) -> AbstractAsyncContextManager[Held]:
        """One turn's round: take the chat's lock (ChatBusy if the previous turn does not end
        in time) and load its state; on the way out save what was kept and let go. The same
        as ``lock``, ``load`` and ``save`` in turn, in as few trips to the store as it can.
        With ``delivery``, the round also claims it as it takes the lock (DeliveryTaken, and
        nothing held, when it was claimed before) and settles it as it lets go, whatever the
        turn did. A trip the store does not answer raises StoreUnavailable."""
        ...

    async def load(self, chat: ChatKey) -> State | None: ...

    async def save(self, chat: ChatKey, state: State) -> None:
        """Keep the state for the store's TTL from now (every turn renews it)."""
        ...

    async def refresh(self, chat: ChatKey, state: State) -> bool:
        """Save like ``save``, but only over a state the chat still has: False, and nothing
        written, when it was deleted (or ran out) meanwhile. For a record that must not come
        back once ended, such as a staff session read before a logout and written after it."""
        ...

    async def delete(self, chat: ChatKey) -> None: ...

    def lock(self, chat: ChatKey) -> AbstractAsyncContextManager[None]:
        """Hold the chat for one turn; raises ChatBusy if the previous turn does not end in time."""
        ...

    async def seen(self, key: str, ttl_seconds: float) -> bool:
        """True if ``key`` was marked within ``ttl_seconds``; marks it otherwise. Channels pass
        the provider's update id to drop redelivered updates."""
        ...

    async def add_mail(self, box: str, item: str, *, limit: int, ttl_seconds: float) -> None:
        """Append ``item`` to the mailbox ``box``, keeping its newest ``limit`` items; the box
        is kept ``ttl_seconds`` from now."""
        ...

    async def take_mail(self, box: str) -> list[str]:
        """Empty the mailbox ``box`` at once: its items, oldest first."""
        ...

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        """A delivery that is handled in two steps, for a provider that delivers again what
        was not answered: NEW claims ``key`` for ``lease_seconds``, the longest a handling may
        take; ``settle`` then records it as handled. A handler that dies in between leaves a
        lease that runs out, and the next delivery is NEW again instead of taken for done."""
        ...

    async def settle(self, key: str, ttl_seconds: float) -> None:
        """Record a claimed delivery as handled, for ``ttl_seconds``."""
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
        self._mail: dict[str, tuple[list[str], float]] = {}
        self._claims: dict[str, tuple[Claim, float]] = {}
        self._locks = KeyedLocks()
        self._writes = 0

    @asynccontextmanager
    async def hold(self, chat: ChatKey, delivery: Delivery | None = None) -> AsyncIterator[Held]:
        if delivery is not None:
            self._check_unclaimed(delivery)
        async with self.lock(chat):
            try:
                held = Held(await self.load(chat))
            except Exception as error:
                raise StoreUnavailable(str(chat)) from error
            if delivery is not None:  # claimed by a copy while this one waited for the lock
                self._check_unclaimed(delivery)
                await self.claim(delivery.key, delivery.lease_seconds)
            try:
                yield held
                if held.kept is not None:
                    await self.save(chat, held.kept)
            finally:
                if delivery is not None:
                    await self.settle(delivery.key, delivery.ttl_seconds)

    def _check_unclaimed(self, delivery: Delivery) -> None:
        found = self._claims.get(delivery.key)
        if found is not None and found[1] > self._now():
            raise DeliveryTaken(found[0])

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

    async def refresh(self, chat: ChatKey, state: State) -> bool:
        entry = self._states.get(str(chat))
        if entry is None or entry[1] <= self._now():
            return False
        await self.save(chat, state)
        return True

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

    async def add_mail(self, box: str, item: str, *, limit: int, ttl_seconds: float) -> None:
        now = self._now()
        items, expires_at = self._mail.get(box, ([], now))
        if expires_at <= now:
            items = []
        self._mail[box] = ([*items, item][-limit:], now + ttl_seconds)
        self._writes += 1
        if self._writes % self._SWEEP_EVERY == 0:
            self._sweep()

    async def take_mail(self, box: str) -> list[str]:
        items, expires_at = self._mail.pop(box, ([], 0.0))
        return items if expires_at > self._now() else []

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        now = self._now()
        found = self._claims.get(key)
        if found is not None and found[1] > now:
            return found[0]
        self._claims[key] = (Claim.IN_FLIGHT, now + lease_seconds)
        return Claim.NEW

    async def settle(self, key: str, ttl_seconds: float) -> None:
        self._claims[key] = (Claim.DONE, self._now() + ttl_seconds)

    async def close(self) -> None:
        return None

    def _sweep(self) -> None:
        now = self._now()
        for key in [k for k, (_, expires_at) in self._mail.items() if expires_at <= now]:
            del self._mail[key]
        for key in [k for k, (_, expires_at) in self._states.items() if expires_at <= now]:
            del self._states[key]
        for key in [k for k, expires_at in self._seen.items() if expires_at <= now]:
            del self._seen[key]
        for key in [k for k, (_, expires_at) in self._claims.items() if expires_at <= now]:
            del self._claims[key]


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


# hold()'s two scripts. Begin: take the lock, read the state. End: save the state (when
# given), let go of the lock if it is still ours.
_BUSY, _HELD, _TAKEN = 1, 2, 3
# KEYS[3], when given, is a delivery's claim: looked at first (a delivery claimed or settled
# is answered from it, nothing held), then claimed for ARGV[3] ms with the lock.
# A begin re-sent with the same token (its answer lost with the connection) finds the lock
# its own: held, not busy, and not taken by its own claim.
_BEGIN_TURN = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return {2, redis.call('GET', KEYS[2])}
end
if KEYS[3] then
  local found = redis.call('GET', KEYS[3])
  if found then
    return {3, found}
  end
end
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return {1}
end
if KEYS[3] then
  redis.call('SET', KEYS[3], 'in_flight', 'PX', ARGV[3])
end
return {2, redis.call('GET', KEYS[2])}
"""
# A claim: SET NX with the lease, else what the key holds ('in_flight', or 'done'; a mark of
# ``seen`` reads as done).
_CLAIM = """
if redis.call('SET', KEYS[1], 'in_flight', 'NX', 'PX', ARGV[1]) then
  return 'new'
end
return redis.call('GET', KEYS[1])
"""
# KEYS[3], when given, is the delivery claimed with the lock: recorded as handled for ARGV[4] ms
# (its replies went out, whether or not the lock was still ours). The state is saved only
# while the lock is ours: a turn that outlived it may have been followed by a newer turn,
# whose state an older one must not overwrite. Returns 1 when the lock was ours, else 0.
_END_TURN = """
if KEYS[3] then
  redis.call('SET', KEYS[3], 'done', 'PX', ARGV[4])
end
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] ~= '' then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
end
redis.call('DEL', KEYS[1])
return 1
"""
# What a turn keeps of its lock's time for the end of its round (the trip to the store):
# sends stop this long before the lock runs out, at most a fifth of the lock's time.
SEND_MARGIN_SECONDS = 5.0


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
        self._begin = redis.register_script(_BEGIN_TURN)
        self._end = redis.register_script(_END_TURN)
        self._claim = redis.register_script(_CLAIM)

    @asynccontextmanager
    async def hold(self, chat: ChatKey, delivery: Delivery | None = None) -> AsyncIterator[Held]:
        # Two round trips a turn, a delivery's claim and settling included: a turn is a few
        # milliseconds of CPU, and each trip costs a socket write and a wake-up on either side
        # (bench/RESULTS.md).
        keys = [self._key("lock", str(chat)), self._key("state", str(chat))]
        token = secrets.token_hex(16)
        lock_ms = max(1, round(self._lock_timeout * 1000))
        begin_args: list[Any] = [token, lock_ms]
        end_args: list[Any] = [token, "", self._ttl_ms]
        if delivery is not None:
            keys.append(self._key("seen", delivery.key))
            # The claim lasts twice the lock at least: a turn sends only while it holds the
            # lock (Held.send_by), so a copy that finds the claim run out finds the first
            # turn over, even one whose end was slow, not still running.
            begin_args.append(max(2 * lock_ms, round(delivery.lease_seconds * 1000)))
            end_args.append(max(1, round(delivery.ttl_seconds * 1000)))
        deadline = time.monotonic() + self._lock_wait
        while True:
            asked_at = time.monotonic()
            try:
                answer = await self._begin(keys=keys, args=begin_args)
            except RedisError as error:
                raise StoreUnavailable(str(chat)) from error
            if answer[0] == _HELD:
                break
            if answer[0] == _TAKEN:
                raise DeliveryTaken(Claim.IN_FLIGHT if answer[1] == "in_flight" else Claim.DONE)
            if time.monotonic() >= deadline:
                raise ChatBusy(chat)
            await asyncio.sleep(self._lock_poll)
        # The lock runs from when Redis set it, no sooner than we asked.
        margin = min(SEND_MARGIN_SECONDS, self._lock_timeout / 5)
        send_by = asked_at + self._lock_timeout - margin
        held = Held(json.loads(answer[1]) if answer[1] is not None else None, send_by)
        try:
            yield held
            if held.kept is not None:
                end_args[1] = _dump(held.kept)
        finally:
            try:
                released = await self._end(keys=keys, args=end_args)
            except RedisError as error:
                raise StoreUnavailable(str(chat)) from error
            if not released:
                # The turn outlived lock_timeout_seconds and another turn may have run meanwhile.
                log.warning(
                    "the lock of chat %s expired before its turn ended; its state was not saved",
                    chat,
                )

    @classmethod
    def from_url(cls, url: str, **options: Any) -> RedisStateStore:
        return cls(open_redis(url, decode_responses=True), **options)

    def _key(self, kind: str, name: str) -> str:
        return f"{self._prefix}{kind}:{name}"

    async def load(self, chat: ChatKey) -> State | None:
        try:
            payload = await self._redis.get(self._key("state", str(chat)))
        except RedisError as error:
            raise StoreUnavailable(str(chat)) from error
        if payload is None:
            return None
        loaded: State = json.loads(payload)
        return loaded

    async def save(self, chat: ChatKey, state: State) -> None:
        await self._redis.set(self._key("state", str(chat)), _dump(state), px=self._ttl_ms)

    async def refresh(self, chat: ChatKey, state: State) -> bool:
        # SET XX: one command, so a DEL between our read and this write wins.
        written = await self._redis.set(
            self._key("state", str(chat)), _dump(state), px=self._ttl_ms, xx=True
        )
        return bool(written)

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

    async def add_mail(self, box: str, item: str, *, limit: int, ttl_seconds: float) -> None:
        key = self._key("mail", box)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.rpush(key, item)
            pipe.ltrim(key, -limit, -1)
            pipe.pexpire(key, max(1, round(ttl_seconds * 1000)))
            await pipe.execute()

    async def take_mail(self, box: str) -> list[str]:
        key = self._key("mail", box)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.lrange(key, 0, -1)
            pipe.delete(key)
            items, _ = await pipe.execute()
        return list(items)

    async def claim(self, key: str, lease_seconds: float) -> Claim:
        found = await self._claim(
            keys=[self._key("seen", key)], args=[max(1, round(lease_seconds * 1000))]
        )
        if found == "new":
            return Claim.NEW
        return Claim.IN_FLIGHT if found == "in_flight" else Claim.DONE

    async def settle(self, key: str, ttl_seconds: float) -> None:
        await self._redis.set(self._key("seen", key), "done", px=max(1, round(ttl_seconds * 1000)))

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
