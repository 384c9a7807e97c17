"""Replies as Bot API calls: text with an inline keyboard, a file, the contact button.

Rules:
- Text is always sent with no parse mode, so what a subscriber wrote (a ticket subject, a name)
  reaches the chat as written and can never inject markup or links.
- Options become inline buttons, one per row (labels are sentences in three languages). https
  links become URL buttons; other links (a test or demo server) are written under the text.
- A reply that asks for the contact gets the "share my phone number" reply keyboard instead.
- Edit in place: when a button press produced exactly one reply of text and buttons, the message
  that held the pressed button is edited into it, so walking a menu does not pile up messages.
  Several replies, a file, or the contact button are sent as new messages; the old menu stays,
  and the engine refuses a stale choice from it as it would any other.
- A 403 (the user blocked the bot) marks the chat unreachable, so alerts go elsewhere.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramRetryAfter,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
)

from bot.adapters.telegram_bot import CAPTION_MAX, PHOTO_TYPES, TEXT_MAX
from bot.adapters.telegram_calls import BotCalls, dump
from bot.dialogs.contract import Reply
from bot.handlers.telegram.buttons import ButtonCodes
from bot.handlers.text_split import split_text
from bot.i18n import translator
from core.accounts.chats import Chats

log = logging.getLogger(__name__)

CHANNEL = "telegram"

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup | None


class TelegramOutput:
    """Shows replies in a Telegram chat. Shared by the update handlers and the notifier."""

    channel = CHANNEL

    def __init__(self, bot: Bot, buttons: ButtonCodes, chats: Chats) -> None:
        self.bot = bot
        self.buttons = buttons
        self.chats = chats
        # A turn's text, its edit and a button's answer skip aiogram's models (JSON in, ok out).
        self.calls = BotCalls.of(bot)

    async def answer_press(self, query_id: str) -> None:
        """Stop a pressed button's spinner (answerCallbackQuery)."""
        await self.calls.call("answerCallbackQuery", dump({"callback_query_id": query_id}))

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """The notifier's entry (bot/notify.py): False when the chat cannot be reached now; a
        429 still there after the retries is raised, for the notifier to pause the channel."""
        return await self.deliver(chat_id, replies, raise_rate_limit=True)

    async def deliver(
        self,
        chat_id: str,
        replies: Sequence[Reply],
        *,
        pressed_message_id: int | None = None,
        raise_rate_limit: bool = False,
    ) -> bool:
        try:
            edited = (
                pressed_message_id is not None
                and _editable(replies)
                and await self._edit(chat_id, pressed_message_id, replies[0])
            )
            if edited:
                return True
            for reply in replies:
                await self._send(chat_id, reply)
        except TelegramRetryAfter:
            if raise_rate_limit:
                raise
            log.warning("telegram chat %s: still rate limited after the retries", chat_id)
            return False
        except TelegramForbiddenError:
            log.info("telegram chat %s blocked the bot; marked unreachable", chat_id)
            await self.chats.mark_unreachable(CHANNEL, chat_id)
            return False
        except TelegramAPIError as error:
            log.warning("telegram chat %s: could not deliver: %s", chat_id, error)
            return False
        return True

    async def forget(self, chat_id: str, message_id: int) -> None:
        """Delete an inbound message that held a password (Telegram allows it for 48 hours)."""
        try:
            await self.bot.delete_message(chat_id=int(chat_id), message_id=message_id)
        except TelegramAPIError as error:
            log.warning("telegram chat %s: could not delete a password message: %s", chat_id, error)

    # ---- one reply ---------------------------------------------------------------------------

    async def _edit(self, chat_id: str, message_id: int, reply: Reply) -> bool:
        markup = await self._keyboard_json(chat_id, reply)
        body = _call_json(
            f'{{"chat_id":{int(chat_id)},"message_id":{int(message_id)},"text":', reply, markup
        )
        try:
            await self.calls.call("editMessageText", body, chat_id=int(chat_id))
        except TelegramBadRequest as error:
            if "not modified" in error.message:
                return True  # the same screen again: nothing to change
            log.info("telegram chat %s: editing failed (%s); sending instead", chat_id, error)
            return False
        return True

    async def _send(self, chat_id: str, reply: Reply) -> None:
        text = _text(reply)
        attachment = reply.attachment
        if attachment is None and not reply.asks_contact and len(text) <= TEXT_MAX:
            # Most replies: one message of text and buttons, a JSON call.
            markup_json = await self._keyboard_json(chat_id, reply)
            body = _call_json(f'{{"chat_id":{int(chat_id)},"text":', reply, markup_json)
            await self.calls.call("sendMessage", body, chat_id=int(chat_id))
            return
        markup = await self._markup(chat_id, reply)
        if attachment is not None and len(text) <= CAPTION_MAX:
            await self._send_file(chat_id, reply, caption=text or None, markup=markup)
            return
        chunks = split_text(text, TEXT_MAX)
        for number, chunk in enumerate(chunks, start=1):
            await self.bot.send_message(
                chat_id=int(chat_id),
                text=chunk,
                parse_mode=None,
                reply_markup=markup if number == len(chunks) else None,
            )
        if attachment is not None:
            await self._send_file(chat_id, reply, caption=None, markup=None)

    async def _send_file(self, chat_id: str, reply: Reply, *, caption: str | None, markup: Markup):
        attachment = reply.attachment
        assert attachment is not None
        upload = BufferedInputFile(attachment.data, filename=attachment.filename)
        if attachment.content_type in PHOTO_TYPES:
            await self.bot.send_photo(
                chat_id=int(chat_id),
                photo=upload,
                caption=caption,
                parse_mode=None,
                reply_markup=markup,
            )
        else:
            await self.bot.send_document(
                chat_id=int(chat_id),
                document=upload,
                caption=caption,
                parse_mode=None,
                reply_markup=markup,
            )

    # ---- keyboards ----------------------------------------------------------------------------

    async def _markup(self, chat_id: str, reply: Reply) -> Markup:
        if reply.asks_contact:
            return _contact_keyboard(reply)
        return await self._inline_markup(chat_id, reply)

    async def _keyboard_json(self, chat_id: str, reply: Reply) -> str | None:
        """The reply's inline keyboard as JSON; the same buttons (a menu in one language and
        variant) are encoded once and kept."""
        codes = await self.buttons.encode(chat_id, [o.id for o in reply.options])
        buttons = tuple((o.label, codes[o.id]) for o in reply.options)
        links = tuple((link.label, link.url) for link in reply.links if _is_button_url(link.url))
        return _keyboard(buttons, links)

    async def _inline_markup(self, chat_id: str, reply: Reply) -> InlineKeyboardMarkup | None:
        codes = await self.buttons.encode(chat_id, [o.id for o in reply.options])
        rows = [
            [InlineKeyboardButton(text=o.label, callback_data=codes[o.id])] for o in reply.options
        ]
        rows += [
            [InlineKeyboardButton(text=link.label, url=link.url)]
            for link in reply.links
            if _is_button_url(link.url)
        ]
        return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None


