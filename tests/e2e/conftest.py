"""A real server on a local port with the demo's data, and Debian's Chromium driven by
Playwright. Missing Chromium fails the tests: `make test` installs it."""

from __future__ import annotations

import shutil
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from playwright.async_api import Browser, async_playwright

from bot.adapters.files import DiskFileStore
from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.dialogs.state import MemoryStateStore
from core.clock import SystemClock
from core.db import apply_migrations, open_database
from core.demo import seed_demo
from tests.conftest import _close

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _demo_settings(folder: Path, port: int) -> BotSettings:
    return BotSettings(
        _env_file=None,
        database_url=f"sqlite://{folder}/demo.sqlite3",
        files_dir=str(folder / "files"),
        port=port,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
    )


@pytest.fixture(scope="session")
async def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's database and files as `make demo` makes them (migrated SQLite, seeded with the
    real clock), made once a run: each walk serves a copy of its own, so none sees another's
    changes and none waits for the migrations and the seeding again."""
    folder = tmp_path_factory.mktemp("demo")
    settings = _demo_settings(folder, port=_free_port())
    await apply_migrations(settings.database_url)
    await open_database(settings.database_url)
    try:
        await seed_demo(settings, SystemClock(), DiskFileStore(settings.files_dir))
    finally:
        await _close()
    return folder


@pytest.fixture
async def server(tmp_path: Path, demo_folder: Path) -> AsyncIterator[str]:
    """The demo as `make demo` serves it, on a copy of the seeded database and files."""
    shutil.copytree(demo_folder, tmp_path, dirs_exist_ok=True)
    settings = _demo_settings(tmp_path, port=_free_port())
    await open_database(settings.database_url)
    app = init_app(bootstrap(settings, store=MemoryStateStore()), manage_database=False)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", settings.port).start()
    try:
        yield settings.base_url
    finally:
        await runner.cleanup()
        await _close()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the run; each walk opens a context (its own cookies) of its own."""
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is missing: run `make test`, which installs it"
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            await browser.close()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
