"""Each Telegram update is handled once, whichever process it reaches and however often Telegram
delivers it (it redelivers when a webhook answer is slow or lost).

An outer middleware of the dispatcher marks the ``update_id`` in the state store (Redis
``SET NX`` with a TTL when Redis is configured) before any handler runs. If the store cannot be
reached the update is not handled and ``LedgerUnavailable`` goes up: the webhook answers 503 and
Telegram delivers again later, which is better than handling it twice (a double purchase).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.dialogs.state import StateStore

log = logging.getLogger(__name__)


class LedgerUnavailable(Exception):
    """The store of handled update ids did not answer."""


class OncePerUpdate(BaseMiddleware):
    def __init__(self, store: StateStore, bot_id: int, ttl_seconds: float) -> None:
        self.store = store
        self.bot_id = bot_id
        self.ttl_seconds = ttl_seconds

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        key = f"telegram:update:{self.bot_id}:{event.update_id}"
        try:
            seen = await self.store.seen(key, self.ttl_seconds)
        except Exception as error:
            raise LedgerUnavailable(key) from error
        if seen:
            log.info("telegram update %s delivered again; skipped", event.update_id)
            return None
        return await handler(event, data)
