"""Shared fixtures: the core runs against SQLite and the real PostgreSQL in every `db` test.

PostgreSQL gets a database of its own for each run (created here, dropped at the end), so runs
never see each other's rows. Each test starts from empty tables.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from tortoise import Tortoise, connections

from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT
from core.clock import FixedClock
from core.config import Settings
from core.db import apply_migrations, close_database, is_postgres, open_database

POSTGRES_ADMIN_URL = os.environ.get(
    "ISPBOT_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
REDIS_TEST_URL = os.environ.get("ISPBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# A Tuesday morning in Tehran: 2026-11-24 07:00 UTC is 10:30 local time.
NOW = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
async def postgres_url() -> AsyncIterator[str]:
    name = f"ispbot_test_{os.getpid()}_{secrets.token_hex(3)}"
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    url = f"{base}/{name}"
    await open_database(url)
    await Tortoise.generate_schemas()
    await _close()
    yield url
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
async def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("db") / "ispbot.sqlite3"
    url = f"sqlite://{path}"
    await open_database(url)
    await Tortoise.generate_schemas()
    await _close()
    return url


@pytest.fixture(scope="session")
async def migrated_sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every committed migration applied, made once a run: the commands'
    tests copy it rather than migrate anew (a sync per statement, 5 s and more each). The
    migrations themselves are tested on both databases in tests/core/test_migrations.py."""
    path: Path = tmp_path_factory.mktemp("migrated") / "template.sqlite3"
    await apply_migrations(f"sqlite://{path}")
    return path


@pytest.fixture
def migrated_sqlite(tmp_path: Path, migrated_sqlite_template: Path) -> str:
    """The URL of a migrated SQLite database of this test's own."""
    path = tmp_path / "ispbot.sqlite3"
    shutil.copyfile(migrated_sqlite_template, path)
    return f"sqlite://{path}"


async def _close() -> None:
    """Close (which forgets the SQL tortoise cached for this dialect: core/db.py) and forget
    the apps, so the next test's database starts from nothing."""
    await close_database()
    await Tortoise._reset_apps()


async def _empty_all_tables() -> None:
    conn = connections.get("default")
    tables = _tables_referrers_first()
    if is_postgres():
        # DELETE, not TRUNCATE: TRUNCATE gives every table new files, and the fsyncs of the
        # thousands it leaves made it cost 0.6 s a test (the checkpoint of a DROP DATABASE took
        # 100 s after a full run). setval rewrites a sequence in place (ALTER SEQUENCE RESTART
        # would give it a new file too).
        script = "".join(f'DELETE FROM "{t}";' for t in tables)
        script += (
            "SELECT setval(c.oid::regclass, 1, false) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.relkind = 'S' AND n.nspname = current_schema();"
        )
        await conn.execute_script(script)
    else:
        # One transaction: one sync of the file instead of one per table.
        script = "BEGIN;" + "".join(f'DELETE FROM "{t}";' for t in tables)
        script += "DELETE FROM sqlite_sequence; COMMIT;"
        await conn.execute_script(script)


def _tables_referrers_first() -> list[str]:
    """Every model's table, each before the tables its foreign keys point at, so that deleting
    in this order never trips a foreign key."""
    models = list(Tortoise.apps["core"].values())
    referenced = {
        model._meta.db_table: {
            model._meta.fields_map[name].related_model._meta.db_table
            for name in model._meta.fk_fields | model._meta.o2o_fields
        }
        - {model._meta.db_table}
        for model in models
    }
    ordered: list[str] = []
    placed: set[str] = set()

    def place(table: str) -> None:
        # A table goes after every table that refers to it.
        if table in placed:
            return
        placed.add(table)
        for referrer, targets in referenced.items():
            if table in targets:
                place(referrer)
        ordered.append(table)

    for table in referenced:
        place(table)
    return ordered


@pytest.fixture(params=["sqlite", "postgres"])
async def db(
    request: pytest.FixtureRequest, sqlite_url: str, postgres_url: str
) -> AsyncIterator[str]:
    """An open, empty database; the test runs once on SQLite and once on PostgreSQL."""
    # Both session databases are asked for: an async fixture cannot be fetched lazily.
    url = {"sqlite": sqlite_url, "postgres": postgres_url}[request.param]
    await open_database(url)
    await _empty_all_tables()
    try:
        yield request.param
    finally:
        await _close()


@pytest.fixture
async def pg(postgres_url: str) -> AsyncIterator[str]:
    """PostgreSQL only: for concurrency tests that SQLite's single writer cannot show."""
    await open_database(postgres_url)
    await _empty_all_tables()
    try:
        yield "postgres"
    finally:
        await _close()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def settings() -> Settings:
    # Defaults only: a developer's environment or .env must not change what tests see. Static
    # IPs are sold from the demo's range, as `make demo` sells them (production sets none).
    return Settings(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        static_ip_pool=DEMO_STATIC_IP_POOL_TEXT,
    )
