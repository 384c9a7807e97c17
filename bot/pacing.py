"""Sending at each platform's pace: the bot's one rate limiter and its one retry after a 429.

A ``Pacer`` says when a key (a channel, a chat) may send, and is told to hold a key back when
the platform answers 429. Its buckets live in one of two places:

- In Redis, shared by every process (``RedisPacer``): one token bucket per channel, so that all
  workers together stay under Telegram's ~30 messages a second and Twilio's per-sender rate.
  The bucket is refilled and taken from in one Lua script (atomic in Redis), on Redis's own
  clock (``TIME``) so workers on machines whose clocks differ still share one pace; a pause
  holds the channel back for every process.
- In this process (``Schedule``, the same bucket kept as a "theoretical arrival time" per key,
  so nothing is stored per message): Telegram's per-chat limits, which are too many keys and
  too hot a path for a round trip to Redis (bot/adapters/telegram_limits.py), and ``Unpaced``,
  which keeps only the pauses.

``paced`` is the one retry: it waits for the pacer, sends, and on a 429 has the pacer hold the
key for the ``retry_after`` the platform gave, then tries again. Retry libraries (tenacity,
stamina) sleep in the calling coroutine on a backoff of their own; here the wait is the
platform's and must hold back every sender of the key, not only the one that was refused.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol, TypeVar

from redis.asyncio import Redis

log = logging.getLogger(__name__)

T = TypeVar("T")

# The monotonic time by which the sends of this task must be done: a turn's replies are sent
# while its chat's lock is held (bot/dialogs/engine.py), and a send still waiting out a 429
# when the lock runs out would let the chat's next turn run beside it.
_SEND_BY: ContextVar[float] = ContextVar("send_by", default=math.inf)


@contextmanager
def sending_by(deadline: float) -> Iterator[None]:
    """Sends made inside are done by ``deadline`` (time.monotonic()): ``paced`` waits out no
    429 past it, and a channel's call asks ``time_to_send`` for its timeout."""
    token = _SEND_BY.set(deadline)
    try:
        yield
    finally:
        _SEND_BY.reset(token)


def time_to_send() -> float:
    """Seconds left for sending (see ``sending_by``); infinite outside a turn's replies."""
    deadline = _SEND_BY.get()
    return math.inf if deadline == math.inf else deadline - time.monotonic()


class OutOfTime(Exception):
    """A send would wait for its turn past ``sending_by``'s deadline: given up, nothing sent.
    Each channel raises it on as its own network error, which its senders already handle."""


def may_wait(seconds: float) -> None:
    """Raise OutOfTime when waiting ``seconds`` and then sending would end past the deadline."""
    left = time_to_send()
    if seconds >= left:
        raise OutOfTime(f"a wait of {seconds:.2f} s with {left:.2f} s left to send")


# KEYS[1]: the bucket (hash: tokens, ts), KEYS[2]: the channel's pause.
# ARGV: rate (tokens a second), capacity, cost, now in ms (or "" for Redis's clock).
# Returns 0 when the tokens were taken, else the milliseconds to wait before asking again.
TAKE = """
local now = tonumber(ARGV[4])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return paused end
local rate, capacity, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(state[1]), tonumber(state[2])
if not tokens then tokens, ts = capacity, now end
tokens = math.min(capacity, tokens + math.max(0, now - ts) * rate / 1000)
local wait = 0
if tokens >= cost then tokens = tokens - cost
else wait = math.ceil((cost - tokens) * 1000 / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity * 1000 / rate) + 1000)
return wait
"""


class Pacer(Protocol):
    async def acquire(self, channel: str) -> None:
        """Return when one message may go out on ``channel``."""
        ...

    async def pause(self, channel: str, seconds: float) -> None:
        """The platform said 429: hold every sender of ``channel`` back this long."""
        ...


