"""The Notifier port: a notice for a subscriber goes to the first of their channels that takes it.

A notice that answers something the subscriber did on a chat (an order paid from it, a ticket
or hand-off opened from it, that ticket's answers and rating question: the outbox message's
``channel`` and ``chat_external_id``) goes back to that chat first, while the channel can carry
it: Telegram always; WhatsApp inside its 24-hour window (``answer_window``); the web chat when
it is open in any serve process, or was seen lately and keeps the notice in its mailbox until it
comes back (bot/handlers/webchat/mail.py). Then, as for alerts, the subscriber's order
(``channel_order``): their preferred channel, then the channel of the chat they used last, then
the others (never used: Telegram → WhatsApp → the web chat), and SMS last: the fallback, not the
default; within a channel, the chat seen last first. A chat is skipped when the platform refused
us before (``unreachable``) or the person opted out; the next route is tried when a sender
returns False (blocked, outside WhatsApp's window with nothing else to send, a web chat away
too long) or raises. SMS can also go to the registered mobile when the subscriber never wrote
by SMS and did not opt out. Email goes to the subscriber's address while it is usable
(confirmed, notices on, never bounced: ``SubscriberView.email_usable``), after their chats.

Each channel gives a sender (``send(chat_id, replies) -> bool``, bot/handlers/channel.py); a
notice is rendered in the chat's language by the renderers of bot/dialogs/notices/. Sends
are paced per channel (see bot/pacing.py). When nothing takes the notice the outbox tries again
later, with backoff. Given ``offers``, a chat that took a notice with options can answer them
by typing (bot/dialogs/notice_offers.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.config import BotSettings
from bot.dialogs.contract import Reply
from bot.dialogs.notice_offers import NoticeOffers
from bot.dialogs.notices import render_notice
from bot.dialogs.state import StateStore
from bot.handlers.channel import ChannelSender
from bot.i18n import subscriber_translator
from bot.pacing import Pacer, RedisPacer, Unpaced, paced, retry_after
from core.accounts.queries import ChatView, SubscriberView, reach_of
from core.alerts.channels import ADDRESSED_BY, channel_order
from core.clock import SystemClock
from core.ports import ChatRef, Clock, Delivery, DeliveryFailed, FileStore

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

SMS = "sms"
EMAIL = "email"
# A 429 asking for a longer wait than this is not waited out in the send: the message goes
# back to the outbox, which tries again later on the same channels.
LONGEST_WAIT_IN_SEND = 10.0


class NotDelivered(DeliveryFailed):
    """Every channel was tried and at least one failed with an error (kept in the outbox's
    ``last_error``, the first that failed in its ``channel``; the message is tried again
    later)."""


class ChannelBusy(DeliveryFailed):
    """A platform asked us to wait longer than a send should: try the message again later."""


@dataclass(frozen=True, slots=True)
class Route:
    channel: str
    address: str
    language: str | None


class ChannelNotifier:
    def __init__(
        self,
        settings: BotSettings,
        senders: Iterable[ChannelSender],
        *,
        pacer: Pacer | None = None,
        files: FileStore | None = None,
        offers: NoticeOffers | None = None,
        failed: Callable[[str], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        # Told the channel of each failed send (the metrics count them per channel).
        self.failed = failed or (lambda _channel: None)
        self.senders = {sender.channel: sender for sender in senders}
        self.pacer = pacer or Unpaced()
        # Without a file store an answer's files are named, not sent.
        self.files = files
        self.offers = offers

    def routes(
        self, subscriber: SubscriberView, chats: list[ChatView], reply_to: ChatRef | None = None
    ) -> list[Route]:
        """Where a notice for ``subscriber`` may go, in the order to try (``chats``: theirs,
        the one used last first; ``reply_to``: the chat the notice answers, if any)."""
        usable = [c for c in chats if not (c.unreachable or c.opted_out)]
        by_channel: dict[str, list[Route]] = {}
        used: list[tuple[str, datetime | None]] = []
        for chat in usable:
            language = chat.language.value if chat.language else None
            by_channel.setdefault(chat.channel, []).append(
                Route(chat.channel, chat.external_id, language)
            )
            used.append((chat.channel, chat.last_seen_at))
        # Channels reached through the subscriber's record (SMS: the registered mobile), unless
        # that address opted out or is one of their chats already.
        refused = {(c.channel, c.external_id) for c in chats if c.opted_out}
        for channel, detail in ADDRESSED_BY.items():
            address = getattr(subscriber, detail, None)
            known = {r.address for r in by_channel.get(channel, [])}
            if address and (channel, address) not in refused and address not in known:
                by_channel.setdefault(channel, []).append(Route(channel, address, None))
                used.append((channel, None))
        if subscriber.email and subscriber.email_usable:
            by_channel.setdefault(EMAIL, []).append(Route(EMAIL, subscriber.email, None))
            used.append((EMAIL, None))
        order = channel_order(
            subscriber.preferred_channel, [u for u in used if u[0] in self.senders]
        )
        ordered = [route for channel in order for route in by_channel[channel]]
        answer = self._answer_route(reply_to, usable)
        if answer is None:
            return ordered
        return [answer, *(route for route in ordered if route != answer)]

    def _answer_route(self, reply_to: ChatRef | None, usable: list[ChatView]) -> Route | None:
        """The chat a notice answers, while its channel can carry an answer there; None when
        there is none, it is no longer the subscriber's, or its window has closed."""
        if reply_to is None or reply_to.channel not in self.senders:
            return None
        for chat in usable:
            if (chat.channel, chat.external_id) != (reply_to.channel, reply_to.external_id):
                continue
            window: timedelta | None = getattr(self.senders[chat.channel], "answer_window", None)
            if window is not None and (
                chat.last_seen_at is None or self.clock.now() - chat.last_seen_at >= window
            ):
                return None
            language = chat.language.value if chat.language else None
            return Route(chat.channel, chat.external_id, language)
        return None

    async def notify(
        self, subscriber_id: int, kind: str, params: dict[str, Any]
    ) -> Delivery | None:
        reach = await reach_of(subscriber_id)
        if reach is None:
            return None
        subscriber, chats = reach
        failures: list[tuple[str, str]] = []
        for route in self.routes(subscriber, chats, answered_chat(params)):
            language = route.language or subscriber.language.value
            t = subscriber_translator(language, subscriber, self.settings)
            # A channel whose messages are counted in parts (SMS) takes the shorter reason.
            short = bool(getattr(self.senders[route.channel], "short_notices", False))
            replies = await render_notice(t, kind, params, files=self.files, short_reason=short)
            if replies is None:
                return None
            if await self._send(route, replies, failures):
                # An email is not answered by typing: no chat state to keep its options in.
                if self.offers is not None and route.channel != EMAIL:
                    await self.offers.remember(route.channel, route.address, replies)
                return Delivery(route.channel, route.address)
        if failures:
            named = "; ".join(f"{channel}: {error}" for channel, error in failures)
            raise NotDelivered(named, failures[0][0])
        return None

    async def _send(
        self, route: Route, replies: list[Reply], failures: list[tuple[str, str]]
    ) -> bool:
        sender = self.senders[route.channel]
        try:
            # Once retried after the wait a 429 asked for, which the pace acquired again waits
            # out, for every process alike.
            taken = await paced(
                lambda: sender.send(route.address, replies),
                self.pacer,
                route.channel,
                retries=1,
                longest_wait=LONGEST_WAIT_IN_SEND,
                name="notice to",
            )
        except Exception as error:
            wait = retry_after(error)
            if wait is not None:
                await self.pacer.pause(route.channel, wait)
                raise ChannelBusy(
                    f"{route.channel} asked to wait {wait:g}s", route.channel
                ) from error
            log.warning("%s %s failed: %r; trying the next", route.channel, route.address, error)
            self.failed(route.channel)
            failures.append((route.channel, type(error).__name__))
            return False
        if not taken:
            log.info("%s %s did not take the notice; trying the next", route.channel, route.address)
        return taken


