"""Sending at each platform's pace: one token bucket per channel in Redis, shared by every
process, so that all workers together stay under Telegram's ~30 messages a second and Twilio's
per-sender rate and never provoke a 429.

The bucket is refilled and taken from in one Lua script (atomic in Redis), on Redis's own clock
(``TIME``) so workers on machines whose clocks differ still share one pace. A 429 that comes
anyway pauses the channel for every process for as long as the platform asked.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Mapping
from typing import Protocol

from redis.asyncio import Redis

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
    """No shared pace (one process without Redis: the demo, tests of other parts); a 429's
    pause is still kept, in this process."""

    def __init__(self) -> None:
        self._paused_until: dict[str, float] = {}

    async def acquire(self, channel: str) -> None:
        left = self._paused_until.get(channel, 0.0) - time.monotonic()
        if left > 0:
            await asyncio.sleep(left)

    async def pause(self, channel: str, seconds: float) -> None:
        until = time.monotonic() + seconds
        self._paused_until[channel] = max(until, self._paused_until.get(channel, 0.0))


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
            # when it refills, so wait the time the script computed and ask again.
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
