"""The Notifier port: a notice for a subscriber goes to the first of their channels that takes it.

Channels are tried in the subscriber's order: their preferred channel, then Telegram → WhatsApp
→ SMS (``channel_order``), then any other (the web chat); within a channel, the chat seen last
first. A chat is skipped when the platform refused us before (``unreachable``) or the person
opted out; the next channel is tried when a sender returns False (blocked, outside WhatsApp's
24-hour window, cannot be reached now) or raises. SMS can also go to the registered mobile
when the subscriber never wrote by SMS and did not opt out.

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
from core.alerts.channels import channel_order
from core.ports import Clock, Delivery, FileStore

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

SMS = "sms"
# A 429 asking for a longer wait than this is not waited out in the send: the message goes
# back to the outbox, which tries again later on the same channels.
LONGEST_WAIT_IN_SEND = 10.0


class NotDelivered(Exception):
    """Every channel was tried and at least one failed with an error (kept in the outbox's
    ``last_error``, the message is tried again later)."""


class ChannelBusy(Exception):
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
    ) -> None:
        self.settings = settings
        # Told the channel of each failed send (the metrics count them per channel).
        self.failed = failed or (lambda _channel: None)
        self.senders = {sender.channel: sender for sender in senders}
        self.pacer = pacer or Unpaced()
        # Without a file store an answer's files are named, not sent.
        self.files = files
        self.offers = offers

    def routes(self, subscriber: SubscriberView, chats: list[ChatView]) -> list[Route]:
        """Where a notice for ``subscriber`` may go, in the order to try (``chats``: theirs,
        the one used last first)."""
        usable = [c for c in chats if not (c.unreachable or c.opted_out)]
        by_channel: dict[str, list[Route]] = {}
        for chat in usable:
            language = chat.language.value if chat.language else None
            by_channel.setdefault(chat.channel, []).append(
                Route(chat.channel, chat.external_id, language)
            )
        refused_sms = {c.external_id for c in chats if c.channel == SMS and c.opted_out}
        known_sms = {r.address for r in by_channel.get(SMS, [])}
        if subscriber.mobile and subscriber.mobile not in refused_sms | known_sms:
            by_channel.setdefault(SMS, []).append(Route(SMS, subscriber.mobile, None))
        channels = [c for c in by_channel if c in self.senders]
        order = channel_order(subscriber.preferred_channel, channels)
        return [route for channel in order for route in by_channel[channel]]

    async def notify(
        self, subscriber_id: int, kind: str, params: dict[str, Any]
    ) -> Delivery | None:
        reach = await reach_of(subscriber_id)
        if reach is None:
            return None
        subscriber, chats = reach
        failures: list[str] = []
        for route in self.routes(subscriber, chats):
            language = route.language or subscriber.language.value
            t = subscriber_translator(language, subscriber, self.settings)
            replies = await render_notice(t, kind, params, files=self.files)
            if replies is None:
                return None
            if await self._send(route, replies, failures):
                if self.offers is not None:
                    await self.offers.remember(route.channel, route.address, replies)
                return Delivery(route.channel, route.address)
        if failures:
            raise NotDelivered("; ".join(failures))
        return None

    async def _send(self, route: Route, replies: list[Reply], failures: list[str]) -> bool:
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
                raise ChannelBusy(f"{route.channel} asked to wait {wait:g}s") from error
            log.warning("%s %s failed: %r; trying the next", route.channel, route.address, error)
            self.failed(route.channel)
            failures.append(f"{route.channel}: {type(error).__name__}")
            return False
        if not taken:
            log.info("%s %s did not take the notice; trying the next", route.channel, route.address)
        return taken


def channel_rates(settings: BotSettings) -> dict[str, float]:
    """Messages a second each channel may send, every process together."""
    return {
        "telegram": settings.telegram_messages_per_second,
        "whatsapp": settings.twilio_messages_per_second,
        "sms": settings.twilio_messages_per_second,
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
        settings, senders, pacer=pacer, files=files, offers=offers, failed=failed
    )
