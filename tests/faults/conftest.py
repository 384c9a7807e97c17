"""The fault tests' stack (one for the module: starting PostgreSQL, Redis and the processes is
most of their time) and the table of figures they print at the end."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field

import pytest
from tortoise import Tortoise

from core.db import close_database, open_database
from tests.faults.stack import IspbotProcess, Stack

# The outbox's lease and the lease on a Telegram update in flight, short enough that what a
# killed process held is taken again within the test (production keeps the defaults).
STACK_SETTINGS = {
    "ISPBOT_OUTBOX_LEASE_SECONDS": "3",
    "ISPBOT_DELIVERY_LEASE_SECONDS": "3",
    # A chat's lock shorter than the default 60 s: an update's claim lasts twice the lock at
    # least (a turn's replies go out while it holds the chat), and a killed process's copy must
    # be answerable within the deliveries' 90 s. Not much shorter: a turn must send its replies
    # within the lock (10 s less a 2 s margin), loaded machine or not.
    "ISPBOT_LOCK_TIMEOUT_SECONDS": "10",
    # `ispbot payments reconcile` asks about every pending order, however new.
    "ISPBOT_RECONCILE_AFTER_MINUTES": "1",
}


@dataclass
class Row:
    fault: str
    injected: int
    operations: int
    lost: int
    doubled: int
    note: str = ""


@dataclass
class Figures:
    rows: list[Row] = field(default_factory=list)

    def add(self, row: Row) -> Row:
        self.rows.append(row)
        return row

    def table(self) -> list[str]:
        lines = [f"{'fault':<58} {'injected':>8} {'operations':>10} {'lost':>5} {'doubled':>7}"]
        for r in self.rows:
            lines.append(
                f"{r.fault:<58} {r.injected:>8} {r.operations:>10} {r.lost:>5} {r.doubled:>7}"
                + (f"  ({r.note})" if r.note else "")
            )
        total = Row("total", *(sum(getattr(r, f) for r in self.rows) for f in
                               ("injected", "operations", "lost", "doubled")))  # fmt: skip
        lines.append(
            f"{total.fault:<58} {total.injected:>8} {total.operations:>10} {total.lost:>5} "
            f"{total.doubled:>7}"
        )
        return lines


@pytest.fixture(scope="module")
def figures(request: pytest.FixtureRequest) -> Iterator[Figures]:
    collected = Figures()
    yield collected
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None or not collected.rows:
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        for line in collected.table():
            reporter.write_line(line)


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with Stack(tmp_path_factory.mktemp("faults"), **STACK_SETTINGS) as running:
        yield running


@pytest.fixture
async def serve(stack: Stack) -> IspbotProcess:
    """The stack's ``ispbot serve``, started by the first test that needs it and kept running
    between tests (starting one costs seconds); a test that stops it leaves it to the next."""
    if stack.serve_process is None:
        return await stack.serve()
    if not stack.serve_process.running:
        await stack.serve_process.start()
    return stack.serve_process


@pytest.fixture
async def stack_db(stack: Stack) -> AsyncIterator[Stack]:
    """The stack with its database open in this process, for seeding and checking."""
    await open_database(stack.postgres.url)
    try:
        yield stack
    finally:
        await close_database()
        await Tortoise._reset_apps()
