"""Redis clients whose pool hands out connections without a queue.

redis-py 5.3 (the newest arq allows: it pins ``redis<6``) checks a pooled connection while
holding the pool's lock, and the check waits for the event loop's next round (a read with a
zero timeout): every command of the process then takes its connection one loop round after
another. With 10,000 web chats open and a turn every 30 s each (two commands a turn, 666 a
second) the turns queued there: 80 % of the slow turns' time was that wait (bench/RESULTS.md,
web chat capacity; redis-py issues 3692 and 3842). Later redis-py takes
only the pop from the pool under the lock and checks the connection outside it: so does redis-py
5.3's BlockingConnectionPool, which bounds the connections too.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import BlockingConnectionPool, Redis

# Connections a client opens at most; a command past them waits for one (up to
# POOL_WAIT_SECONDS, then the store is unavailable): a Redis that stalls must not be answered
# with a new socket for every command in flight (hundreds a second).
MAX_CONNECTIONS = 64
POOL_WAIT_SECONDS = 5.0


class UnqueuedConnectionPool(BlockingConnectionPool):
    """redis-py 5.3's bounded pool, which already checks a connection outside its lock: taking
    one never waits for another's check, only for a free connection."""


def open_redis(url: str, **options: Any) -> Redis:
    """A client of ``url`` (``Redis.from_url``'s options) on its own unqueued pool, which it
    closes with itself."""
    options.setdefault("max_connections", MAX_CONNECTIONS)
    options.setdefault("timeout", POOL_WAIT_SECONDS)
    return Redis.from_pool(UnqueuedConnectionPool.from_url(url, **options))
