"""Telegram's sending limits, kept by every call this process makes to the Bot API.

Telegram asks bots to send about 30 messages a second overall, one a second in a chat (short
bursts pass) and 20 a minute in a group, and answers 429 with ``retry_after`` beyond that. One
``SendLimiter`` per bot spaces the calls out beforehand: it is a ``Pacer`` (bot/pacing.py)
keyed by chat, made of that module's in-process buckets. ``FloodControl`` is the aiogram session
middleware that sends every call through ``pacing.paced``: on a 429 anyway, the chat is held for
the ``retry_after`` Telegram gave and the call tried again.

The limits hold within one process. Several webhook processes share Telegram's budget, so give
each a share of ``ISPBOT_TELEGRAM_MESSAGES_PER_SECOND``; a 429 is still waited out and retried.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError

from bot.pacing import OutOfTime, Pacer, Schedule, Unpaced, may_wait, paced

if TYPE_CHECKING:
    from aiogram import Bot
    from aiogram.methods import Response, TelegramMethod
    from aiogram.methods.base import TelegramType

    from bot.config import BotSettings

# The calls that put a message in a chat; answering a button press or deleting is not limited.
LIMITED_PREFIXES = ("send", "edit", "copy", "forward")
# What a call given up at a turn's deadline says (``pacing.sending_by``): a network error, which
# every sender already takes for "not delivered now".
NO_TIME_LEFT = "no time left in the turn"


def out_of_time(method: Any) -> TelegramNetworkError:
    """The error of a call given up at the turn's deadline (``method``: aiogram's call)."""
    return TelegramNetworkError(method, NO_TIME_LEFT)


class SendLimiter:
    """The shared budget of one bot: overall, per chat, and per group chat."""

    _PRUNE_EVERY = 1000

    def __init__(
        self,
        *,
        per_second: float = 30,
        chat_per_second: float = 1,
        chat_burst: int = 3,
        group_per_minute: float = 20,
        now: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        self.overall = Schedule(per_second, burst=max(1, round(per_second)))
        self.chats = Schedule(chat_per_second, burst=chat_burst)
        self.groups = Schedule(group_per_minute / 60, burst=chat_burst)
        self.now = now
        self.sleep = sleep
        self._reservations = 0

    @classmethod
    def from_settings(cls, settings: BotSettings) -> SendLimiter:
        return cls(
            per_second=settings.telegram_messages_per_second,
            chat_per_second=settings.telegram_chat_messages_per_second,
            chat_burst=settings.telegram_chat_burst,
            group_per_minute=settings.telegram_group_messages_per_minute,
        )

    def reserve_chat(self, chat_id: int | str) -> float:
        """Book a send to ``chat_id`` now; the seconds to wait for the chat's turn."""
        now = self.now()
        key = str(chat_id)
        self._reservations += 1
        if self._reservations % self._PRUNE_EVERY == 0:
            for schedule in (self.chats, self.groups):
                schedule.forget_before(now)
        return self._schedule_of(key).reserve(key, now) - now

    def reserve_overall(self) -> float:
        """Book a send in the bot's overall budget now; the seconds to wait for it."""
        now = self.now()
        return self.overall.reserve("*", now) - now

    async def acquire(self, chat_id: str) -> None:
        await self.wait_turn(chat_id)

    async def pause(self, chat_id: str, seconds: float) -> None:
        self.hold(chat_id, seconds)

    async def wait_turn(self, chat_id: int | str) -> None:
        # The chat's turn first, then the overall budget: the overall schedule is only ever
        # booked at the present, so a chat waiting its turn does not hold up the others. A
        # wait past the turn's deadline is refused before it is booked (``may_wait``): a
        # booked turn never taken would hold the chat's next sends back for nothing.
        key = str(chat_id)
        now = self.now()
        may_wait(self._schedule_of(key).earliest(key, now) - now)
        delay = self.reserve_chat(chat_id)
        if delay > 0:
            await self.sleep(delay)
        now = self.now()
        may_wait(self.overall.earliest("*", now) - now)
        delay = self.reserve_overall()
        if delay > 0:
            await self.sleep(delay)

    def _schedule_of(self, key: str) -> Schedule:
        # Groups and channels have negative ids (supergroups start with -100).
        return self.groups if key.startswith("-") else self.chats

    def hold(self, chat_id: int | str, seconds: float) -> None:
        key = str(chat_id)
        self._schedule_of(key).hold(key, self.now() + seconds)


class FloodControl(BaseRequestMiddleware):
    """Session middleware: wait for the limiter before a send; on 429, wait and retry."""

    def __init__(self, limiter: SendLimiter, *, retries: int = 3) -> None:
        self.limiter = limiter
        self.retries = retries
        # The calls Telegram does not limit are not paced, but a 429 on one is still waited out.
        self.unlimited = Unpaced(now=limiter.now, sleep=limiter.sleep)

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        name = method.__api_method__
        chat_id = getattr(method, "chat_id", None)
        if chat_id is not None and name.startswith(LIMITED_PREFIXES):
            # The chat's next turn is then retry_after from now, for this call and for any
            # other call to the same chat meanwhile.
            pacer: Pacer = self.limiter
            key = str(chat_id)
        else:
            pacer, key = self.unlimited, name
        try:
            return await paced(
                lambda: make_request(bot, method),
                pacer,
                key,
                retries=self.retries,
                name=f"telegram {name}",
            )
        except OutOfTime as error:
            raise out_of_time(method) from error
