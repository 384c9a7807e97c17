"""`ispbot alerts run --dry-run` counts per kind and channel with a progress bar (on a
terminal), and writes nothing; without it the alerts are written to the outbox."""

from __future__ import annotations

import io
import re

from bot.cli.alerts import run_alerts
from bot.config import BotSettings
from core.clock import FixedClock
from core.db import open_database
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b
from tests.conftest import _close, _empty_all_tables


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def last_drawn_line(terminal: Terminal) -> str:
    """What the terminal shows last: the text after the last carriage return, colours off."""
    plain = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", terminal.getvalue())
    return plain.rsplit("\r", 1)[-1]


async def test_dry_run_then_run(sqlite_url):
    clock = FixedClock(b.local("Asia/Tehran", 2026, 11, 24, 10, 30))
    await open_database(sqlite_url)
    await _empty_all_tables()
    who = await b.subscriber(mobile="+989121234567")
    await b.service(who, b.local("Asia/Tehran", 2026, 11, 26, 12, 0))
    settings = BotSettings(_env_file=None, database_url=sqlite_url)
    out, err = io.StringIO(), Terminal()

    await run_alerts(settings, dry_run=True, clock=clock, out=out, err=err)

    assert out.getvalue().splitlines() == [
        "1 alerts would be sent now",
        "  service_expiring  none      1",  # no SMS without Twilio settings
    ]
    assert last_drawn_line(err) == f"selections {'━' * 30} 100% 4/4, 1 alerts\n"
    await open_database(sqlite_url)
    assert await OutboxMessage.all().count() == 0

    await run_alerts(settings, dry_run=False, clock=clock, out=out, err=err)

    await open_database(sqlite_url)
    assert await OutboxMessage.all().count() == 1
    await _close()


async def test_no_progress_bar_off_a_terminal(sqlite_url):
    await open_database(sqlite_url)
    await _empty_all_tables()
    settings = BotSettings(_env_file=None, database_url=sqlite_url)
    out, err = io.StringIO(), io.StringIO()
    clock = FixedClock(b.local("Asia/Tehran", 2026, 11, 24, 10, 30))
    await run_alerts(settings, dry_run=True, clock=clock, out=out, err=err)
    assert err.getvalue() == ""
    assert out.getvalue() == "0 alerts would be sent now\n"
    await _close()
