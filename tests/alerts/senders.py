"""Channel senders that record what they were given, and can refuse or fail like a platform."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from bot.dialogs.contract import Reply


class Forbidden(Exception):
    """What a Telegram 403 (the user blocked the bot) looks like to the notifier."""


class RetryAfter(Exception):
    def __init__(self, seconds: float) -> None:
        super().__init__(f"retry after {seconds}")
        self.retry_after = seconds


class RecordingSender:
    def __init__(
        self, channel: str, *, takes: bool = True, errors: Sequence[Exception] = ()
    ) -> None:
        self.channel = channel
        self.takes = takes
        self.errors = list(errors)
        self.sent: list[tuple[str, list[Reply]]] = []
        self.tried: list[str] = []

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        await asyncio.sleep(0)  # let concurrent workers interleave
        self.tried.append(chat_id)
        if self.errors:
            raise self.errors.pop(0)
        if not self.takes:
            return False
        self.sent.append((chat_id, list(replies)))
        return True
