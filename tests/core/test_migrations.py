"""The committed migrations build the same schema the models describe, on both databases."""

from __future__ import annotations

import importlib
import os
import secrets
import sqlite3
from pathlib import Path

import asyncpg
from tortoise import Tortoise, connections
from tortoise.migrations import operations as ops
from tortoise.migrations.api.migrate import migrate

import core.migrations
from core.db import apply_migrations, database, tortoise_config, unmigrated_model_changes
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


def test_a_column_added_to_a_table_is_nullable_or_has_a_default_in_the_database():
    """``default=`` is tortoise's, in Python: a NOT NULL column added without ``db_default`` to
    a table holding rows fails to migrate (PostgreSQL: "contains null values"; SQLite: "Cannot
    add a NOT NULL column with default value NULL"), which tests on empty databases never see."""
    added_without = []
    for name in _committed_migrations():
        migration = importlib.import_module(name.replace("core.", "core.migrations.", 1))
        for operation in migration.Migration.operations:
            if isinstance(operation, ops.AddField):
                field = operation.field
                if not field.null and not field.has_db_default():
                    added_without.append(f"{name}: {operation.model_name}.{operation.name}")
    assert added_without == []


async def test_migrations_apply_over_a_database_holding_rows(tmp_path):
    """A subscriber made by the second migration's schema: every column the later ones add to
    its table is filled for it."""
    url = f"sqlite://{tmp_path}/rows.sqlite3"
    second = _committed_migrations()[1]
    await migrate(config=tortoise_config(url), target=second)
    await Tortoise.close_connections()
    with sqlite3.connect(tmp_path / "rows.sqlite3") as db:
        columns = db.execute('PRAGMA table_info("subscriber")').fetchall()
        # The columns a row must have: NOT NULL, no default, not the key.
        needed = [c for c in columns if c[3] and c[4] is None and not c[5]]
        values = [1 if "INT" in c[2].upper() or "BOOL" in c[2].upper() else "x" for c in needed]
        names = ", ".join(f'"{c[1]}"' for c in needed)
        marks = ", ".join("?" * len(needed))
        db.execute(f"INSERT INTO subscriber ({names}) VALUES ({marks})", values)
    assert len(await apply_migrations(url)) == len(_committed_migrations()) - 2
    with sqlite3.connect(tmp_path / "rows.sqlite3") as db:
        row = db.execute("SELECT auto_renew, email_notices, deposit_due FROM subscriber").fetchone()
    assert row == (0, 1, 0)
