"""Redis clients whose pool hands out connections without a queue.

redis-py 5.3 (the newest arq allows: it pins ``redis<6``) checks a pooled connection while
holding the pool's lock, and the check waits for the event loop's next round (a read with a
zero timeout): every command of the process then takes its connection one loop round after
another. With 10,000 web chats open and a turn every 30 s each (two commands a turn, 666 a
second) the turns queued there: 80 % of the slow turns' time was that wait (bench/RESULTS.md,
web chat capacity; redis-py issues 3692 and 3842). Later redis-py takes
only the pop from the pool under the lock and checks the connection outside it: so does this
pool. A connection popped belongs to its task alone, so checking it needs no lock.
"""

from __future__ import annotations

from typing import Any

from redis.asyncio import ConnectionPool, Redis
from redis.asyncio.connection import AbstractConnection


class UnqueuedConnectionPool(ConnectionPool):
    async def get_connection(self, *_args: Any, **_options: Any) -> AbstractConnection:
        async with self._lock:  # never waits: nothing inside it awaits
            connection = self.get_available_connection()
        try:
            await self.ensure_connection(connection)
        except BaseException:
            await self.release(connection)
            raise
        return connection


def open_redis(url: str, **options: Any) -> Redis:
    """A client of ``url`` (``Redis.from_url``'s options) on its own unqueued pool, which it
    closes with itself."""
    return Redis.from_pool(UnqueuedConnectionPool.from_url(url, **options))
