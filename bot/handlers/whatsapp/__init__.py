"""The WhatsApp channel through Twilio: ``POST /twilio/whatsapp`` in, the REST API out.

Every dialog is reachable: options are written as a numbered list and the engine maps a typed
number back to the option. The chat id is the sender's E.164 number; its calling code picks the
language of a first contact (+98 Persian, +62 Indonesian, else English), changeable later.

WhatsApp lets a business write free text only within 24 hours of the person's last message
(ChatIdentity.last_seen_at). Outside that window an alert or an agent's answer goes as the
pre-approved template of its language, else as an SMS; if neither can go the sender says so
(False), and the notifier tries another chat or the outbox tries again later.

A reply's file goes as media: Twilio fetches it from its signed link (``MediaUrl``, one a
message; bot/handlers/files.py). A template or an SMS cannot carry it and gives the link.
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from aiohttp import web

from bot.adapters.twilio_media import MediaRefused, fetch_media
from bot.adapters.twilio_messages import BODY_MAX_CHARS, TwilioMessages, TwilioSendError
from bot.config import BotSettings
from bot.dialogs.contract import Attachment, Reply, Turn
from bot.dialogs.engine import Engine
from bot.dialogs.errors import error_text, size_limit_mb
from bot.dialogs.services import Services
from bot.handlers.files import FileLinks
from bot.handlers.plain_text import PlainText, file_line
from bot.handlers.text_split import split_text
from bot.handlers.twilio_webhooks import (
    InboundLimits,
    admitted,
    empty_twiml,
    first_delivery,
    language_of_number,
    sender_number,
    signed_form,
)
from bot.i18n import translator
from bot.observability.metrics import Metrics
from bot.wiring import Wiring
from core.accounts.queries import find_chat
from core.errors import DomainError
from core.numbers import whole_number
from core.ports import Clock

log = logging.getLogger(__name__)

CHANNEL = "whatsapp"
PATH = "/twilio/whatsapp"
# Meta's customer-care window for free-form messages.
CARE_WINDOW = timedelta(hours=24)
# WhatsApp's limit on one template variable.
TEMPLATE_VARIABLE_MAX = 1000
# Files WhatsApp shows from a link (Twilio's guidance on WhatsApp media), with the most it
# takes of each: pictures up to 5 MB, documents up to 16 MB. Other files are sent as a link.
MEDIA_MAX_BYTES = {
    "image/jpeg": 5 * 1024 * 1024,
    "image/png": 5 * 1024 * 1024,
    "application/pdf": 16 * 1024 * 1024,
}
# A picture's caption holds this much of the text; a document takes no caption at all.
CAPTION_MAX = 1024


def as_media(attachment: Attachment | None) -> bool:
    if attachment is None:
        return False
    limit = MEDIA_MAX_BYTES.get(attachment.content_type)
    return limit is not None and attachment.size <= limit


def whatsapp_messages(
    text: str, media_url: str | None, *, caption: bool
) -> list[tuple[str | None, str | None]]:
    """The (body, media URL) messages one reply goes as: its text cut to what a message
    carries, and its file (one a message) as the caption of the last part when a caption can
    show it, else in a message of its own after the text."""
    messages: list[tuple[str | None, str | None]] = [
        (body, None) for body in split_text(text, BODY_MAX_CHARS) if body
    ]
    if media_url is None:
        return messages
    last = messages[-1][0] if messages else None
    if caption and last is not None and len(last) <= CAPTION_MAX:
        messages[-1] = (last, media_url)
    else:
        messages.append((None, media_url))
    return messages


# Options as "1. label" lines and a hint to answer with the number; an alert's options (no
# question waits for them) as plain lines.
WHATSAPP_TEXT = PlainText(gap_before_options=True, answer_hint=True)
# A template's one variable: the text and the links, without options.
TEMPLATE_TEXT = PlainText(options=False, link_labels=False)


def whatsapp_text(reply: Reply, *, numbered: bool = True, file_url: str | None = None) -> str:
    """A reply as WhatsApp text; a file that cannot go as media is written as its name and
    ``file_url``."""
    return WHATSAPP_TEXT.text(reply, numbered=numbered, file_url=file_url)


class SmsFallback(Protocol):
    """The SMS channel's sender, for an alert outside the 24-hour window."""

    async def opted_out(self, number: str) -> bool: ...

    async def reply(
        self, chat_id: str, replies: Sequence[Reply], *, alert: bool = False
    ) -> bool: ...


