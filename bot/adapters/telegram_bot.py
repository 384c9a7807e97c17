"""What the subscribers' Telegram channel and the agents' group share: the Bot on the configured
API server within Telegram's limits, the Bot API's sizes, and a message's file downloaded.

Both speak through one bot; neither imports the other, so what both need lives here.
"""

from __future__ import annotations

import io
import logging
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message

from bot.adapters.telegram_limits import FloodControl, SendLimiter, out_of_time
from bot.adapters.telegram_responses import hold_response_models
from bot.dialogs.contract import Attachment
from bot.pacing import time_to_send

if TYPE_CHECKING:
    from aiogram.methods import TelegramMethod
    from aiogram.methods.base import TelegramType

    from bot.config import BotSettings

log = logging.getLogger(__name__)

TEXT_MAX = 4096
CAPTION_MAX = 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")  # sent as photos, others as documents
# The Bot API hands bots files up to 20 MB; larger ones cannot be downloaded at all.
DOWNLOAD_MAX_BYTES = 20 * 1024 * 1024


class TurnBoundSession(AiohttpSession):
    """aiogram's session, whose calls made while a turn holds its chat (``pacing.sending_by``)
    end by the turn's deadline: a file, a long text's parts, the contact keyboard or a delete
    hanging for the session's 60 s would outlive the chat's lock, and the chat's next turn
    would send beside it. A call with no time left is not made; either way the error is
    aiogram's network error, which the senders take for "not delivered now"."""

    async def make_request(  # aiogram's signature, timeout included
        self,
        bot: Bot,
        method: TelegramMethod[TelegramType],
        timeout: int | None = None,  # noqa: ASYNC109
    ) -> TelegramType:
        left = time_to_send()
        if left < math.inf:
            if left <= 0:
                raise out_of_time(method)
            # aiohttp takes a number as the call's total timeout, fractions included.
            bounded: Any = min(self.timeout if timeout is None else timeout, left)
            timeout = bounded
        return await super().make_request(bot, method, timeout)


def create_bot(settings: BotSettings, limiter: SendLimiter, *, retries: int = 3) -> Bot:
    """A Bot on the configured API server, its calls kept within Telegram's limits and, in a
    turn, its deadline; a 429 is waited out and retried ``retries`` times before it is
    raised."""
    assert settings.telegram_token is not None
    hold_response_models()
    session = TurnBoundSession(api=TelegramAPIServer.from_base(settings.telegram_api_base))
    session.middleware(FloodControl(limiter, retries=retries))
    return Bot(
        settings.telegram_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=None),
    )


async def download_attachment(message: Message, bot: Bot) -> Attachment | None:
    """The message's photo (its largest size) or document, or None when it has neither or the
    file cannot be had."""
    if message.photo:
        photo = message.photo[-1]  # the largest size
        file_id, size = photo.file_id, photo.file_size
        name, content_type = f"photo-{message.message_id}.jpg", "image/jpeg"
    elif message.document is not None:
        document = message.document
        file_id, size = document.file_id, document.file_size
        name = document.file_name or f"file-{message.message_id}"
        content_type = document.mime_type or "application/octet-stream"
    elif (media := _voice_video_or_sticker(message)) is not None:
        file_id, size, name, content_type = media
    else:
        return None
    if size is not None and size > DOWNLOAD_MAX_BYTES:
        log.info("telegram chat %s sent a file too large to download", message.chat.id)
        return None
    try:
        data = await bot.download(file_id, destination=io.BytesIO())
    except TelegramAPIError as error:
        log.warning("telegram chat %s: could not download a file: %s", message.chat.id, error)
        return None
    assert data is not None
    return Attachment(filename=name[:200], content_type=content_type[:100], data=data.read())


def _voice_video_or_sticker(message: Message) -> tuple[str, int | None, str, str] | None:
    """A voice note, a round video, a video, an audio file, a sticker or a GIF: file id, size,
    a name and the media type. Not dropped: the dialogs say the bot reads text, and a ticket
    or a live hand-off takes the file for the agent."""
    number = message.message_id
    if message.voice is not None:
        voice = message.voice
        return voice.file_id, voice.file_size, f"voice-{number}.ogg", voice.mime_type or "audio/ogg"
    if message.video_note is not None:
        note = message.video_note
        return note.file_id, note.file_size, f"video-note-{number}.mp4", "video/mp4"
    if message.video is not None:
        video = message.video
        name = video.file_name or f"video-{number}.mp4"
        return video.file_id, video.file_size, name, video.mime_type or "video/mp4"
    if message.audio is not None:
        audio = message.audio
        name = audio.file_name or f"audio-{number}.mp3"
        return audio.file_id, audio.file_size, name, audio.mime_type or "audio/mpeg"
    if message.animation is not None:
        animation = message.animation
        name = animation.file_name or f"animation-{number}.mp4"
        return animation.file_id, animation.file_size, name, animation.mime_type or "video/mp4"
    if message.sticker is not None:
        sticker = message.sticker
        if sticker.is_animated:
            kind, extension = "application/x-tgsticker", "tgs"
        elif sticker.is_video:
            kind, extension = "video/webm", "webm"
        else:
            kind, extension = "image/webp", "webp"
        return sticker.file_id, sticker.file_size, f"sticker-{number}.{extension}", kind
    return None


@dataclass(frozen=True, slots=True)
class TelegramSession:
    """The process's one bot, the limiter its calls wait in, and the dispatcher its updates go
    through: the subscribers' channel and the agents' group each add their router to it."""

    bot: Bot
    limiter: SendLimiter
    dispatcher: Dispatcher


def open_session(settings: BotSettings, *, retries: int) -> TelegramSession:
    limiter = SendLimiter.from_settings(settings)
    # aiogram's FSM is off: the engine keeps the conversation, and the FSM's memory storage
    # would keep a record for every chat that ever wrote, for the life of the process.
    dispatcher = Dispatcher(disable_fsm=True)
    return TelegramSession(create_bot(settings, limiter, retries=retries), limiter, dispatcher)
