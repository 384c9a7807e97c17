"""One process may open SQLite and then PostgreSQL (the tests do; a command run in a test
does): each speaks its own SQL. Tortoise caches its INSERT statements per connection name, not
per database, so a cache left by SQLite sent ``?`` placeholders to asyncpg (issue 19)."""

from __future__ import annotations

from core.accounts.models import Subscriber
from core.db import database
from tests.alerts import builders as b
from tests.conftest import _close, _empty_all_tables


async def test_a_database_opened_after_another_dialect_writes_in_its_own_sql(
    sqlite_url, postgres_url
):
    # As a command does (bot/cli/context.py): opened, written to, closed.
    async with database(sqlite_url):
        await _empty_all_tables()
        await b.subscriber(mobile="+989120000001")
    try:
        async with database(postgres_url):
            await _empty_all_tables()
            await b.subscriber(mobile="+989120000002")
            assert await Subscriber.all().values_list("mobile", flat=True) == ["+989120000002"]
        async with database(sqlite_url):
            await b.subscriber(mobile="+989120000003")
            assert await Subscriber.all().count() == 2
    finally:
        await _close()
