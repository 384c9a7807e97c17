"""The webhook Telegram posts updates to, and registering it with Telegram.

What Telegram gets back:
- 403, and nothing read, without the right ``X-Telegram-Bot-Api-Secret-Token``;
- 200 for what we cannot use (not JSON, not an update, an update type we do not know), with a
  log line: Telegram would otherwise redeliver it for ever;
- 503 when the store of handled updates is down, so Telegram delivers again later;
- 503 with Retry-After for a copy of an update another request is handling (or was handling
  when its process died): Telegram delivers it again later, when it is skipped or, if that
  process died, handled (bot/handlers/telegram/updates.py);
- 503 with Retry-After, and nothing read, while ``max_in_flight`` updates are being handled:
  above capacity the turns it does take stay fast instead of every turn queueing for ever.
  Nothing is marked as handled, so Telegram's redelivery is handled once, later;
- 200 once the update is handled (or was handled before). The update is handled before the
  answer, so a reply is on its way when Telegram hears back.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError
from aiohttp import web
from pydantic import ValidationError

from bot.handlers.telegram.updates import LedgerUnavailable, UpdateInFlight
from bot.observability.logs import QUIET_WHEN_ACCEPTED

if TYPE_CHECKING:
    from bot.config import BotSettings

log = logging.getLogger(__name__)

PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# The updates the handlers use; Telegram sends only these.
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]


async def register_webhook(bot: Bot, settings: BotSettings) -> str:
    """Tell Telegram where to post updates, with the secret it must send back."""
    if settings.telegram_webhook_secret is None:
        raise ValueError("set ISPBOT_TELEGRAM_WEBHOOK_SECRET first")
    url = settings.base_url + PATH
    await bot.set_webhook(
        url=url,
        secret_token=settings.telegram_webhook_secret.get_secret_value(),
        allowed_updates=ALLOWED_UPDATES,
        max_connections=settings.telegram_webhook_max_connections,
    )
    return url


# The wait a refused update is told (a hint: Telegram redelivers on a schedule of its own).
BUSY_RETRY_AFTER_SECONDS = 1
BUSY_HEADERS = {"Retry-After": str(BUSY_RETRY_AFTER_SECONDS)}
LOG_REFUSALS_EVERY = 10.0
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class TurnsInFlight:
    """How many updates a process is handling, against its limit; and how many it refused,
    told in the log at most every LOG_REFUSALS_EVERY seconds (a line a refusal would add to
    the overload)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.count = 0
        self._refused = 0
        self._told_at = 0.0

    @property
    def full(self) -> bool:
        return self.count >= self.limit

    def refused(self) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._told_at >= LOG_REFUSALS_EVERY:
            log.warning(
                "telegram webhook: %s updates in flight, %s refused since the last report",
                self.limit,
                self._refused,
            )
            self._refused, self._told_at = 0, now


def shed_load(gate: TurnsInFlight, secret: str):
    """The app's first middleware: while ``gate`` is full an update from Telegram (the right
    secret; anything else goes on to its 403) gets 503 with Retry-After before anything else
    runs (request ids, metrics: nothing is read or changed), the cheapest answer the server
    has, for above capacity most requests end here. Telegram delivers it again later, and
    then it is handled once."""
    expected = secret.encode()

    @web.middleware
    async def shed(request: web.Request, handler: Handler) -> web.StreamResponse:
        if (
            gate.full
            and request.path == PATH
            and hmac.compare_digest(request.headers.get(SECRET_HEADER, "").encode(), expected)
        ):
            gate.refused()
            return web.Response(status=503, headers=BUSY_HEADERS)
        return await handler(request)

    return shed


def webhook_handler(
    bot: Bot, feed: Callable[[Update], Awaitable[object]], secret: str, gate: TurnsInFlight
):
    """The webhook; ``feed`` handles an update (``DirectUpdates.feed``: the channel's own
    updates straight to their handlers, the rest through the dispatcher)."""
    expected = secret.encode()

    async def webhook(request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            log.warning("telegram webhook: a request without the right secret was refused")
            raise web.HTTPForbidden()
        if gate.full:  # filled since the middleware looked
            gate.refused()
            return web.Response(status=503, headers=BUSY_HEADERS)
        request[QUIET_WHEN_ACCEPTED] = True  # the metrics count it; a log line each is CPU
        gate.count += 1
        try:
            return await _handle(request)
        finally:
            gate.count -= 1

    async def _handle(request: web.Request) -> web.Response:
        try:
            payload = json.loads(await request.read())
        except ValueError:
            log.warning("telegram webhook: the body is not JSON; ignored")
            return web.Response()
        try:
            update = Update.model_validate(payload, context={"bot": bot})
        except ValidationError:
            log.warning("telegram webhook: not an update; ignored")
            return web.Response()
        try:
            update.event_type  # noqa: B018 (raises for a type aiogram does not know)
        except UpdateTypeLookupError:
            log.info("telegram webhook: update %s of an unknown type; ignored", update.update_id)
            return web.Response()
        try:
            await feed(update)
        except LedgerUnavailable:
            log.exception("telegram webhook: cannot record update %s; retry", update.update_id)
            return web.Response(status=503, headers=BUSY_HEADERS)
        except UpdateInFlight:
            log.info("telegram webhook: update %s is being handled; retry", update.update_id)
            return web.Response(status=503, headers=BUSY_HEADERS)
        except Exception:
            # Recorded as handled already, so a redelivery would be skipped: answer 200.
            log.exception("telegram webhook: update %s failed", update.update_id)
        return web.Response()

    return webhook