@functools.lru_cache(maxsize=512)
def _keyboard(
    buttons: tuple[tuple[str, str], ...], links: tuple[tuple[str, str], ...]
) -> str | None:
    """An inline keyboard's JSON, one button a row: options (label, callback_data), then URL
    buttons (label, url). Kept by its buttons: a menu's is the same for every chat that reads
    it in one language (bounded, for keyboards made of a chat's own items)."""
    rows = [[{"text": label, "callback_data": code}] for label, code in buttons]
    rows += [[{"text": label, "url": url}] for label, url in links]
    return dump({"inline_keyboard": rows}) if rows else None


def _call_json(head: str, reply: Reply, markup_json: str | None) -> str:
    """``head`` (the call's opening, up to ``"text":``) with the reply's text and keyboard:
    no parse mode, so the text is shown as written."""
    body = head + dump(_text(reply))
    if markup_json is not None:
        body += ',"reply_markup":' + markup_json
    return body + "}"


def _contact_keyboard(reply: Reply) -> ReplyKeyboardMarkup:
    """The share-my-number button; the reply's options as plain buttons under it (their label
    comes back as text, which the engine matches to the option)."""
    t = translator(reply.language)
    rows = [[KeyboardButton(text=t.gettext("Share my phone number"), request_contact=True)]]
    rows += [[KeyboardButton(text=o.label)] for o in reply.options]
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, one_time_keyboard=True)


def _editable(replies: Sequence[Reply]) -> bool:
    return (
        len(replies) == 1
        and replies[0].attachment is None
        and not replies[0].asks_contact
        and len(_text(replies[0])) <= TEXT_MAX
    )


def _is_button_url(url: str) -> bool:
    # Telegram accepts only public http(s) addresses on URL buttons; a local one fails the send.
    return url.startswith("https://")


def _text(reply: Reply) -> str:
    lines = [reply.text] if reply.text else []
    lines += [f"{link.label}: {link.url}" for link in reply.links if not _is_button_url(link.url)]
    return "\n\n".join(lines)
