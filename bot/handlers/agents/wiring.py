"""The hand-off in the app: the agents' router on the Telegram dispatcher, the engine's live
hook, and the loop that mirrors tickets to topics (when ``ISPBOT_AGENT_CHAT_ID`` is set).

The app calls ``attach`` once the Telegram channel is set up; the channel itself knows nothing of
the agents' group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiogram import Bot, Dispatcher
from aiohttp import web

from bot.config import BotSettings
from bot.dialogs.engine import Engine
from bot.handlers.agents.commands import AgentCommands
from bot.handlers.agents.desk import TelegramDesk
from bot.handlers.agents.live import LiveHandoff
from bot.handlers.agents.router import AgentCheck, create_agent_router
from bot.handlers.agents.sync import DeskSync
from core.handoff.actions import DeskActions
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook

log = logging.getLogger(__name__)

DESK_SYNC = web.AppKey("desk_sync", DeskSync)
# How often tickets and the subscribers' messages are mirrored to the group.
SYNC_INTERVAL_SECONDS = 2.0


def attach(
    app: web.Application, bot: Bot, dispatcher: Dispatcher, settings: BotSettings, engine: Engine
) -> DeskSync:
    assert settings.agent_chat_id is not None
    services = engine.services
    handoff = Handoff(settings, services.clock, services.tickets)
    topics = TopicBook(services.clock, settings.agent_chat_id)
    actions = DeskActions(
        services.clock,
        services.tickets,
        services.free_charges,
        services.subscriptions,
        handoff,
        topics,
    )
    desk = TelegramDesk(bot, settings.agent_chat_id)
    sync = DeskSync(
        services.clock,
        desk,
        topics,
        handoff,
        services.billing_queries,
        services.files,
        settings.zone,
    )
    dispatcher["agent_check"] = AgentCheck(settings)
    dispatcher["agent_commands"] = AgentCommands(actions, desk, sync)
    dispatcher.include_router(create_agent_router(settings.agent_chat_id))
    engine.interceptors.append(LiveHandoff(handoff))
    app[DESK_SYNC] = sync
    app.cleanup_ctx.append(_sync_loop)
    return sync


async def _sync_loop(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(_sync_forever(app[DESK_SYNC]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _sync_forever(sync: DeskSync) -> None:
    while True:
        try:
            await sync.run_once()
        except Exception:
            log.exception("agents' desk sync failed; trying again")
        await asyncio.sleep(SYNC_INTERVAL_SECONDS)
