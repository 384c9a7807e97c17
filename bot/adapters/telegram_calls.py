"""The chat turn's Bot API calls (sendMessage, editMessageText, answerCallbackQuery) without
aiogram's models: a JSON body in, ``ok``/``error_code``/``retry_after`` read back.

aiogram validates the call into a pydantic model, builds a form from it, and validates the
answer into ``Response[Message]``: about 170 µs of a 3 ms turn that uses none of it (issue 24,
bench/RESULTS.md). These calls go over the bot's own HTTP session, through the same
``SendLimiter`` and retries as aiogram's calls (``FloodControl``: paced per chat, a 429 waited
out and tried again), and fail with aiogram's exceptions, so callers handle a refusal as
before. Everything else (files, the contact keyboard, the notifier's other calls) stays on
aiogram.
"""

from __future__ import annotations

import json
import math
from typing import Any

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.exceptions import (
    RestartingTelegram,
    TelegramAPIError,
    TelegramBadRequest,
    TelegramConflictError,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiohttp import ClientError, ClientTimeout

from bot.adapters.telegram_limits import (
    LIMITED_PREFIXES,
    NO_TIME_LEFT,
    FloodControl,
    SendLimiter,
)
from bot.pacing import OutOfTime, Unpaced, paced, time_to_send

JSON_HEADERS = {"Content-Type": "application/json"}
# The longest a call may take while a turn holds its chat (``pacing.sending_by``): the chat's
# lock runs out while a call hangs for the session's timeout (60 s by default).
TURN_CALL_TIMEOUT_SECONDS = 10.0
_BY_STATUS: dict[int, type[TelegramAPIError]] = {
    400: TelegramBadRequest,
    401: TelegramUnauthorizedError,
    403: TelegramForbiddenError,
    404: TelegramNotFound,
    409: TelegramConflictError,
    413: TelegramEntityTooLarge,
}


def dump(params: Any) -> str:
    """A call's JSON: compact, and the text as written (not escaped to ASCII)."""
    return json.dumps(params, ensure_ascii=False, separators=(",", ":"))


class BotCalls:
    """Bot API calls with a JSON body, paced and retried as the bot's aiogram calls are."""

    def __init__(self, bot: Bot, limiter: SendLimiter | None = None, retries: int = 0) -> None:
        assert isinstance(bot.session, AiohttpSession)  # what create_bot makes
        self.bot = bot
        self.session = bot.session
        self.limiter = limiter
        self.retries = retries
        self.unlimited = Unpaced(now=limiter.now, sleep=limiter.sleep) if limiter else Unpaced()
        self._urls: dict[str, str] = {}
        self._timeout = ClientTimeout(total=bot.session.timeout)

    @classmethod
    def of(cls, bot: Bot) -> BotCalls:
        """The calls of ``bot``, under the limiter and retries of its FloodControl."""
        for middleware in bot.session.middleware:
            if isinstance(middleware, FloodControl):
                return cls(bot, middleware.limiter, middleware.retries)
        return cls(bot)

    async def call(self, method: str, body: str, *, chat_id: int | None = None) -> None:
        """Call ``method`` with ``body`` (its parameters as JSON, see ``dump``); the calls that
        put a message in a chat wait for the chat's turn. Raises aiogram's TelegramAPIError
        (TelegramRetryAfter after the retries, TelegramForbiddenError...) when refused."""
        data = body.encode()
        if chat_id is not None and self.limiter is not None and method.startswith(LIMITED_PREFIXES):
            pacer: Any = self.limiter
            key = str(chat_id)
        else:
            pacer, key = self.unlimited, method
        try:
            await paced(
                lambda: self._post(method, data),
                pacer,
                key,
                retries=self.retries,
                name=f"telegram {method}",
            )
        except OutOfTime as error:
            raise TelegramNetworkError(_method(method, data), NO_TIME_LEFT) from error

    async def _post(self, method: str, data: bytes) -> None:
        timeout = self._timeout
        left = time_to_send()
        if left < math.inf:
            if left <= 0:
                raise TelegramNetworkError(_method(method, data), NO_TIME_LEFT)
            timeout = ClientTimeout(total=min(TURN_CALL_TIMEOUT_SECONDS, left))
        session = await self.session.create_session()
        url = self._urls.get(method)
        if url is None:
            url = self._urls[method] = self.session.api.api_url(self.bot.token, method)
        try:
            async with session.post(
                url, data=data, headers=JSON_HEADERS, timeout=timeout
            ) as response:
                status, raw = response.status, await response.read()
        except TimeoutError as error:
            raise TelegramNetworkError(_method(method, data), "Request timeout error") from error
        except ClientError as error:
            message = f"{type(error).__name__}: {error}"
            raise TelegramNetworkError(_method(method, data), message) from error
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):  # a list or a string: no answer of the Bot API
            answer = {}
        if 200 <= status <= 226 and answer.get("ok"):
            return
        raise _refusal(method, data, status, answer)


def _method(method: str, data: bytes) -> Any:
    """aiogram's object of the call, for its exceptions (made only when a call fails)."""
    kind = getattr(methods, method[:1].upper() + method[1:], None)
    params = json.loads(data)
    if kind is None:
        return methods.GetMe()
    return kind.model_construct(**params)


def _refusal(method: str, data: bytes, status: int, answer: dict[str, Any]) -> TelegramAPIError:
    """What aiogram raises for the same answer (aiogram.client.session.base.check_response)."""
    description = str(answer.get("description") or f"HTTP {status}")
    parameters = answer.get("parameters") or {}
    call = _method(method, data)
    if parameters.get("retry_after"):
        return TelegramRetryAfter(call, description, int(parameters["retry_after"]))
    if parameters.get("migrate_to_chat_id"):
        return TelegramMigrateToChat(call, description, int(parameters["migrate_to_chat_id"]))
    refused = _BY_STATUS.get(status)
    if refused is not None:
        return refused(call, description)
    if status >= 500:
        if "restart" in description:
            return RestartingTelegram(call, description)
        return TelegramServerError(call, description)
    return TelegramAPIError(call, description)
