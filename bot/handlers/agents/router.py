"""The agents' group: messages in a ticket's topic become answers or commands.

Only agents act: the Telegram user ids of ``ISPBOT_AGENT_USER_IDS`` and the group's
administrators. Anyone else's command is refused and their messages never reach a subscriber.
Messages outside a ticket's topic (the General topic, a topic made by hand) are ignored.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, User

from bot.adapters.telegram_bot import download_attachment
from bot.config import BotSettings
from bot.handlers.agents import words
from bot.handlers.agents.commands import Agent, AgentCommands
from bot.handlers.agents.documents import CALLBACK_PREFIX, COMMANDS, DocumentDesk, Said
from bot.i18n import N_
from core.errors import DomainError
from core.staff.audit import Actor

log = logging.getLogger(__name__)

ADMIN_STATUSES = {"creator", "administrator"}
NOT_AN_AGENT = N_("Only support agents can use commands here.")


class AgentCheck:
    def __init__(self, settings: BotSettings) -> None:
        self.settings = settings

    async def agent(self, message: Message, bot: Bot) -> Agent | None:
        return await self.agent_of(message.from_user, message.chat.id, bot)

    async def agent_of(self, person: User | None, chat_id: int, bot: Bot) -> Agent | None:
        if person is None or person.is_bot:
            return None
        allowed = person.id in self.settings.agent_user_ids
        if not allowed:
            try:
                member = await bot.get_chat_member(chat_id, person.id)
            except TelegramAPIError as error:
                log.warning("agents' group: could not check user %s: %s", person.id, error)
                return None
            allowed = member.status in ADMIN_STATUSES
        if not allowed:
            return None
        name = person.full_name or (f"@{person.username}" if person.username else str(person.id))
        return Agent(name=name[:120], can_bill=person.id in self.settings.agent_billing_user_ids)


def create_agent_router(chat_id: int) -> Router:
    router = Router(name="agents")
    router.message.filter(F.chat.id == chat_id)
    router.message.register(on_agent_message)
    router.callback_query.filter(F.message.chat.id == chat_id, F.data.startswith(CALLBACK_PREFIX))
    router.callback_query.register(on_document_button)
    return router


async def on_agent_message(
    message: Message,
    bot: Bot,
    agent_check: AgentCheck,
    agent_commands: AgentCommands,
    document_desk: DocumentDesk,
) -> None:
    thread_id = message.message_thread_id if message.is_topic_message else None
    text = message.text or ""
    word = text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower() if text.startswith("/") else ""
    if word in COMMANDS:
        # The documents' review works anywhere in the group, the General topic included.
        if await agent_check.agent(message, bot) is None:
            await _tell(bot, message, document_desk.t.gettext(NOT_AN_AGENT))
            return
        said = await document_desk.command(
            word, text.partition(" ")[2], reviewer(message.from_user)
        )
        await _post(bot, message.chat.id, thread_id, said)
        return
    if thread_id is None:
        return
    topic = await agent_commands.topic(message.chat.id, thread_id)
    if topic is None:
        return
    text = message.text or message.caption
    is_command = bool(text and text.startswith("/"))
    agent = await agent_check.agent(message, bot)
    if agent is None:
        if is_command:
            await _tell(bot, message, document_desk.t.gettext(NOT_AN_AGENT))
        return
    try:
        if is_command:
            assert text is not None
            said = await agent_commands.run(topic, agent, text)
            if said:
                await _tell(bot, message, said)
            return
        attachment = await download_attachment(message, bot)
        files = (
            [(attachment.filename, attachment.content_type, attachment.data)] if attachment else []
        )
        if not (text or files):
            return  # a sticker, a service message: nothing to pass on
        await agent_commands.answer(topic, agent, text, files)
    except DomainError as error:
        t = agent_commands.t
        await _tell(bot, message, t.gettext("Not sent: %(why)s", why=words.reason(t, error)))


async def on_document_button(
    query: CallbackQuery, bot: Bot, agent_check: AgentCheck, document_desk: DocumentDesk
) -> None:
    message = query.message
    if not isinstance(message, Message):
        await query.answer()  # too old for Telegram to show: nothing to act in
        return
    if await agent_check.agent_of(query.from_user, message.chat.id, bot) is None:
        await query.answer(document_desk.t.gettext(NOT_AN_AGENT), show_alert=True)
        return
    await query.answer()
    thread_id = message.message_thread_id if message.is_topic_message else None
    said = await document_desk.pressed(
        query.data or "", bot, message.chat.id, thread_id, reviewer(query.from_user)
    )
    await _post(bot, message.chat.id, thread_id, said)


def reviewer(person: User | None) -> Actor:
    """An agent as the staff's audit log names them: their Telegram id (which stays) and their
    name (which helps the reader). Only called for a person the agent check let through."""
    if person is None:
        return Actor.outside("telegram", "unknown")
    return Actor.outside("telegram", f"{person.id} {person.full_name}")


async def _post(bot: Bot, chat_id: int, thread_id: int | None, said: Said) -> None:
    if said.text:
        markup: InlineKeyboardMarkup | None = said.buttons
        await bot.send_message(
            chat_id, said.text, message_thread_id=thread_id, parse_mode=None, reply_markup=markup
        )


async def _tell(bot: Bot, message: Message, text: str) -> None:
    await bot.send_message(
        message.chat.id, text, message_thread_id=message.message_thread_id, parse_mode=None
    )
