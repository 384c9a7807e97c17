"""A staff session ended by a logout stays ended, even for a request that read it just before
the logout and writes it back (its last-seen time) just after: the write is conditional on the
session still being there, in memory as in Redis (SET XX). Found in review: the cookie kept
working after a logout that raced another request."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from redis.asyncio import Redis

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.dialogs.state import ChatKey, MemoryStateStore, RedisStateStore, State, StateStore
from bot.staff.sessions import STORE_CHANNEL, StaffSessions
from core.staff.audit import CLI_ACTOR
from tests.conftest import REDIS_TEST_URL
from tests.staff.conftest import PASSWORD, Console


class PausingStore:
    """A real store whose next read of a staff session, once armed, returns what it read only
    after the test lets it go: a request that read its session and has not written it back."""

    def __init__(self, inner: StateStore) -> None:
        self.inner = inner
        self.armed = False
        self.paused = asyncio.Event()
        self.resume = asyncio.Event()

    async def load(self, chat: ChatKey) -> State | None:
        state = await self.inner.load(chat)
        if self.armed and chat.channel == STORE_CHANNEL:
            self.armed = False
            self.paused.set()
            await self.resume.wait()
        return state

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture(params=["memory", "redis"])
async def real_store(request) -> AsyncIterator[StateStore]:
    """Each store the app runs on; Redis's in a namespace of this test's own, deleted after."""
    if request.param == "memory":
        yield MemoryStateStore()
        return
    prefix = f"ispbot-test:{uuid.uuid4().hex}:"
    store = RedisStateStore.from_url(REDIS_TEST_URL, prefix=prefix)
    yield store
    await store.close()
    client = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_a_session_read_before_a_logout_is_not_written_back_after_it(real_store, clock):
    store = PausingStore(real_store)
    sessions = StaffSessions(store, clock, BotSettings(_env_file=None))  # type: ignore[arg-type]
    started = await sessions.start(1, "fa")

    store.armed = True
    in_flight = asyncio.create_task(sessions.find(started.id))
    await asyncio.wait_for(store.paused.wait(), 5)
    await sessions.end(started.id)  # the logout, while the request holds what it read
    store.resume.set()

    assert await in_flight is None
    assert await sessions.find(started.id) is None
    assert await sessions.set_language(started, "en") is None
    assert await sessions.find(started.id) is None


async def test_the_refresh_writes_only_over_a_state_still_there(real_store):
    store = real_store
    chat = ChatKey(STORE_CHANNEL, "s1")

    assert await store.refresh(chat, {"n": 1}) is False
    assert await store.load(chat) is None
    await store.save(chat, {"n": 1})
    assert await store.refresh(chat, {"n": 2}) is True
    assert await store.load(chat) == {"n": 2}


async def test_a_request_in_flight_during_logout_does_not_revive_the_cookie(services, bot_settings):
    store = PausingStore(MemoryStateStore())
    wiring = bootstrap(bot_settings, services=services, store=store)  # type: ignore[arg-type]
    await wiring.staff.accounts.create(CLI_ACTOR, "admin", PASSWORD, "admin")
    async with TestClient(TestServer(init_app(wiring, manage_database=False))) as client:
        console = Console(client, wiring)
        await console.log_in("admin")
        token = await console.csrf("/staff/")
        jar = client.session.cookie_jar.filter_cookies(client.make_url("/staff/"))
        session_id = jar["ispbot_staff"].value

        store.armed = True
        in_flight = asyncio.create_task(client.get("/staff/subscribers", allow_redirects=False))
        await asyncio.wait_for(store.paused.wait(), 5)
        logged_out = await client.post("/staff/logout", data={"csrf": token}, allow_redirects=False)
        assert logged_out.status == 303
        store.resume.set()
        late = await in_flight
        client.session.cookie_jar.clear()
        replayed = await client.get(
            "/staff/", cookies={"ispbot_staff": session_id}, allow_redirects=False
        )

    # The request that read its session before the logout is treated as logged out too.
    assert late.status == 303 and late.headers["Location"].startswith("/staff/login")
    assert replayed.status == 303 and replayed.headers["Location"].startswith("/staff/login")
