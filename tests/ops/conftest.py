"""Operators' tests: the web app over the real core on SQLite, served on a local port."""

from __future__ import annotations

import pytest

from tests.dialogs.conftest import bot_settings, services, sms, sqlite_db  # noqa: F401
from tests.handlers.conftest import client  # noqa: F401
from tests.ops.fuzz_app import EXAMPLES, REQUESTS, demo_app, production_app  # noqa: F401


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """How hard the public routes were fuzzed in this run: requests per route."""
    if not REQUESTS:
        return
    terminalreporter.section("fuzzed requests per route")
    terminalreporter.write_line(
        f"{sum(REQUESTS.values())} requests, up to {EXAMPLES} examples a test "
        "(ISPBOT_FUZZ_EXAMPLES for more)"
    )
    for route, count in sorted(REQUESTS.items()):
        terminalreporter.write_line(f"{count:7d}  {route}")
