"""The Redis clients' pool on the real Redis: commands of many tasks take their connections
at once, not one loop round after another (bot/redis_clients.py says why)."""

from __future__ import annotations

import asyncio

from redis.asyncio import ConnectionPool, Redis

from bot.redis_clients import UnqueuedConnectionPool, open_redis
from tests.conftest import REDIS_TEST_URL


async def _held_after_one_round(pool: ConnectionPool, tasks: int) -> int:
    """How many of ``tasks`` asking the pool at once hold a connection after one loop round,
    the pool holding a connected one for each already."""
    warm = [await pool.get_connection() for _ in range(tasks)]
    for connection in warm:
        await pool.release(connection)
    asking = [asyncio.create_task(pool.get_connection()) for _ in range(tasks)]
    await asyncio.sleep(0)
    held = len(pool._in_use_connections)
    for connection in await asyncio.gather(*asking):
        await pool.release(connection)
    await pool.disconnect()
    return held


async def test_tasks_asking_at_once_each_take_a_connection_in_the_same_round():
    assert await _held_after_one_round(UnqueuedConnectionPool.from_url(REDIS_TEST_URL), 20) == 20
    # redis-py 5's own pool checks each connection holding its lock: one task a round.
    assert await _held_after_one_round(ConnectionPool.from_url(REDIS_TEST_URL), 20) < 20


async def test_a_client_answers_many_tasks_and_closes_its_pool():
    client = open_redis(REDIS_TEST_URL, decode_responses=True)
    pool = client.connection_pool
    assert isinstance(client, Redis) and isinstance(pool, UnqueuedConnectionPool)
    assert await asyncio.gather(*(client.echo(f"é{n}") for n in range(50))) == [
        f"é{n}" for n in range(50)
    ]
    await client.aclose()
    assert all(not connection.is_connected for connection in pool._available_connections)


async def test_a_stalled_redis_is_not_answered_with_a_socket_for_every_command():
    """At the bound, a command waits for a connection in use to come back, then runs."""
    pool = UnqueuedConnectionPool.from_url(REDIS_TEST_URL, max_connections=2, timeout=5)
    held = [await pool.get_connection() for _ in range(2)]
    waiting = asyncio.create_task(pool.get_connection())
    await asyncio.sleep(0.05)
    assert not waiting.done() and len(pool._in_use_connections) == 2
    await pool.release(held.pop())
    third = await asyncio.wait_for(waiting, 1)
    assert len(pool._in_use_connections) == 2
    for connection in (*held, third):
        await pool.release(connection)
    await pool.disconnect()
