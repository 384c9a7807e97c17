"""The web application: every channel's webhook, the web chat, the payment pages, the admin
API, and the outbox relay beside them, all fed from the process's container (bot/bootstrap.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot import staff
from bot.admin.api import app as admin_api
from bot.dialogs.engine import Engine
from bot.dialogs.services import Services
from bot.handlers import agents, files, sms, telegram, twilio_webhooks, webchat, whatsapp
from bot.handlers.channel import Channel
from bot.observability import web as observability
from bot.payments import short_links
from bot.payments.common import Callbacks
from bot.payments.providers import PROVIDERS, closing_gateways
from bot.wiring import Wiring
from core.db import close_database, open_database
from core.inbox.service import OutboxRelay

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", Engine)
SERVICES = web.AppKey("services", Services)
HUB = webchat.HUB
RELAY_WAKE = web.AppKey("relay_wake", asyncio.Event)
RELAY = web.AppKey("relay", OutboxRelay)

# The channels the app serves, each set up the same way; the agents' group after Telegram,
# whose dispatcher it joins.
CHANNELS: tuple[Channel, ...] = (telegram, agents, whatsapp, sms, webchat)

# How often the outbox is read when nothing wakes it (a payment wakes it at once).
RELAY_INTERVAL_SECONDS = 2.0
# How long a payer's page waits for their notices to go out before it answers anyway (they
# go on in the background).
RELAY_NOW_SECONDS = 5.0


class RelayNow:
    """Sends one subscriber's due notices now, for a page that answers after them; a relay
    that takes too long goes on in the background (cancelled mid-send, a claimed message
    would wait out its lease), and one that fails is left to the relay's loop."""

    def __init__(self, relay: OutboxRelay, wake: asyncio.Event) -> None:
        self.relay = relay
        self.wake = wake
        self._running: set[asyncio.Task[int]] = set()

    async def __call__(self, subscriber_id: int) -> None:
        task = asyncio.create_task(self.relay.relay_pending(subscriber_id=subscriber_id))
        self._running.add(task)
        task.add_done_callback(self._done)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(asyncio.shield(task), RELAY_NOW_SECONDS)

    def _done(self, task: asyncio.Task[int]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.warning("relaying a payer's notices failed: %r", task.exception())
            self.wake.set()


def init_app(wiring: Wiring, *, manage_database: bool = True) -> web.Application:
    """The app of a web process's container (``bootstrap(settings)``). With ``manage_database``
    it opens and closes the database itself; tests that already hold one open pass False."""
    settings, services, store = wiring.settings, wiring.services, wiring.store
    app = web.Application(client_max_size=webchat.MAX_FRAME_BYTES)
    app[SERVICES] = services
    app[ENGINE] = wiring.engine
    app[RELAY_WAKE] = asyncio.Event()
    app[RELAY] = wiring.relay

    async def clients(_app: web.Application) -> AsyncIterator[None]:
        # Closed last, after every other cleanup (the outbox relay sends through them).
        yield
        await wiring.close_clients()

    async def database(_app: web.Application) -> AsyncIterator[None]:
        if manage_database:
            await open_database(settings.database_url)
        yield
        await store.close()
        if manage_database:
            await close_database()

    async def relay(app: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(_relay_forever(wiring.relay, app[RELAY_WAKE]))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app[HUB].close_all()

    app.cleanup_ctx.extend([clients, database, relay])
    twilio_webhooks.setup(app, wiring)
    # After the database: Telegram's polling starts once it is open.
    for channel in CHANNELS:
        channel.setup(app, wiring)
    files.setup(app, wiring.links)
    # Each provider's routes when it is one of the gateways: the sandbox's page never beside money.
    callbacks = Callbacks(
        SERVICES,
        store.claim,
        store.settle,
        app[RELAY_WAKE].set,
        RelayNow(wiring.relay, app[RELAY_WAKE]),
    )
    for provider in PROVIDERS:
        if provider.NAME in services.orders.gateways:
            app.add_routes(provider.routes(settings, callbacks))
    app.add_routes(short_links.routes(callbacks))
    app.cleanup_ctx.append(closing_gateways(services.orders.gateways))
    observability.setup(app, wiring.metrics, settings.redis_url)
    admin_api.setup(app, wiring)
    staff.setup(app, wiring)
    return app


async def _relay_forever(relay: OutboxRelay, wake: asyncio.Event) -> None:
    while True:
        try:
            await relay.relay_pending()
        except Exception:
            log.exception("outbox relay failed; trying again")
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RELAY_INTERVAL_SECONDS):
                await wake.wait()
        wake.clear()
