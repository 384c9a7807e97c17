"""Tortoise configuration for the core's models, shared by the app, the CLI and the tests."""

from __future__ import annotations

from typing import Any

from tortoise import Tortoise

MODEL_MODULES = [
    "core.accounts.models",
    "core.billing.models",
    "core.tickets.models",
    "core.inbox.models",
    "core.alerts.models",
    "core.admin.models",
    "core.handoff.models",
]


def normalise_url(url: str) -> str:
    """Tortoise names the PostgreSQL driver ``asyncpg``; accept the usual ``postgres://`` too."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "asyncpg://" + url[len(prefix) :]
    return url


def tortoise_config(database_url: str) -> dict[str, Any]:
    return {
        "connections": {"default": normalise_url(database_url)},
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
    await Tortoise.init(config=tortoise_config(database_url), _enable_global_fallback=True)


async def close_database() -> None:
    await Tortoise.close_connections()


def is_postgres() -> bool:
    from tortoise import connections

    return connections.get("default").capabilities.dialect == "postgres"


# For tortoise's own CLI (`tortoise -c core.db.TORTOISE_ORM makemigrations`): only the models
# matter there, so no real database is named.
TORTOISE_ORM = tortoise_config("sqlite://:memory:")


async def apply_migrations(database_url: str) -> None:
    """Bring the database's schema up to the latest committed migration."""
    from tortoise.migrations.api.migrate import migrate

    try:
        await migrate(config=tortoise_config(database_url))
    finally:
        await Tortoise.close_connections()


async def unmigrated_model_changes() -> list[str]:
    """Names of the migrations that ``makemigrations`` would write now (empty when up to date)."""
    from tortoise.context import TortoiseContext
    from tortoise.migrations.autodetector import MigrationAutodetector

    async with TortoiseContext() as ctx:
        await ctx.init(config=TORTOISE_ORM)
        assert ctx.apps is not None  # set by init
        writers = await MigrationAutodetector(ctx.apps, TORTOISE_ORM["apps"]).changes()
    return [f"{w.app_label}.{w.name}" for w in writers]