def answered_chat(params: dict[str, Any]) -> ChatRef | None:
    """The chat a notice answers, as its outbox message names it (orders, tickets, hand-offs)."""
    channel, external_id = params.get("channel"), params.get("chat_external_id")
    if isinstance(channel, str) and isinstance(external_id, str) and channel and external_id:
        return ChatRef(channel, external_id)
    return None


def channel_rates(settings: BotSettings) -> dict[str, float]:
    """Messages a second each channel may send, every process together."""
    return {
        "telegram": settings.telegram_messages_per_second,
        "whatsapp": settings.twilio_messages_per_second,
        "sms": settings.twilio_messages_per_second,
        "email": settings.email_messages_per_second,
    }


def build_notifier(
    settings: BotSettings,
    senders: Iterable[ChannelSender],
    *,
    clock: Clock,
    files: FileStore,
    store: StateStore,
    redis: Redis | None = None,
    failed: Callable[[str], None] | None = None,
) -> ChannelNotifier:
    """The notifier of a process that relays the outbox, the web app's or a worker's: sends
    paced by the buckets in Redis that every such process shares (a platform's limit is the
    bot's, not a process's), answers' files sent along, and a notice's options kept in the
    chat's state (``store``, the conversations') so they can be answered by typing."""
    pacer = (
        RedisPacer(redis, channel_rates(settings), prefix=settings.redis_prefix)
        if redis is not None
        else None
    )
    offers = NoticeOffers(store, clock, settings.flow_timeout_seconds)
    return ChannelNotifier(
        settings, senders, pacer=pacer, files=files, offers=offers, failed=failed, clock=clock
    )
