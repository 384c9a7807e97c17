"""FreeRADIUS's own PostgreSQL schema, from Debian's ``freeradius-postgresql`` package (``make
test`` installs it), loaded into the per-run test database."""

from __future__ import annotations

from pathlib import Path

SCHEMA = Path("/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql")
TABLES = ("radacct", "radcheck", "radreply", "radpostauth")


def schema_sql() -> str:
    assert SCHEMA.exists(), f"{SCHEMA} is missing: apt-get install freeradius-postgresql"
    return SCHEMA.read_text()


async def load_schema(connection) -> None:
    if await connection.fetchval("SELECT to_regclass('radacct')") is None:
        await connection.execute(schema_sql())
    # DELETE and setval rather than TRUNCATE, which gives each table new files to sync (see
    # tests/conftest.py's _empty_all_tables).
    for table in TABLES:
        key = "radacctid" if table == "radacct" else "id"
        await connection.execute(f"DELETE FROM {table}")
        await connection.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', '{key}'), 1, false)"
        )