class Unpaced:
    """No pace (one process without Redis: the demo, tests of other parts; calls a platform
    does not limit); a 429's pause is still kept, in this process."""

    def __init__(
        self,
        *,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.now = now
        self.sleep = sleep
        self._paused_until: dict[str, float] = {}

    async def acquire(self, channel: str) -> None:
        if not self._paused_until:
            return
        left = self._paused_until.get(channel, 0.0) - self.now()
        if left > 0:
            may_wait(left)
            await self.sleep(left)
        else:
            self._paused_until.pop(channel, None)

    async def pause(self, channel: str, seconds: float) -> None:
        until = self.now() + seconds
        self._paused_until[channel] = max(until, self._paused_until.get(channel, 0.0))


class Schedule:
    """When the next event of each key may happen, at ``rate`` per second with ``burst`` at once
    (a generic cell rate algorithm: a token bucket kept as one time per key)."""

    def __init__(self, rate_per_second: float, burst: int = 1) -> None:
        self.interval = 1.0 / rate_per_second
        self.tolerance = (burst - 1) * self.interval
        self._next: dict[str, float] = {}

    def earliest(self, key: str, at: float) -> float:
        """The earliest time at or after ``at`` that keeps the rate, booking nothing."""
        return max(at, max(self._next.get(key, at), at) - self.tolerance)

    def reserve(self, key: str, at: float) -> float:
        """Book the earliest time at or after ``at`` that keeps the rate, and return it."""
        theoretical = max(self._next.get(key, at), at)
        send_at = max(at, theoretical - self.tolerance)
        self._next[key] = max(theoretical, send_at) + self.interval
        return send_at

    def admit(self, key: str, at: float) -> bool:
        """Book ``at`` when it keeps the rate; False, booking nothing, when it does not (a
        refused event does not push the key's next time further away)."""
        theoretical = max(self._next.get(key, at), at)
        if theoretical - self.tolerance > at:
            return False
        self._next[key] = theoretical + self.interval
        return True

    def hold(self, key: str, until: float) -> None:
        """Nothing for ``key`` before ``until`` (the platform said to wait)."""
        self._next[key] = max(self._next.get(key, until), until + self.tolerance)

    def forget_before(self, moment: float) -> None:
        """Drop keys that are free again: they behave as new keys, and memory stays bounded."""
        for key in [k for k, when in self._next.items() if when - self.tolerance <= moment]:
            del self._next[key]


class RedisPacer:
    def __init__(
        self,
        redis: Redis,
        rates: Mapping[str, float],
        *,
        prefix: str = "ispbot:",
        burst_seconds: float = 0.5,
        share: float = 0.97,
    ) -> None:
        """``rates``: each platform's limit in messages a second (a channel not named is not
        paced). Two margins keep the platform's own bucket from running dry, since it counts
        when messages arrive, not when they left here:

        - A bucket holds ``burst_seconds`` worth of messages (at least one): half of the
          platform's second. A burst reaches the platform late (new connections, the
          network) while this bucket already refills; with a full second's burst the
          platform's bucket, full as well, overflows by what it could not refill meanwhile.
        - Messages go out at ``share`` of the limit: at exactly the limit, room lost to a
          stall, a retried 429 or a reply sent outside this bucket never comes back, and
          every later jitter is a 429.
        """
        self.redis = redis
        self.rates = {channel: rate * share for channel, rate in rates.items()}
        self.prefix = prefix
        self.burst_seconds = burst_seconds
        self.limits = dict(rates)
        self._take = redis.register_script(TAKE)

    def _keys(self, channel: str) -> list[str]:
        return [f"{self.prefix}pace:{channel}", f"{self.prefix}pace:{channel}:paused"]

    def capacity(self, channel: str) -> float:
        return max(1.0, self.limits[channel] * self.burst_seconds)

    async def try_acquire(self, channel: str, *, now_ms: int | None = None) -> float:
        """Take a token if there is one: 0.0, else the seconds to wait. ``now_ms`` stands in
        for Redis's clock (tests)."""
        if channel not in self.rates:
            return 0.0
        wait_ms = await self._take(
            keys=self._keys(channel),
            args=[self.rates[channel], self.capacity(channel), 1, "" if now_ms is None else now_ms],
        )
        return int(wait_ms) / 1000

    async def acquire(self, channel: str) -> None:
        while True:
            wait = await self.try_acquire(channel)
            if wait <= 0:
                return
            # The bucket lives in Redis, shared by all processes: no local event can say
            # when it refills, so wait the time the script computed and ask again. A refused
            # take booked nothing, so giving up here costs the others no room.
            may_wait(wait)
            await asyncio.sleep(wait)

    async def pause(self, channel: str, seconds: float) -> None:
        key = self._keys(channel)[1]
        ms = max(1, math.ceil(seconds * 1000))
        # Never shorten a longer pause another process was told about.
        if await self.redis.pttl(key) < ms:
            await self.redis.set(key, "1", px=ms)


def retry_after(error: BaseException) -> float | None:
    """The wait a platform's 429 asked for, or None when ``error`` is no rate limit.
    aiogram's TelegramRetryAfter carries ``retry_after``; a Twilio error only its 429 status
    (Twilio sends no Retry-After), for which a second is waited."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if getattr(error, "status", None) == 429 or getattr(error, "status_code", None) == 429:
        return 1.0
    return None


async def paced(
    send: Callable[[], Awaitable[T]],
    pacer: Pacer,
    key: str,
    *,
    retries: int,
    longest_wait: float = math.inf,
    name: str = "",
) -> T:
    """``send()`` when ``pacer`` lets ``key`` send. On a rate limit (see ``retry_after``) the
    pacer holds ``key`` back as long as the platform asked and the send is tried again, up to
    ``retries`` times. The rate limit after the last retry, or one asking for more than
    ``longest_wait`` seconds or for longer than is left to send (``sending_by``), is raised,
    the pacer not told: the caller hands it on. A pacer whose wait runs past what is left to
    send raises OutOfTime before it waits (``may_wait``)."""
    attempt = 0
    while True:
        await pacer.acquire(key)
        try:
            return await send()
        except Exception as error:
            wait = retry_after(error)
            attempt += 1
            if wait is None or attempt > retries or wait > min(longest_wait, time_to_send()):
                raise
            log.warning(
                "%s %s: 429, retrying in %s s (attempt %s)", name or "send", key, wait, attempt
            )
            await pacer.pause(key, wait)
