"""The Telegram channel: aiogram updates in, engine turns, Bot API calls out.

The router only translates. A message (text, a shared contact, a photo or a document) or a
button press becomes one ``Turn`` for ``engine.handle``; the outcome's replies are shown by
``TelegramOutput`` (render.py). The engine owns the conversation's state;
aiogram's FSM is not used. Services reach the handlers by argument name from the dispatcher.

The chat's id is Telegram's chat id as a string, on channel "telegram". Only private chats are
served: a self-care conversation (passwords, invoices) does not belong in a group.

``setup`` serves the channel in the app when ``ISPBOT_TELEGRAM_TOKEN`` is set: the webhook at
``/telegram/webhook`` (when the secret is set), or long polling with
``ISPBOT_TELEGRAM_POLLING``; either way the process's one dispatcher (the agents' group adds
its router to it), the same once-per-update check. The bot's session is the container's
(bot/wiring.py), closed when the app stops.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass

from aiogram import Bot, Dispatcher, Router
from aiogram.enums import ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message, Update
from aiohttp import web

from bot.adapters.telegram_bot import create_bot, download_attachment
from bot.adapters.telegram_limits import SendLimiter
from bot.config import BotSettings
from bot.dialogs.contract import Outcome, Turn
from bot.dialogs.engine import RESUME, Engine
from bot.dialogs.state import (
    Claim,
    Delivery,
    DeliveryTaken,
    StateStore,
    StoreUnavailable,
    open_state_store,
)
from bot.handlers.telegram.buttons import ButtonCodes
from bot.handlers.telegram.render import CHANNEL, TelegramOutput
from bot.handlers.telegram.updates import LedgerUnavailable, OncePerUpdate, UpdateInFlight
from bot.handlers.telegram.webhook import (
    ALLOWED_UPDATES,
    PATH,
    TurnsInFlight,
    shed_load,
    webhook_handler,
)
from bot.i18n import resolve_language
from bot.wiring import Wiring
from core.accounts.chats import Chats

log = logging.getLogger(__name__)


def create_router() -> Router:
    """The channel's handlers, on a router of their own for each dispatcher."""
    router = Router(name="telegram")
    # Coroutines, not magic filters (F.chat.type == ...): aiogram runs a plain callable filter
    # in a thread, a thread hop on every update (bench/RESULTS.md).
    router.message.filter(_in_private_chat)
    router.callback_query.filter(_pressed_in_private_chat)
    router.my_chat_member.filter(_in_private_chat)
    router.message.register(on_message)
    router.callback_query.register(on_button)
    router.my_chat_member.register(on_membership)
    return router


async def _in_private_chat(event: Message | ChatMemberUpdated) -> bool:
    return event.chat.type == ChatType.PRIVATE


async def _pressed_in_private_chat(query: CallbackQuery) -> bool:
    return query.message is not None and query.message.chat.type == ChatType.PRIVATE


def language_hint(language_code: str | None) -> str | None:
    """Telegram's language_code for a first contact: fa, id or en, and en for the rest."""
    if not language_code:
        return None
    return resolve_language(language_code) or "en"


async def on_message(
    message: Message,
    bot: Bot,
    engine: Engine,
    output: TelegramOutput,
    delivery: Delivery | None = None,
) -> None:
    """A message's turn, its replies sent before the chat is let go; ``delivery``: the update,
    claimed and recorded with the chat's state (DirectUpdates), else by OncePerUpdate."""
    turn = await turn_from_message(message, bot)

    async def show(outcome: Outcome) -> None:
        if outcome.forget_inbound:
            await output.forget(turn.chat_id, message.message_id)
        await output.deliver(turn.chat_id, outcome.replies)

    await engine.handle(turn, deliver=show, delivery=delivery)


async def on_button(
    query: CallbackQuery,
    engine: Engine,
    output: TelegramOutput,
    buttons: ButtonCodes,
    delivery: Delivery | None = None,
) -> None:
    assert query.message is not None  # the filter above needs a message
    chat_id = str(query.message.chat.id)
    # Answer at once: the button stops spinning while the turn runs.
    with contextlib.suppress(TelegramAPIError):
        await output.answer_press(query.id)
    # Before the update is claimed: a store that does not answer raises StoreUnavailable, and
    # the press is answered "retry" (503), not taken for handled. Any other error is a bug, and
    # goes the way of a handler's errors.
    choice = await buttons.decode(chat_id, query.data)
    turn = Turn(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=str(query.from_user.id),
        # A token this chat no longer remembers: show where the conversation is.
        choice=choice or RESUME,
        language_hint=language_hint(query.from_user.language_code),
        message_ref=f"button:{query.id}",
    )
    pressed = query.message.message_id if isinstance(query.message, Message) else None

    async def show(outcome: Outcome) -> None:
        await output.deliver(chat_id, outcome.replies, pressed_message_id=pressed)

    await engine.handle(turn, deliver=show, delivery=delivery)


async def on_membership(event: ChatMemberUpdated, engine: Engine) -> None:
    """Telegram tells us when the user blocks the bot and when they start it again."""
    chat_id = str(event.chat.id)
    chats = engine.services.chats
    if event.new_chat_member.status == "kicked":
        await chats.mark_unreachable(CHANNEL, chat_id)
    elif event.new_chat_member.status == "member":
        await chats.mark_reachable(CHANNEL, chat_id)


