"""The SQLite engine the core's connections use: one database file several processes write to.

Tortoise names its SQLite client by module (``engine``) and picks the migrations' schema editor
by the client's module name, which must say "sqlite".
"""

from __future__ import annotations

import sqlite3
from typing import Any

from tortoise.backends.sqlite.client import (
    SqliteClient,
    SqliteTransactionContext,
    SqliteTransactionWrapper,
)
from tortoise.exceptions import TransactionManagementError

# How long a SQLite writer waits for another process's write to finish before giving up.
SQLITE_BUSY_TIMEOUT_MS = 15_000


class _ImmediateTransaction(SqliteTransactionWrapper):
    async def begin(self) -> None:
        # A deferred BEGIN takes the write lock only at its first write; when another process
        # wrote since this transaction's first read, SQLite refuses at once ("database is
        # locked") instead of waiting. BEGIN IMMEDIATE waits its turn, up to the busy timeout.
        try:
            await self._connection.commit()
            await self._connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise TransactionManagementError(exc) from exc


class SharedSqliteClient(SqliteClient):
    """Tortoise's SQLite client for a file several processes write to (the demo's console,
    web app and worker): WAL journal (tortoise's default), a busy timeout, and transactions
    that take the write lock when they begin."""

    def __init__(self, file_path: str, **kwargs: Any) -> None:
        kwargs.setdefault("busy_timeout", SQLITE_BUSY_TIMEOUT_MS)
        super().__init__(file_path, **kwargs)

    def _in_transaction(self) -> SqliteTransactionContext:
        return SqliteTransactionContext(_ImmediateTransaction(self), self._lock)


# Tortoise loads a connection's engine as a module and takes its ``client_class``.
client_class = SharedSqliteClient
