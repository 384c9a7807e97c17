"""The committed migrations build the same schema the models describe, on both databases."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import asyncpg
from tortoise import Tortoise, connections

import core.migrations
from core.db import apply_migrations, database, unmigrated_model_changes
from tests.conftest import POSTGRES_ADMIN_URL


async def test_models_have_no_changes_missing_from_migrations():
    assert await unmigrated_model_changes() == [], "run `make migrations` and commit the result"


def _committed_migrations() -> list[str]:
    folder = Path(core.migrations.__file__).parent
    return sorted(f"core.{path.stem}" for path in folder.glob("[0-9]*.py"))


async def _tables_after_migrating(url: str) -> set[str]:
    assert await apply_migrations(url) == _committed_migrations()
    assert await apply_migrations(url) == []  # a second run finds nothing to do
    async with database(url):
        conn = connections.get("default")
        if url.startswith("sqlite"):
            rows = await conn.execute_query_dict(
                "SELECT name FROM sqlite_master WHERE type='table'"
            )
        else:
            rows = await conn.execute_query_dict(
                "SELECT tablename AS name FROM pg_tables WHERE schemaname='public'"
            )
        expected = {m._meta.db_table for m in Tortoise.apps["core"].values()}
        return expected - {r["name"] for r in rows}


async def test_migrations_apply_on_sqlite(tmp_path):
    assert await _tables_after_migrating(f"sqlite://{tmp_path}/m.sqlite3") == set()


async def test_migrations_apply_on_postgres():
    name = f"ispbot_mig_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        assert await _tables_after_migrating(url) == set()
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()
