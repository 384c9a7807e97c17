"""The agents' group as a desk: Bot API calls on the forum supergroup, plain text only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from aiogram import Bot
from aiogram.types import BufferedInputFile

from bot.adapters.telegram_bot import PHOTO_TYPES, TEXT_MAX
from bot.handlers.text_split import split_text
from core.tickets.service import AttachmentIn

TOPIC_NAME_MAX = 128  # Telegram's limit for a forum topic's name


class AgentDesk(Protocol):
    async def open_topic(self, name: str) -> int:
        """A new topic; returns its thread id."""
        ...

    async def rename_topic(self, thread_id: int, name: str) -> None: ...

    async def close_topic(self, thread_id: int) -> None: ...

    async def reopen_topic(self, thread_id: int) -> None: ...

    async def post(
        self, thread_id: int, text: str, attachments: Sequence[AttachmentIn] = ()
    ) -> None: ...


class TelegramDesk:
    """Every text goes without a parse mode, so what a subscriber wrote is shown as written and
    cannot inject markup or links into the agents' group."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self.bot = bot
        self.chat_id = chat_id

    async def open_topic(self, name: str) -> int:
        topic = await self.bot.create_forum_topic(self.chat_id, name[:TOPIC_NAME_MAX])
        return topic.message_thread_id

    async def rename_topic(self, thread_id: int, name: str) -> None:
        await self.bot.edit_forum_topic(self.chat_id, thread_id, name=name[:TOPIC_NAME_MAX])

    async def close_topic(self, thread_id: int) -> None:
        await self.bot.close_forum_topic(self.chat_id, thread_id)

    async def reopen_topic(self, thread_id: int) -> None:
        await self.bot.reopen_forum_topic(self.chat_id, thread_id)

    async def post(
        self, thread_id: int, text: str, attachments: Sequence[AttachmentIn] = ()
    ) -> None:
        for part in split_text(text, TEXT_MAX):
            await self.bot.send_message(
                self.chat_id,
                part or "-",
                message_thread_id=thread_id,
                parse_mode=None,
            )
        for filename, content_type, data in attachments:
            upload = BufferedInputFile(data, filename=filename)
            if content_type in PHOTO_TYPES:
                await self.bot.send_photo(
                    self.chat_id, upload, message_thread_id=thread_id, parse_mode=None
                )
            else:
                await self.bot.send_document(
                    self.chat_id, upload, message_thread_id=thread_id, parse_mode=None
                )
