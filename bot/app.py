"""The web application: the web chat, the payment pages, and the outbox relay beside them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from redis.asyncio import Redis

from bot.adapters.twilio_messages import TwilioMessages
from bot.admin.api import app as admin_api
from bot.bootstrap import build_engine, build_services
from bot.bootstrap import twilio_senders as twilio_senders_of
from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.dialogs.services import Services
from bot.dialogs.state import StateStore, open_state_store
from bot.handlers import files, sms, telegram, twilio_webhooks, webchat, whatsapp
from bot.handlers.agents import wiring as handoff
from bot.notify import ChannelSender, build_notifier
from bot.observability import web as observability
from bot.observability.metrics import MeteredNotifier, Metrics, instrument_engine
from bot.payments.common import Callbacks
from bot.payments.providers import PROVIDERS, closing_gateways
from core.db import close_database, open_database
from core.inbox.service import OutboxRelay

log = logging.getLogger(__name__)

ENGINE = web.AppKey("engine", Engine)
SERVICES = web.AppKey("services", Services)
HUB = web.AppKey("hub", webchat.WebChatHub)
RELAY_WAKE = web.AppKey("relay_wake", asyncio.Event)

# How often the outbox is read when nothing wakes it (a payment wakes it at once).
RELAY_INTERVAL_SECONDS = 2.0


def init_app(
    settings: BotSettings,
    *,
    services: Services | None = None,
    store: StateStore | None = None,
    manage_database: bool = True,
) -> web.Application:
    """The app. With ``manage_database`` it opens and closes the database itself; tests that
    already hold one open pass False."""
    app = web.Application(client_max_size=webchat.MAX_FRAME_BYTES)
    services = services or build_services(settings)
    store = store or open_state_store(settings)
    app[SERVICES] = services
    metrics = Metrics()
    app[ENGINE] = instrument_engine(build_engine(services, store), metrics)
    links = files.FileLinks(settings, services.files, services.clock)
    app[HUB] = webchat.WebChatHub(links)
    app[RELAY_WAKE] = asyncio.Event()

    async def database(_app: web.Application) -> AsyncIterator[None]:
        if manage_database:
            await open_database(settings.database_url)
        yield
        await store.close()
        if manage_database:
            await close_database()

    async def relay(app: web.Application) -> AsyncIterator[None]:
        senders = [app[HUB], *twilio_senders, *telegram_senders]
        # Paced by the buckets the workers use too, when there is Redis to share them in.
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        channels = build_notifier(
            settings, senders, clock=services.clock, files=services.files, store=store, redis=redis
        )
        notifier = MeteredNotifier(channels, metrics)
        task = asyncio.create_task(
            _relay_forever(OutboxRelay(services.clock, notifier), app[RELAY_WAKE])
        )
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await app[HUB].close_all()
        if redis is not None:
            await redis.aclose()

    # WhatsApp and SMS, when Twilio is configured (set up first: its client outlives the relay).
    twilio_senders: list[ChannelSender] = []
    if settings.twilio_configured:
        messages = TwilioMessages(settings)
        whatsapp_sender, sms_sender = twilio_senders_of(
            settings, messages, services.clock, links, services.chats
        )
        twilio_senders = [whatsapp_sender, sms_sender]
        twilio_webhooks.setup(
            app, settings, store, messages, {s.channel: s for s in twilio_senders}
        )
        whatsapp.setup(app, settings, services, app[ENGINE], whatsapp_sender)
        sms.setup(app, settings, services, store, sms_sender)
    app.cleanup_ctx.extend([database, relay])
    # Telegram, when its token is set (after the database: polling starts once it is open).
    telegram_senders = (
        [telegram.setup(app, settings, app[ENGINE], store)] if settings.telegram_token else []
    )
    if settings.telegram_token and settings.agent_chat_id is not None:
        telegram_channel = app[telegram.TELEGRAM]
        handoff.attach(  # the agents' group
            app, telegram_channel.bot, telegram_channel.dispatcher, settings, app[ENGINE]
        )
    webchat.setup(app, ENGINE, HUB)
    files.setup(app, links)
    # Each provider's routes when it is one of the gateways: the sandbox's page never beside money.
    callbacks = Callbacks(SERVICES, store.seen, app[RELAY_WAKE].set)
    for provider in PROVIDERS:
        if provider.NAME in services.orders.gateways:
            app.add_routes(provider.routes(settings, callbacks))
    app.cleanup_ctx.append(closing_gateways(services.orders.gateways))
    observability.setup(app, metrics, settings.redis_url)
    admin_api.setup(app, services)
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
