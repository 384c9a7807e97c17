"""A path parameter no name can have (a NUL, a lone surrogate, longer than the document
allows) is a 422 naming it (or a 404), with a valid token, never a 500 (issue 19). On
PostgreSQL, which answers a NUL in a query with an error rather than no row."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from yarl import URL

from bot.app import init_app
from bot.bootstrap import bootstrap, build_services
from bot.dialogs.state import MemoryStateStore
from core.accounts.models import ChatIdentity, Subscriber
from core.admin.tokens import AdminTokens
from tests.dialogs.conftest import make_subscriber
from tests.fakes import InMemoryFileStore, RecordingSmsSender

ODD = ["%00", "5120001%00", "%ED%A0%80", "%FF", "%1B%5B2J", "5" * 33]
CALLS = [
    ("GET", "/subscribers/{odd}", None),
    ("PATCH", "/subscribers/{odd}", {"city": "Tehran"}),
    ("POST", "/subscribers/{odd}/line-status", {"status": "isolated", "reason": "x"}),
    ("POST", "/subscribers/{odd}/free-charge/reset", None),
    ("POST", "/subscribers/{odd}/chats", {"channel": "telegram", "external_id": "777"}),
    ("DELETE", "/subscribers/{odd}/chats/telegram/777", None),
    ("DELETE", "/subscribers/5120001/chats/{odd}/777", None),
    ("DELETE", "/subscribers/5120001/chats/telegram/{odd}", None),
]


@pytest.fixture
async def pg_api(pg, bot_settings, clock):
    services = build_services(
        bot_settings, clock=clock, sms=RecordingSmsSender(), files=InMemoryFileStore()
    )
    token = (await AdminTokens(clock).create("ops")).token
    app = init_app(
        bootstrap(bot_settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    async with TestClient(TestServer(app)) as client:
        yield client, {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(("method", "path", "body"), CALLS)
async def test_an_odd_path_parameter_is_a_4xx_and_changes_nothing(
    pg_api, bot_settings, method, path, body
):
    client, headers = pg_api
    subscriber = await make_subscriber(bot_settings)
    for odd in ODD:
        url = URL("/api/v1" + path.format(odd=odd), encoded=True)
        response = await client.request(method, url, headers=headers, json=body)
        # aiohttp decodes undecodable bytes of a path as U+FFFD: that is a name no one has.
        assert response.status in (404, 422), (odd, await response.text())
        if response.status == 422:
            [field] = (await response.json())["fields"]
            assert field["field"].startswith("path.")
    kept = await Subscriber.get(id=subscriber.id)
    assert (kept.city, kept.line_status, kept.free_charge_generation) == (
        subscriber.city,
        subscriber.line_status,
        subscriber.free_charge_generation,
    )
    assert await ChatIdentity.all().count() == 0
