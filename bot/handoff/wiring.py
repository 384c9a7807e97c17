"""The hand-off in the app: the agents' router on the Telegram dispatcher, the engine's live
hook, and the loop that mirrors tickets to topics (when ``ISPBOT_AGENT_CHAT_ID`` is set)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.config import BotSettings
from bot.handoff.commands import AgentCommands
from bot.handoff.desk import TelegramDesk
from bot.handoff.live import LiveHandoff
from bot.handoff.router import AgentCheck, create_agent_router
from bot.handoff.sync import DeskSync
from core.handoff.service import Handoff

log = logging.getLogger(__name__)

DESK_SYNC = web.AppKey("desk_sync", DeskSync)
# How often tickets and the subscribers' messages are mirrored to the group.
SYNC_INTERVAL_SECONDS = 2.0


def attach(app: web.Application, channel: Any, settings: BotSettings, engine: Any) -> DeskSync:
    """``channel`` is the Telegram channel (its bot and dispatcher)."""
    assert settings.agent_chat_id is not None
    services = engine.services
    handoff = Handoff(settings, services.clock, services.tickets)
    desk = TelegramDesk(channel.bot, settings.agent_chat_id)
    sync = DeskSync(
        settings.agent_chat_id,
        services.clock,
        desk,
        services.files,
        services.billing_queries,
        handoff,
    )
    channel.dispatcher["agent_check"] = AgentCheck(settings)
    channel.dispatcher["agent_commands"] = AgentCommands(services, handoff, desk, sync)
    channel.dispatcher.include_router(create_agent_router(settings.agent_chat_id))
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
