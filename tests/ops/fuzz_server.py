"""A real ``ispbot`` web server for the API fuzz test, in a process of its own (schemathesis
calls it synchronously): migrates a fresh SQLite database, loads the sample plans and
subscribers, creates a token, prints ``READY <port> <token>``, then serves until killed."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from aiohttp import web

from bot.app import init_app
from bot.bootstrap import bootstrap, build_services
from bot.config import BotSettings
from core.admin.tokens import AdminTokens
from core.clock import SystemClock
from core.db import apply_migrations, database
from core.imports.plans import import_plans
from core.imports.subscribers import SubscriberImporter

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def prepare(settings: BotSettings) -> str:
    await apply_migrations(settings.database_url)
    async with database(settings.database_url):
        await import_plans(DOCS / "plans.sample.csv")
        services = build_services(settings)
        importer = SubscriberImporter(settings, services.clock, services.subscriptions)
        await importer.run(DOCS / "subscribers.sample.csv")
        return (await AdminTokens(SystemClock()).create("fuzz")).token


def main() -> None:
    folder = Path(sys.argv[1])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = BotSettings(
        _env_file=None,
        database_url=f"sqlite://{folder / 'fuzz.sqlite3'}",
        files_dir=str(folder / "files"),
        port=port,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )
    asyncio.run(serve(settings, port))


async def serve(settings: BotSettings, port: int) -> None:
    token = await prepare(settings)
    runner = web.AppRunner(init_app(bootstrap(settings)), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    print(f"READY {port} {token}", flush=True)
    try:
        await asyncio.Event().wait()  # until the test terminates the process
    finally:
        await runner.cleanup()


if __name__ == "__main__":
    main()
