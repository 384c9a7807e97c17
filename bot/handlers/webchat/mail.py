"""The web chat as a channel of every process (the notifier's sender, in a serve or a worker).

A notice for a web chat goes to the chat's mailbox in the state store (bounded, with a TTL:
``ISPBOT_WEBCHAT_MAILBOX_*``) and the chat is called (bot/adapters/chat_bus.py): a serve
process holding a socket of the chat shows the mailbox at once. A chat open nowhere keeps the
notice when it was seen within ``ISPBOT_WEBCHAT_AWAY_SECONDS`` (a tab away on the payment page,
closed a moment ago) and shows it as soon as it is open again, before the menu; a chat away
longer says no, and the notifier tries the subscriber's next channel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from datetime import timedelta

from bot.adapters.chat_bus import ChatBus
from bot.config import BotSettings
from bot.dialogs.contract import Reply
from bot.dialogs.state import StateStore
from bot.handlers.files import FileLinks
from bot.handlers.webchat.frames import reply_frames
from core.accounts.queries import find_chat
from core.ports import Clock

log = logging.getLogger(__name__)

CHANNEL = "web"


def mailbox(chat_id: str) -> str:
    return f"{CHANNEL}:{chat_id}"


class WebChatSender:
    channel = CHANNEL

    def __init__(
        self,
        settings: BotSettings,
        clock: Clock,
        links: FileLinks,
        store: StateStore,
        bus: ChatBus,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.links = links
        self.store = store
        self.bus = bus
        self.away = timedelta(seconds=settings.webchat_away_seconds)

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """Leave the notice in the chat's mailbox and call the chat; False (nothing kept) when
        it is open nowhere and was last seen too long ago."""
        if not replies:
            return True
        if not await self._seen_lately(chat_id) and await self.bus.call(chat_id) == 0:
            return False
        frames = await reply_frames(self.links, replies)
        await self.store.add_mail(
            mailbox(chat_id),
            json.dumps(frames, ensure_ascii=False),
            limit=self.settings.webchat_mailbox_size,
            ttl_seconds=self.settings.webchat_mailbox_ttl_seconds,
        )
        # Called after the notice is in: a chat that opened meanwhile reads it now. The notice
        # is kept whatever the call does (the chat reads it when it comes back), so a failed
        # call must not send it on another channel as well.
        try:
            await self.bus.call(chat_id)
        except Exception as error:
            log.warning("web chat %s: the call after its mail failed: %r", chat_id, error)
        return True

    async def _seen_lately(self, chat_id: str) -> bool:
        chat = await find_chat(CHANNEL, chat_id)
        if chat is None or chat.last_seen_at is None:
            return False
        return self.clock.now() - chat.last_seen_at < self.away
