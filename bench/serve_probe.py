"""`ispbot serve` with a probe: where a web chat turn's latency goes inside the serve. What
bench/webchat_sessions.py ``--probe`` runs, to tell the serve's delays from the client's.

It measures, from SIGUSR1 (start over) to SIGUSR2 (write the figures as JSON to the file
``ISPBOT_BENCH_PROBE`` names):

- the event loop's lag: a task asks to wake every 5 ms; how late it wakes is how long a ready
  callback (a socket's frame, a Redis answer) waited for the loop;
- each garbage collection's pause, by generation (count, total, longest);
- the engine's time a turn (``Engine.handle``), and of its slow turns (over 100 ms) the time
  spent waiting on Redis and on PostgreSQL (a pool's connection included), and when they came.

With ``ISPBOT_BENCH_QUEUED_POOL=1`` the serve's Redis clients take their connections as
redis-py 5's own pool does (the queue bot/redis_clients.py removes), to compare.

    ISPBOT_BENCH_PROBE=var/probe.json .venv/bin/python bench/serve_probe.py   # as `ispbot serve`
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import json
import os
import signal
import sys
import time
from pathlib import Path

TICK = 0.005
SLOW = 0.1
# The current turn's waits: Redis seconds, PostgreSQL seconds, depth of calls, Redis calls,
# PostgreSQL calls.
_waits: contextvars.ContextVar[list | None] = contextvars.ContextVar("waits", default=None)


class Probe:
    def __init__(self) -> None:
        self.reset()
        self._gc_started = 0.0

    def reset(self) -> None:
        self.since = time.monotonic()
        self.lags: list[float] = []
        self.turns: list[float] = []
        self.calls = [0, 0]  # Redis commands, PostgreSQL queries
        # Time the turns waited for a connection from the Redis client's pool.
        self.pool_wait = self.slow_pool_wait = 0.0
        # Of the slow turns' PostgreSQL time, reading the chat and its subscriber (the rest:
        # writing when it was last seen, the live hand-off's query).
        self.slow_chat_read = 0.0
        self.slow_pg_pool = 0.0  # and waiting for a connection from asyncpg's pool
        self.slow: list[tuple[float, float, float, float]] = []  # at, total, Redis, PostgreSQL
        self.late: list[tuple[float, float]] = []  # at, lag over 50 ms
        # at, generation, pause over 20 ms, its CPU time, young objects counted, collected
        self.long_gc: list[tuple[float, int, float, float, int, int]] = []
        self.gc = {generation: [0, 0.0, 0.0] for generation in (0, 1, 2)}

    def on_gc(self, phase: str, info: dict) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
            self._gc_cpu = time.thread_time()
            self._gc_young = gc.get_count()[0]
            return
        took = time.perf_counter() - self._gc_started
        cpu = time.thread_time() - self._gc_cpu
        stats = self.gc[info["generation"]]
        stats[0] += 1
        stats[1] += took
        stats[2] = max(stats[2], took)
        if took > 0.02:
            self.long_gc.append(
                (
                    time.monotonic() - self.since,
                    info["generation"],
                    took,
                    cpu,
                    self._gc_young,
                    info["collected"],
                )
            )

    async def sample(self) -> None:
        while True:
            due = time.monotonic() + TICK
            await asyncio.sleep(TICK)
            lag = max(0.0, time.monotonic() - due)
            self.lags.append(lag)
            if lag > 0.05:
                self.late.append((time.monotonic() - self.since, lag))

    def figures(self) -> dict:
        def share(values: list[float], part: float) -> float:
            if not values:
                return float("nan")
            ordered = sorted(values)
            return round(ordered[min(len(ordered) - 1, int(part * len(ordered)))] * 1000, 2)

        wall = time.monotonic() - self.since
        return {
            "seconds": round(wall, 1),
            "loop_lag_p50_ms": share(self.lags, 0.5),
            "loop_lag_p99_ms": share(self.lags, 0.99),
            "loop_lag_max_ms": share(self.lags, 1.0),
            # Share of the time the loop was late by more than 50 ms.
            "loop_late_50ms_share": round(sum(lag for lag in self.lags if lag > 0.05) / wall, 4),
            "turns": len(self.turns),
            "engine_p50_ms": share(self.turns, 0.5),
            "engine_p99_ms": share(self.turns, 0.99),
            "redis_calls_a_turn": round(self.calls[0] / max(1, len(self.turns)), 2),
            "postgres_calls_a_turn": round(self.calls[1] / max(1, len(self.turns)), 2),
            "redis_pool_wait_a_turn_ms": round(self.pool_wait / max(1, len(self.turns)) * 1000, 2),
            "slow_turns": len(self.slow),
            "slow_turns_redis_pool_share": round(
                self.slow_pool_wait / max(1e-9, sum(t for _, t, _, _ in self.slow)), 3
            ),
            "slow_turns_redis_share": round(
                sum(r for _, _, r, _ in self.slow) / max(1e-9, sum(t for _, t, _, _ in self.slow)),
                3,
            ),
            "slow_turns_chat_read_share": round(
                self.slow_chat_read / max(1e-9, sum(t for _, t, _, _ in self.slow)), 3
            ),
            "slow_turns_postgres_pool_share": round(
                self.slow_pg_pool / max(1e-9, sum(t for _, t, _, _ in self.slow)), 3
            ),
            "slow_turns_postgres_share": round(
                sum(p for _, _, _, p in self.slow) / max(1e-9, sum(t for _, t, _, _ in self.slow)),
                3,
            ),
            # Seconds (from the start) holding slow turns, with how many: spread or bunched.
            "slow_turns_by_second": _by_second(at for at, _, _, _ in self.slow),
            "loop_late_50ms": [(round(at, 1), round(lag * 1000)) for at, lag in self.late],
            "gc_over_20ms": [
                (round(at, 1), g, round(took * 1000), round(cpu * 1000), young, collected)
                for at, g, took, cpu, young, collected in self.long_gc
            ],
            "gc": {
                str(generation): {
                    "count": count,
                    "total_ms": round(total * 1000, 1),
                    "max_ms": round(longest * 1000, 1),
                }
                for generation, (count, total, longest) in self.gc.items()
            },
        }


def _by_second(moments) -> dict[int, int]:
    counts: dict[int, int] = {}
    for at in moments:
        counts[int(at)] = counts.get(int(at), 0) + 1
    return counts


def _timed(original, slot: int):
    """``original`` (a coroutine method) adding its time to the turn's waits[slot]; nested
    calls (one PostgreSQL method calling another) count once."""

    async def timed(*args, **kwargs):
        waits = _waits.get()
        if waits is None or waits[2]:
            return await original(*args, **kwargs)
        began = time.monotonic()
        waits[2] += 1
        try:
            return await original(*args, **kwargs)
        finally:
            waits[2] -= 1
            waits[slot] += time.monotonic() - began
            waits[slot + 3] += 1

    return timed


def _timed_pool(get_connection, slot: int = 5):
    """A pool's ``get_connection`` (or another coroutine function) adding its wait to the
    turn's ``waits[slot]``, whatever else counts it too."""

    async def timed_get_connection(*args, **kwargs):
        began = time.monotonic()
        try:
            return await get_connection(*args, **kwargs)
        finally:
            waits = _waits.get()
            if waits is not None:
                waits[slot] += time.monotonic() - began

    return timed_get_connection


