"""The dialogs' fixtures (the real core on SQLite, with fakes for SMS and files)."""

from tests.dialogs.conftest import bot_settings, engine, services, sms, sqlite_db  # noqa: F401