async def turn_from_message(message: Message, bot: Bot) -> Turn:
    sender = message.from_user
    chat_id = str(message.chat.id)
    contact_phone = None
    if message.contact is not None:
        # Only the sender's own number is vouched for; a forwarded contact card is not.
        if sender is not None and message.contact.user_id == sender.id:
            contact_phone = message.contact.phone_number
        else:
            log.info("telegram chat %s shared someone else's contact; ignored", chat_id)
    return Turn(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=str(sender.id) if sender else chat_id,
        text=message.text or message.caption,
        contact_phone=contact_phone,
        attachment=await download_attachment(message, bot),
        language_hint=language_hint(sender.language_code if sender else None),
        message_ref=str(message.message_id),
    )


# ---- wiring -------------------------------------------------------------------------------------


class DirectUpdates:
    """The updates this channel handles, fed to its handlers with no dispatcher round.

    aiogram's dispatcher takes each update through its middlewares, routers, observers and
    filters before a handler (8 % of a turn's CPU, issue 24). A message or a button press in a
    private chat is this channel's alone (the agents' group is a group chat), so the webhook
    hands it to ``on_message`` or ``on_button`` itself, and the update is claimed and recorded
    as handled in the engine's two trips to the store for the chat (bot/dialogs/state.py), the
    same once-per-update rules as OncePerUpdate's (bot/handlers/telegram/updates.py). Any other
    update (a block or unblock, the agents' group) goes through the dispatcher."""

    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        once: OncePerUpdate,
        engine: Engine,
        output: TelegramOutput,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.once = once
        self.engine = engine
        self.output = output

    async def feed(self, update: Update) -> None:
        message, query = update.message, update.callback_query
        if message is not None and message.chat.type == ChatType.PRIVATE:
            turn = on_message(message, self.bot, self.engine, self.output, self._delivery(update))
        elif (
            query is not None
            and query.message is not None
            and query.message.chat.type == ChatType.PRIVATE
        ):
            output = self.output
            turn = on_button(query, self.engine, output, output.buttons, self._delivery(update))
        else:
            await self.dispatcher.feed_update(self.bot, update)
            return
        try:
            await turn
        except DeliveryTaken as taken:
            if taken.claim is Claim.IN_FLIGHT:
                raise UpdateInFlight(str(update.update_id)) from None
            log.info("telegram update %s delivered again; skipped", update.update_id)
        except StoreUnavailable as error:
            raise LedgerUnavailable(str(update.update_id)) from error

    def _delivery(self, update: Update) -> Delivery:
        once = self.once
        return Delivery(once.key_of(update.update_id), once.lease_seconds, once.ttl_seconds)


@dataclass
class TelegramChannel:
    bot: Bot
    dispatcher: Dispatcher
    output: TelegramOutput
    limiter: SendLimiter


TELEGRAM = web.AppKey("telegram", TelegramChannel)


def build_sender(
    settings: BotSettings, chats: Chats, store: StateStore | None = None, bot: Bot | None = None
) -> TelegramOutput:
    """The notifier's Telegram sender. Without ``bot``, one whose 429s are not retried here but
    raised to the notifier, whose pacer every worker shares (the alert worker's); button tokens
    go to the state store the web process reads them from."""
    if bot is None:
        bot = create_bot(settings, SendLimiter.from_settings(settings), retries=0)
    return TelegramOutput(bot, ButtonCodes(store or open_state_store(settings)), chats)


def setup(app: web.Application, wiring: Wiring) -> None:
    """Serve Telegram in ``app`` when the process has its bot (``ISPBOT_TELEGRAM_TOKEN``): the
    sender the notifier has answers the updates too."""
    session = wiring.telegram
    if session is None:
        return
    settings = wiring.settings
    output = wiring.senders[CHANNEL]
    assert isinstance(output, TelegramOutput)
    dispatcher = session.dispatcher
    dispatcher["engine"] = wiring.engine
    dispatcher["output"] = output
    dispatcher["buttons"] = output.buttons
    once = OncePerUpdate(
        wiring.store, session.bot.id, settings.dedup_ttl_seconds, settings.delivery_lease_seconds
    )
    dispatcher.update.outer_middleware(once)
    dispatcher.include_router(create_router())
    channel = TelegramChannel(session.bot, dispatcher, output, session.limiter)
    app[TELEGRAM] = channel
    if settings.telegram_polling:
        app.cleanup_ctx.append(_polling)
    elif settings.telegram_webhook_secret is not None:
        secret = settings.telegram_webhook_secret.get_secret_value()
        gate = TurnsInFlight(settings.telegram_max_turns_in_flight)
        app.middlewares.insert(0, shed_load(gate, secret))
        direct = DirectUpdates(session.bot, dispatcher, once, wiring.engine, output)
        app.router.add_post(PATH, webhook_handler(channel.bot, direct.feed, secret, gate))
    else:
        log.warning("telegram: no ISPBOT_TELEGRAM_WEBHOOK_SECRET, so no webhook is served")


async def _polling(app: web.Application) -> AsyncIterator[None]:
    channel = app[TELEGRAM]
    # getUpdates is refused while a webhook is set.
    await channel.bot.delete_webhook(drop_pending_updates=False)
    task = asyncio.create_task(
        channel.dispatcher.start_polling(
            channel.bot,
            handle_signals=False,
            close_bot_session=False,
            allowed_updates=ALLOWED_UPDATES,
        )
    )
    yield
    if not task.done():
        with contextlib.suppress(RuntimeError):  # it never got as far as running
            await channel.dispatcher.stop_polling()
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
