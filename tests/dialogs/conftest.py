"""Fixtures for the dialogs: the engine over the real core on SQLite, with fakes for the
outside world (SMS, files, payment provider)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.bootstrap import build_engine, build_services
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.services import Services
from bot.dialogs.state import MemoryStateStore
from core.accounts.models import Subscriber
from core.accounts.passwords import hash_password
from core.billing.gateways.sandbox import SandboxGateway
from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT
from core.clock import FixedClock
from core.db import open_database
from tests.conftest import _close, _empty_all_tables
from tests.dialogs.client import ChatClient
from tests.fakes import InMemoryFileStore, RecordingSmsSender


@pytest.fixture
def bot_settings() -> BotSettings:
    return BotSettings(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        file_link_secret="test-file-link-secret",
        static_ip_pool=DEMO_STATIC_IP_POOL_TEXT,
    )


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[str]:
    """Dialogs run on SQLite: the core's rules are proven on both databases in tests/core."""
    await open_database(sqlite_url)
    await _empty_all_tables()
    try:
        yield "sqlite"
    finally:
        await _close()


@pytest.fixture
def sms() -> RecordingSmsSender:
    return RecordingSmsSender()


@pytest.fixture
def services(
    sqlite_db: str, bot_settings: BotSettings, clock: FixedClock, sms: RecordingSmsSender
) -> Services:
    sandbox = SandboxGateway("http://bot.test")
    return build_services(
        bot_settings,
        clock=clock,
        sms=sms,
        files=InMemoryFileStore(),
        gateways={sandbox.name: sandbox},
    )


@pytest.fixture
def engine(services: Services) -> Engine:
    return build_engine(services, MemoryStateStore())


@pytest.fixture
def chat(engine: Engine) -> ChatClient:
    return ChatClient(engine)


async def make_subscriber(
    settings: BotSettings,
    username: str = "5120001",
    password: str = "Secret-2468",
    **fields,
) -> Subscriber:
    values = {
        "customer_number": f"C{username}",
        "username": username,
        "password_hash": await hash_password(settings, password),
        "internet_password": "modem-pass-1",
        "full_name": "Sara Rahimi",
        "mobile": "+989121234567",
        "national_id": "0013542419",
        "language": "en",
        "currency": "IRR",
    }
    values.update(fields)
    return await Subscriber.create(**values)


@pytest.fixture
async def sara(sqlite_db: str, bot_settings: BotSettings) -> Subscriber:
    """The subscriber of make_subscriber's defaults (username 5120001)."""
    return await make_subscriber(bot_settings)


async def sara_chat(engine: Engine) -> ChatClient:
    """A chat logged in as the ``sara`` fixture's subscriber."""
    client = ChatClient(engine)
    await client.log_in("5120001", "Secret-2468")
    return client
