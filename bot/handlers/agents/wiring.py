"""The hand-off in the app: the agents' router on the process's Telegram dispatcher, and the
loop that mirrors tickets to topics (when ``ISPBOT_AGENT_CHAT_ID`` is set). The group's core
services and the engine's live hook are the container's (bot/bootstrap.py); the Telegram
channel knows nothing of the agents' group."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bot.handlers.agents.commands import AgentCommands
from bot.handlers.agents.desk import TelegramDesk
from bot.handlers.agents.documents import DocumentDesk
from bot.handlers.agents.router import AgentCheck, create_agent_router
from bot.handlers.agents.sync import DeskSync
from bot.i18n import translator
from bot.wiring import Wiring

log = logging.getLogger(__name__)

DESK_SYNC = web.AppKey("desk_sync", DeskSync)
# How often tickets and the subscribers' messages are mirrored to the group.
SYNC_INTERVAL_SECONDS = 2.0


def setup(app: web.Application, wiring: Wiring) -> None:
    """The agents' group in ``app``, when the process has Telegram's bot and the group's
    services (``ISPBOT_AGENT_CHAT_ID``); the live hand-off hook is the engine's already."""
    services, session, settings = wiring.desk, wiring.telegram, wiring.settings
    if services is None or session is None:
        return
    assert settings.agent_chat_id is not None
    desk = TelegramDesk(session.bot, settings.agent_chat_id)
    texts = translator(
        settings.agent_language, zone=settings.zone, money_in_toman=settings.money_in_toman
    )
    sync = DeskSync(
        wiring.clock,
        desk,
        services.topics,
        services.handoff,
        wiring.services.billing_queries,
        wiring.services.files,
        texts,
    )
    dispatcher = session.dispatcher
    dispatcher["agent_check"] = AgentCheck(settings)
    dispatcher["agent_commands"] = AgentCommands(services.actions, desk, sync)
    dispatcher["document_desk"] = DocumentDesk(
        wiring.services.document_reviews,
        wiring.services.files,
        texts,
    )
    dispatcher.include_router(create_agent_router(settings.agent_chat_id))
    app[DESK_SYNC] = sync
    app.cleanup_ctx.append(_sync_loop)


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
