"""PostgreSQL connections go back to the pool with one thing undone: a transaction left open.
asyncpg's default reset (a round trip after every query) is not run."""

from __future__ import annotations

from tortoise import connections

from core.db import rollback_if_in_transaction, tortoise_config


def test_a_postgres_pool_resets_connections_with_a_rollback_only():
    [config] = tortoise_config("postgres://bench@127.0.0.1:5432/x")["connections"].values()
    assert config["engine"] == "tortoise.backends.asyncpg"
    assert config["credentials"]["reset"] is rollback_if_in_transaction
    assert config["credentials"]["database"] == "x"
    # SQLite has no pool and no reset: its own engine (core/db_sqlite.py), none of the above.
    sqlite = tortoise_config("sqlite://var/x.sqlite3")["connections"]["default"]
    assert sqlite["engine"] == "core.db_sqlite"
    assert sqlite["credentials"]["file_path"] == "var/x.sqlite3"
    assert "reset" not in sqlite["credentials"]


async def test_a_transaction_left_open_is_rolled_back_when_the_connection_returns(pg):
    pool = connections.get("default")._pool
    async with pool.acquire() as connection:
        await connection.execute("BEGIN")
        await connection.execute("CREATE TEMP TABLE left_open (n int)")
        assert connection.is_in_transaction()
    async with pool.acquire() as connection:
        assert not connection.is_in_transaction()
        assert await connection.fetchval("SELECT to_regclass('pg_temp.left_open')") is None


async def test_queries_go_back_to_the_pool_without_the_default_reset(pg):
    pool = connections.get("default")._pool
    async with pool.acquire() as connection:
        await connection.execute("SET application_name = 'kept'")
    async with pool.acquire() as connection:
        # asyncpg's RESET ALL would have cleared it: proof the round trip is gone.
        assert await connection.fetchval("SHOW application_name") == "kept"
        await connection.execute("RESET application_name")