class WhatsAppSender:
    channel = CHANNEL
    # An answer to what the person did goes here first only inside the window (bot/notify.py).
    answer_window = CARE_WINDOW

    def __init__(
        self,
        settings: BotSettings,
        messages: TwilioMessages,
        clock: Clock,
        links: FileLinks,
        sms: SmsFallback | None,
    ) -> None:
        self.settings = settings
        self.messages = messages
        self.clock = clock
        self.links = links
        self.sms = sms

    async def reply(
        self, chat_id: str, replies: Sequence[Reply], *, numbered: bool = True, alert: bool = False
    ) -> bool:
        """Free text: an answer to what the person just wrote, or an alert inside the window.
        For an alert, Twilio's 429 is raised: the notifier waits and tries again."""
        for reply, file_url in zip(replies, await self.links.urls(replies), strict=True):
            media = file_url if as_media(reply.attachment) else None
            text = whatsapp_text(reply, numbered=numbered, file_url=None if media else file_url)
            for body, media_url in whatsapp_messages(text, media, caption=_captioned(reply)):
                try:
                    await self.messages.send_whatsapp(chat_id, body, media_url=media_url)
                except TwilioSendError as error:
                    if alert and error.status == 429:
                        raise
                    log.warning("WhatsApp to %s refused: %s (code %s)", chat_id, error, error.code)
                    return False
        return True

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """An alert or an agent's answer, by the rules of the 24-hour window."""
        if not replies:
            return True
        chat = await find_chat(CHANNEL, chat_id)
        if chat is not None and chat.opted_out:
            return False
        last_seen = chat.last_seen_at if chat is not None else None
        if last_seen is not None and self.clock.now() - last_seen < CARE_WINDOW:
            return await self.reply(chat_id, replies, numbered=False, alert=True)
        if await self._template(chat_id, replies):
            return True
        if self.sms is not None and not await self.sms.opted_out(chat_id):
            log.info("WhatsApp %s is outside the 24-hour window: sent by SMS", chat_id)
            return await self.sms.reply(chat_id, replies, alert=True)
        log.warning(
            "WhatsApp %s is outside the 24-hour window, with no template or SMS to use", chat_id
        )
        return False

    async def _template(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        language = replies[0].language
        content_sid = self.settings.twilio_whatsapp_templates.get(language)
        if not content_sid:
            return False
        text = template_text(replies, await self.links.urls(replies))
        try:
            await self.messages.send_whatsapp(
                chat_id, content_sid=content_sid, variables={"1": text}
            )
        except TwilioSendError as error:
            if error.status == 429:
                raise
            log.warning("WhatsApp template to %s refused: %s (code %s)", chat_id, error, error.code)
            return False
        return True


def _captioned(reply: Reply) -> bool:
    return reply.attachment is not None and reply.attachment.content_type.startswith("image/")


def template_text(replies: Sequence[Reply], urls: Sequence[str | None]) -> str:
    """The replies in one template variable: the text cut to fit, the files' links kept whole."""
    files = "\n".join(
        file_line(reply, url) for reply, url in zip(replies, urls, strict=True) if url
    )
    room = TEMPLATE_VARIABLE_MAX - (len(files) + 1 if files else 0)
    text = "\n".join(filter(None, (TEMPLATE_TEXT.text(reply) for reply in replies)))[: max(room, 0)]
    return "\n".join(filter(None, (text, files)))


def webhook(
    settings: BotSettings,
    services: Services,
    engine: Engine,
    sender: WhatsAppSender,
    metrics: Metrics,
    limits: InboundLimits,
):
    async def receive(request: web.Request) -> web.Response:
        params = await signed_form(request, settings)
        number = sender_number(request, params, "whatsapp:")
        sid = params.get("MessageSid", "")
        if not await admitted(limits, CHANNEL, number, metrics) or not await first_delivery(
            engine.store, settings, sid, CHANNEL, metrics
        ):
            return empty_twiml()
        hint = language_of_number(number)
        attachment = None
        if _media_count(params.get("NumMedia")) > 0:
            content_type = params.get("MediaContentType0", "")
            try:
                data = await fetch_media(settings, params.get("MediaUrl0", ""), content_type)
            except MediaRefused as refused:
                await sender.reply(number, [await _refusal(services, number, hint, refused)])
                return empty_twiml()
            extension = mimetypes.guess_extension(content_type) or ""
            attachment = Attachment(f"whatsapp-{sid[-12:]}{extension}", content_type, data)
        turn = Turn(
            channel=CHANNEL,
            chat_id=number,
            user_id=number,
            text=params.get("Body") or None,
            attachment=attachment,
            language_hint=hint,
            message_ref=sid or None,
        )
        # Sent while the chat is held, as Telegram's are: a second message from the same
        # number waits, so its answer never arrives before this one's.
        await engine.handle(turn, deliver=lambda outcome: sender.reply(number, outcome.replies))
        return empty_twiml()

    return receive


def _media_count(value: str | None) -> int:
    return whole_number(value) or 0


async def _refusal(services: Services, number: str, hint: str, refused: MediaRefused) -> Reply:
    chat = await services.chats.identify_chat(CHANNEL, number, hint)
    language = chat.language.value if chat.language else hint
    t = translator(language)
    max_mb = size_limit_mb(services.settings.attachment_max_bytes)
    return Reply(error_text(t, DomainError(refused.code, max_mb=max_mb)), language=t.language)


def setup(app: web.Application, wiring: Wiring) -> None:
    """Serve WhatsApp's messages at ``PATH`` when the process sends on WhatsApp (Twilio)."""
    sender = wiring.senders.get(CHANNEL)
    if sender is None:
        return
    assert isinstance(sender, WhatsAppSender)
    limits = InboundLimits(wiring.settings, wiring.pacing)
    app.router.add_post(
        PATH,
        webhook(wiring.settings, wiring.services, wiring.engine, sender, wiring.metrics, limits),
    )
