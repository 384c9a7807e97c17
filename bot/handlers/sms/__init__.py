"""The SMS channel: keywords in (``POST /twilio/sms``), short answers and alerts out.

A basic phone cannot follow a menu, so an SMS is one keyword command, answered by the
channel-agnostic keyword dialog (bot/dialogs/sms_keywords.py). The chat id is the sender's
E.164 number. Alerts respect the person's STOP.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence

from aiohttp import web

from bot.adapters.twilio_messages import UNSUBSCRIBED_RECIPIENT, TwilioMessages, TwilioSendError
from bot.config import BotSettings
from bot.dialogs.contract import Reply, Turn
from bot.dialogs.engine import apology
from bot.dialogs.sms_keywords import SmsKeywords
from bot.dialogs.state import StateStore
from bot.handlers.files import FileLinks
from bot.handlers.plain_text import PlainText
from bot.handlers.twilio_webhooks import (
    InboundLimits,
    admitted,
    empty_twiml,
    first_delivery,
    language_of_number,
    sender_number,
    signed_form,
)
from bot.i18n import N_
from bot.observability.metrics import Metrics
from bot.payments import short_links
from bot.sms_segments import plain_spaces
from bot.wiring import Wiring
from core.accounts.chats import Chats
from core.accounts.queries import is_opted_out
from core.ports import Clock

log = logging.getLogger(__name__)

CHANNEL = "sms"
PATH = "/twilio/sms"


# The OptOutType values of Twilio's Advanced Opt-Out: each is also the keyword's English word.
CARRIER_KEYWORDS = ("STOP", "START", "HELP")

# Options cannot be pressed or answered on SMS, links are written out, and a file (which SMS
# cannot carry) becomes its name and link.
SMS_TEXT = PlainText(options=False, link_labels=False)


def sms_text(reply: Reply, file_url: str | None = None) -> str:
    return plain_spaces(SMS_TEXT.text(reply, file_url=file_url))


class SmsChannelSender:
    channel = CHANNEL
    # Paid per part: a notice's reason comes in its shorter form (bot/notify.py).
    short_notices = True

    def __init__(
        self, messages: TwilioMessages, clock: Clock, links: FileLinks, chats: Chats
    ) -> None:
        self.messages = messages
        self.clock = clock
        self.links = links
        self.chats = chats

    async def opted_out(self, number: str) -> bool:
        return await is_opted_out(CHANNEL, number)

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """An alert: never to a number that sent STOP; False when it cannot go now."""
        if await self.opted_out(chat_id):
            return False
        return await self.reply(chat_id, replies, alert=True)

    async def reply(self, chat_id: str, replies: Sequence[Reply], *, alert: bool = False) -> bool:
        """Answers to a message the person just sent (HELP after STOP still gets its answer).
        For an alert, Twilio's 429 is raised: the notifier waits and tries again."""
        for reply, file_url in zip(replies, await self.links.urls(replies), strict=True):
            text = sms_text(reply, file_url)
            if not text:
                continue
            try:
                await self.messages.send_sms(chat_id, text)
            except TwilioSendError as error:
                if alert and error.status == 429:
                    raise
                log.warning("SMS to %s refused: %s (code %s)", chat_id, error, error.code)
                if error.code == UNSUBSCRIBED_RECIPIENT:
                    # The carrier holds a STOP we never saw: respect it from now on.
                    await self.chats.set_opted_out(CHANNEL, chat_id, True)
                return False
        return True


def webhook(
    settings: BotSettings,
    store: StateStore,
    keywords: SmsKeywords,
    sender: SmsChannelSender,
    metrics: Metrics,
    limits: InboundLimits,
):
    async def receive(request: web.Request) -> web.Response:
        params = await signed_form(request, settings)
        number = sender_number(request, params)
        if not await admitted(limits, CHANNEL, number, metrics) or not await first_delivery(
            store, settings, params.get("MessageSid", ""), CHANNEL, metrics
        ):
            return empty_twiml()
        # Twilio's Advanced Opt-Out names the keywords it recognised (operators may add other
        # languages' there) and has confirmed them itself: recorded here, not answered twice.
        opt_out_type = params.get("OptOutType", "").upper()
        carrier_answered = opt_out_type in CARRIER_KEYWORDS
        turn = Turn(
            channel=CHANNEL,
            chat_id=number,
            user_id=number,
            text=opt_out_type if carrier_answered else params.get("Body", ""),
            language_hint=language_of_number(number),
            message_ref=params.get("MessageSid"),
        )
        try:
            replies = (await keywords.handle(turn)).replies
        except Exception:
            log.exception("SMS keyword from %s failed", number)
            replies = apology(
                turn, N_("Sorry, something went wrong on our side. Nothing was changed.")
            ).replies
        if not carrier_answered:
            await sender.reply(number, replies)
        return empty_twiml()

    return receive


def setup(app: web.Application, wiring: Wiring) -> None:
    """Serve the keywords at ``PATH`` when the process sends SMS (Twilio)."""
    sender = wiring.senders.get(CHANNEL)
    if sender is None:
        return
    assert isinstance(sender, SmsChannelSender)
    settings = wiring.settings
    keywords = SmsKeywords(
        wiring.services,
        wiring.store,
        register_url=settings.base_url + "/",
        short_link=functools.partial(short_links.short_link, settings.base_url),
        unknown_window_seconds=settings.unknown_sender_window_minutes * 60,
    )
    limits = InboundLimits(settings, wiring.pacing)
    app.router.add_post(
        PATH, webhook(settings, wiring.store, keywords, sender, wiring.metrics, limits)
    )
