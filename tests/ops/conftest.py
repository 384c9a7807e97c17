"""Operators' tests: the web app over the real core on SQLite, served on a local port."""

from __future__ import annotations

from tests.dialogs.conftest import bot_settings, services, sms, sqlite_db  # noqa: F401
from tests.handlers.conftest import client  # noqa: F401
