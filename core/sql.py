"""Plain SQL for the reads every chat turn makes, through the ORM's own connection.

The ORM builds each statement anew (pypika) and costs a chat turn's reads about four times the
CPU of the same statements written out (bench/orm_cost.py, bench/RESULTS.md). The few reads on
that path are written here once for both databases: ``$1, $2 ...`` placeholders, which SQLite
takes as ``?1, ?2 ...``; their rows become the models' objects the way the ORM makes them
(``Model._init_from_db``), so callers cannot tell the two apart. Inside ``in_transaction()``
the statements run on the transaction's connection, as the ORM's do. Anything else: the ORM.
On PostgreSQL, ``fetch_row_typed`` runs one statement that gathers several reads (a "My
service" turn's) straight through asyncpg, and ``fetch_typed`` the alert sweep's big selections
(core/alerts/settled.py).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import asyncpg
from tortoise import connections
from tortoise.exceptions import IntegrityError, OperationalError, TransactionManagementError
from tortoise.models import Model

M = TypeVar("M", bound=Model)

_PLACEHOLDER = re.compile(r"\$(\d+)")


async def fetch(sql: str, *params: Any) -> list[dict[str, Any]]:
    """The rows of ``sql`` (with ``$n`` placeholders) as dicts of column to value."""
    connection = connections.get("default")
    if connection.capabilities.dialect == "sqlite":
        sql = _PLACEHOLDER.sub(r"?\1", sql)
    return await connection.execute_query_dict(sql, list(params))


def on_postgres() -> bool:
    return bool(connections.get("default").capabilities.dialect == "postgres")


async def fetch_row_typed(sql: str, *params: Any) -> Any:
    """The one row of ``sql`` straight from asyncpg (PostgreSQL only) on the ORM's connection
    (the transaction's inside ``in_transaction()``): a table's rows selected whole come back
    as typed records (``ARRAY(SELECT t FROM table t ...)``), so several reads fit in one
    statement, one round trip. ``records(value)`` makes them dicts for ``made``."""
    client: Any = connections.get("default")
    with _orm_errors():
        async with client.acquire_connection() as connection:
            return await connection.fetchrow(sql, *params)


async def fetch_typed(sql: str, *params: Any, planner: dict[str, str]) -> list[Any]:
    """The rows of ``sql`` straight from asyncpg (PostgreSQL only), as asyncpg's records, on a
    pool connection held for this statement alone, with the planner's settings ``planner``
    (``SET LOCAL``: they end with the statement's transaction)."""
    client: Any = connections.get("default")
    with _orm_errors():
        async with client.acquire_connection() as connection, connection.transaction():
            if planner:
                await connection.execute(
                    "; ".join(f"SET LOCAL {name} = {value}" for name, value in planner.items())
                )
            return list(await connection.fetch(sql, *params))


@contextmanager
def _orm_errors() -> Iterator[None]:
    """asyncpg's errors as the ORM's client translates them, so callers catch the same
    exceptions as for the ORM's reads (tortoise.backends.asyncpg.client)."""
    try:
        yield
    except (asyncpg.SyntaxOrAccessError, asyncpg.DataError) as error:
        raise OperationalError(error) from error
    except asyncpg.IntegrityConstraintViolationError as error:
        raise IntegrityError(error) from error
    except asyncpg.InvalidTransactionStateError as error:
        raise TransactionManagementError(error) from error


def records(value: Any) -> list[dict[str, Any]]:
    """The typed records of an array column of ``fetch_row_typed``, as dicts of column to value."""
    return [dict(record.items()) for record in value or ()]


def placeholders(first: int, count: int) -> str:
    """``$first, $first+1, ...``: ``count`` placeholders for an IN list."""
    return ", ".join(f"${n}" for n in range(first, first + count))


def any_of(column: str, param: int) -> str:
    """The condition "``column`` is one of the list passed as ``$param``" (pass it through
    ``listed``): one parameter however long the list. An IN list binds one a value, and the
    ORM builds each of them (pypika) at several microseconds a value: a page of 5,000 ids in
    every query of the alert sweep was most of its CPU (bench/RESULTS.md, Alerts)."""
    if _sqlite():
        return f"{column} IN (SELECT value FROM json_each(${param}))"
    return f"{column} = ANY(${param})"


def listed(values: Iterable[Any]) -> Any:
    """``values`` as the parameter of ``any_of``: an array in PostgreSQL, JSON in SQLite."""
    items = list(values)
    return json.dumps(items) if _sqlite() else items


def python_value(model: type[Model], field: str, value: Any) -> Any:
    """A column's value as the ORM gives it, where SQLite gives text (times); PostgreSQL's
    values are taken as they come."""
    if isinstance(value, str):
        return model._meta.fields_map[field].to_python_value(value)
    return value


def _sqlite() -> bool:
    return connections.get("default").capabilities.dialect == "sqlite"


def columns(model: type[Model], alias: str, prefix: str = "") -> str:
    """The select list of every column of ``model``'s table as ``alias``, each named
    ``prefix`` + its column (so two tables joined can be told apart)."""
    return ", ".join(
        f'{alias}."{column}" AS "{prefix}{column}"' for column in sorted(_db_columns(model))
    )


def made(model: type[M], row: dict[str, Any], prefix: str = "") -> M:
    """The model object of ``row``'s columns named with ``prefix``."""
    if prefix:
        row = {column: row[prefix + column] for column in _db_columns(model)}
    return model._init_from_db(**row)


def relate(instance: Model, field: str, related: Model | None) -> None:
    """Set a fetched foreign key (``instance.<field>``), as the ORM's select_related does."""
    object.__setattr__(instance, f"_{field}", related)


def _db_columns(model: type[Model]) -> Sequence[str]:
    return tuple(model._meta.fields_db_projection.values())
