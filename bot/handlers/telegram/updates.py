"""Each Telegram update is handled once, whichever process it reaches and however often Telegram
delivers it (it redelivers an update until the webhook answers it 2xx).

The ``update_id`` is claimed in the state store (Redis, when configured) before any handler
runs, for ``delivery_lease_seconds``, and recorded as handled once the turn's replies were
sent: for a private chat's message or button press, in the engine's own two trips for the chat
(``DirectUpdates``, bot/handlers/telegram/__init__.py), with the chat's lock and state; for any
other update, by ``OncePerUpdate``, an outer middleware of the dispatcher. Either way:

- a copy delivered while the update is being handled is answered 503 (``UpdateInFlight``), and
  Telegram delivers it again later, when it is found handled and skipped;
- if the process dies in the middle (kill -9, a crash, a lost machine), nothing says handled:
  Telegram delivers the update again and, once the claim ran out, it is handled. It was not
  lost. The exception, counted by the fault tests (tests/faults): a process killed after the
  replies went out and before the update was recorded shows them again;
- if the store cannot be reached the update is not handled and ``LedgerUnavailable`` goes up:
  the webhook answers 503 and Telegram delivers again later, which is better than handling it
  twice (a double purchase).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.dialogs.state import Claim, StateStore, StoreUnavailable

log = logging.getLogger(__name__)


class LedgerUnavailable(Exception):
    """The store of handled update ids did not answer."""


class UpdateInFlight(Exception):
    """The update is being handled (or its handler died and its claim has not run out)."""


class OncePerUpdate(BaseMiddleware):
    def __init__(
        self, store: StateStore, bot_id: int, ttl_seconds: float, lease_seconds: float
    ) -> None:
        self.store = store
        self.bot_id = bot_id
        self.ttl_seconds = ttl_seconds
        self.lease_seconds = lease_seconds

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Update)
        return await self.once(event.update_id, lambda: handler(event, data))

    def key_of(self, update_id: int) -> str:
        """The update's key in the store, the same for a claim here and a turn's round."""
        return f"telegram:update:{self.bot_id}:{update_id}"

    async def once(self, update_id: int, handle: Callable[[], Awaitable[Any]]) -> Any:
        """``handle()`` unless update ``update_id`` was handled or is being handled."""
        key = self.key_of(update_id)
        try:
            claim = await self.store.claim(key, self.lease_seconds)
        except Exception as error:
            raise LedgerUnavailable(key) from error
        if claim is Claim.DONE:
            log.info("telegram update %s delivered again; skipped", update_id)
            return None
        if claim is Claim.IN_FLIGHT:
            raise UpdateInFlight(key)
        try:
            result = await handle()
        except StoreUnavailable as error:
            # The store failed before the turn did anything (a button's token unread): not
            # recorded, so Telegram delivers it again once the claim runs out.
            raise LedgerUnavailable(key) from error
        except Exception:
            # A handler's error is answered 200 (bot/handlers/telegram/webhook.py): the same
            # update delivered again would fail again.
            await self._settle(key)
            raise
        await self._settle(key)
        return result

    async def _settle(self, key: str) -> None:
        try:
            await self.store.settle(key, self.ttl_seconds)
        except Exception:
            # Handled, but not recorded: a copy delivered after the claim runs out is handled
            # again.
            log.exception("telegram update %s handled but not recorded", key)