def main() -> None:
    probe = Probe()
    target = Path(os.environ["ISPBOT_BENCH_PROBE"])
    gc.callbacks.append(probe.on_gc)

    from aiohttp import web

    from bot.dialogs.engine import Engine

    handle = Engine.handle

    async def timed_handle(self, turn):
        began = time.monotonic()
        waits = [0.0, 0.0, 0, 0, 0, 0.0, 0.0, 0.0]
        _waits.set(waits)
        try:
            return await handle(self, turn)
        finally:
            took = time.monotonic() - began
            probe.turns.append(took)
            probe.calls[0] += waits[3]
            probe.calls[1] += waits[4]
            probe.pool_wait += waits[5]
            if took > SLOW:
                probe.slow.append((began - probe.since, took, waits[0], waits[1]))
                probe.slow_pool_wait += waits[5]
                probe.slow_chat_read += waits[6]
                probe.slow_pg_pool += waits[7]

    Engine.handle = timed_handle  # type: ignore[method-assign]
    from redis.asyncio.client import Redis
    from tortoise.backends.asyncpg.client import AsyncpgDBClient

    Redis.execute_command = _timed(Redis.execute_command, 0)  # type: ignore[method-assign]
    from redis.asyncio.connection import ConnectionPool

    timed_get_connection = _timed_pool(ConnectionPool.get_connection)

    ConnectionPool.get_connection = timed_get_connection  # type: ignore[method-assign]
    from bot.redis_clients import UnqueuedConnectionPool

    if os.environ.get("ISPBOT_BENCH_QUEUED_POOL") == "1":
        UnqueuedConnectionPool.get_connection = timed_get_connection  # type: ignore[method-assign]
    else:
        UnqueuedConnectionPool.get_connection = _timed_pool(  # type: ignore[method-assign]
            UnqueuedConnectionPool.get_connection
        )
    for name in ("execute_insert", "execute_query", "execute_query_dict"):
        setattr(AsyncpgDBClient, name, _timed(getattr(AsyncpgDBClient, name), 1))
    import core.accounts.chats

    core.accounts.chats._chat_with_subscriber = _timed_pool(  # type: ignore[assignment]
        core.accounts.chats._chat_with_subscriber, 6
    )
    # What goes to asyncpg straight (core/sql.py), and the wait for a pooled connection.
    from asyncpg.connection import Connection
    from asyncpg.pool import Pool

    Pool._acquire = _timed(_timed_pool(Pool._acquire, 7), 1)  # type: ignore[method-assign]
    Connection._execute = _timed(Connection._execute, 1)  # type: ignore[method-assign]
    Connection.execute = _timed(Connection.execute, 1)  # type: ignore[method-assign]

    def write() -> None:
        target.write_text(json.dumps(probe.figures()))

    async def begin(_app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGUSR1, probe.reset)
        loop.add_signal_handler(signal.SIGUSR2, write)
        probe.sampler = asyncio.create_task(probe.sample())  # type: ignore[attr-defined]

    import bot.app

    init_app = bot.app.init_app

    def probed_init_app(*args, **kwargs):
        app = init_app(*args, **kwargs)
        app.on_startup.append(begin)
        return app

    bot.app.init_app = probed_init_app  # type: ignore[assignment]
    sys.argv = ["ispbot", "serve"]
    from bot.cli import main as ispbot

    ispbot()


if __name__ == "__main__":
    main()
