"""The README's backup and restore (PostgreSQL): `pg_dump --format=custom`, then `pg_restore`
into a fresh database, `ispbot migrate` (nothing to do) and the web app serves the subscribers
from the restored database."""

from __future__ import annotations

import secrets
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.config import BotSettings
from core.admin.tokens import AdminTokens
from core.clock import SystemClock
from core.db import apply_migrations, database
from tests.alerts import builders as b
from tests.conftest import NOW, POSTGRES_ADMIN_URL


@pytest.fixture
async def fresh_databases() -> AsyncIterator[list[str]]:
    """Two empty PostgreSQL databases (the one backed up, the one restored into)."""
    names = [f"ispbot_backup_{secrets.token_hex(4)}_{n}" for n in range(2)]
    admin = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        for name in names:
            await admin.execute(f'CREATE DATABASE "{name}"')
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        yield [f"{base}/{name}" for name in names]
    finally:
        for name in names:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def run(tool: str, *args: str) -> None:
    path = shutil.which(tool)
    assert path is not None, f"{tool} is missing (PostgreSQL's client tools)"
    done = subprocess.run([path, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


async def test_a_dump_restored_into_a_fresh_database_serves_the_subscribers(
    fresh_databases, tmp_path: Path
):
    source, restored = fresh_databases
    await apply_migrations(source)
    async with database(source):
        who = await b.subscriber(mobile="+989121234567")
        await b.service(who, NOW)
        token = (await AdminTokens(SystemClock()).create("ops")).token
    dump = tmp_path / "ispbot.dump"

    run("pg_dump", "--format=custom", "--no-owner", f"--file={dump}", source)
    run("pg_restore", "--no-owner", "--exit-on-error", f"--dbname={restored}", str(dump))
    await apply_migrations(restored)  # the release's `ispbot migrate`: nothing left to apply

    settings = BotSettings(_env_file=None, database_url=restored)
    app = init_app(bootstrap(settings))
    async with TestClient(TestServer(app)) as client:
        ready = await client.get("/readyz")
        assert ready.status == 200, await ready.text()
        response = await client.get(
            f"/api/v1/subscribers/{who.username}", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status == 200, await response.text()
        body = await response.json()
    assert (body["username"], body["mobile"]) == (who.username, "+989121234567")
