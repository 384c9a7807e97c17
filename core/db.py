"""Tortoise configuration for the core's models, shared by the app, the CLI and the tests."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

from tortoise import Tortoise, connections
from tortoise.backends.base.executor import EXECUTOR_CACHE

MODEL_MODULES = [
    "core.accounts.models",
    "core.billing.models",
    "core.tickets.models",
    "core.inbox.models",
    "core.alerts.models",
    "core.admin.models",
    "core.handoff.models",
    "core.staff.models",
    "core.understanding.models",
]


def normalise_url(url: str) -> str:
    """Tortoise names the PostgreSQL driver ``asyncpg``; accept the usual ``postgres://`` too."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "asyncpg://" + url[len(prefix) :]
    return url


async def rollback_if_in_transaction(connection: Any) -> None:
    """What a PostgreSQL connection needs on its way back to the pool. asyncpg's default reset
    (advisory unlocks, CLOSE ALL, UNLISTEN *, RESET ALL) is one more statement after every
    query: it doubled what PostgreSQL ran for a chat turn in the benchmark (bench/RESULTS.md).
    The app takes no advisory lock, holds no cursor, listens to nothing and sets no session
    variable, so only a transaction left open needs undoing."""
    if connection.is_in_transaction():
        await connection.execute("ROLLBACK")


def _connection(database_url: str) -> str | dict[str, Any]:
    from tortoise.backends.base.config_generator import expand_db_url

    url = normalise_url(database_url)
    if url.startswith("sqlite://") and ":memory:" not in url:
        sqlite = expand_db_url(url)
        sqlite["engine"] = "core.db_sqlite"
        return sqlite
    if not url.startswith("asyncpg://"):
        return url
    config = expand_db_url(url)
    config["credentials"]["reset"] = rollback_if_in_transaction
    return config


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": _connection(database_url)},
        "apps": {
            "core": {
                "models": MODEL_MODULES,
                "default_connection": "default",
                "migrations": "core.migrations",
            }
        },
        "use_tz": True,
        "timezone": "UTC",
    }


async def open_database(database_url: str) -> None:
    _forget_cached_sql()
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()
    _forget_cached_sql()


def _forget_cached_sql() -> None:
    """Tortoise keeps each model's INSERT, UPDATE and DELETE statements for the process, keyed
    by connection name ("default") and not by database: opened on SQLite and then on PostgreSQL
    (the tests, a command run inside them), the second would be sent the first's ``?``
    placeholders. A database opened or closed starts the cache afresh; it refills in a few
    statements."""
    EXECUTOR_CACHE.clear()


@asynccontextmanager
async def database(database_url: str) -> AsyncIterator[None]:
    """The database open for one command's work and closed however the work ends."""
    await open_database(database_url)
    try:
        yield
    finally:
        await close_database()


async def ping() -> None:
    """One round trip to the database; raises when it does not answer (readiness checks)."""
    await connections.get("default").execute_query("SELECT 1")


def is_postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


# For tortoise's own CLI (`tortoise -c core.db.TORTOISE_ORM makemigrations`): only the models
# matter there, so no real database is named.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(database_url: str) -> list[str]:
    """Bring the database's schema up to the latest committed migration; the names of the
    migrations applied now ("core.0001_initial"), empty when it was already up to date."""
    from tortoise.migrations.api.migrate import migrate

    applied: list[str] = []

    def record(event: str, app_label: str, name: str) -> None:
        if event == "apply_done":
            applied.append(f"{app_label}.{name}")

    try:
        await migrate(config=tortoise_config(database_url), progress=record)
    finally:
        await Tortoise.close_connections()
    return applied


def make_migrations(options: Sequence[str]) -> None:
    """Tortoise's own ``makemigrations`` on our models, ``options`` passed to it as they are."""
    from tortoise.cli.cli import main as tortoise_main

    sys.argv = ["tortoise", "-c", "core.db.TORTOISE_ORM", "makemigrations", *options]
    tortoise_main()


async def unmigrated_model_changes() -> list[str]:
    """Names of the migrations that ``makemigrations`` would write now (empty when up to date)."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    async with TortoiseContext() as ctx:
        await ctx.init(config=TORTOISE_ORM)
        assert ctx.apps is not None  # set by init
        writers = await MigrationAutodetector(ctx.apps, TORTOISE_ORM["apps"]).changes()
    return [f"{w.app_label}.{w.name}" for w in writers]
