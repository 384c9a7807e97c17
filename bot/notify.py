"""The Notifier port: a notice for a subscriber goes to the chat they used last that can take it.

Each channel gives a sender (``send(chat_id, replies) -> bool``); a notice is rendered in the
chat's language by the renderers of bot/dialogs/notices.py. When no chat can take it now the
notifier answers None and the outbox tries again later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from bot.config import BotSettings
from bot.dialogs.contract import Reply
from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.accounts.models import ChatIdentity, Subscriber
from core.ports import Delivery

log = logging.getLogger(__name__)


class ChannelSender(Protocol):
    channel: str

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """Deliver to one chat; False when the chat cannot be reached now."""
        ...


class ChannelNotifier:
    def __init__(self, settings: BotSettings, senders: Iterable[ChannelSender]) -> None:
        self.settings = settings
        self.senders = {sender.channel: sender for sender in senders}

    async def notify(
        self, subscriber_id: int, kind: str, params: dict[str, Any]
    ) -> Delivery | None:
        subscriber = await Subscriber.get_or_none(id=subscriber_id)
        if subscriber is None:
            return None
        chats = await ChatIdentity.filter(subscriber_id=subscriber_id, unreachable=False).order_by(
            "-last_seen_at", "-id"
        )
        for chat in chats:
            sender = self.senders.get(chat.channel)
            if sender is None:
                continue
            language = chat.language or subscriber.language
            t = translator(
                getattr(language, "value", language),
                zone=subscriber.timezone or self.settings.timezone,
                money_in_toman=self.settings.money_in_toman,
            )
            replies = await render_notice(t, kind, params)
            if replies is None:
                return None
            if await sender.send(chat.external_id, replies):
                return Delivery(chat.channel, chat.external_id)
        return None
