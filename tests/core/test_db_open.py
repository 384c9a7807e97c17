"""`database(url)`, which every one-shot command runs in: open inside, closed however it ends."""

from __future__ import annotations

import pytest
from tortoise import connections
from tortoise.exceptions import ConfigurationError

from core.db import database


async def test_the_database_is_closed_when_the_command_fails(tmp_path):
    with pytest.raises(LookupError):
        async with database(f"sqlite://{tmp_path}/cli.sqlite3"):
            rows = await connections.get("default").execute_query_dict("SELECT 1 AS one")
            assert rows == [{"one": 1}]
            raise LookupError("the command failed")
    with pytest.raises(ConfigurationError):
        connections.get("default")
