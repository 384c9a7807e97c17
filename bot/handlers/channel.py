"""What every channel is to the rest of the bot.

Outbound, a ``ChannelSender``: the notifier (bot/notify.py) hands it a subscriber's notice as
replies. Inbound, each channel package turns its provider's payload into one ``Turn`` for the
engine and shows the outcome's replies; the app serves it through the package's ``setup``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from bot.dialogs.contract import Reply

if TYPE_CHECKING:
    from aiohttp import web

    from bot.wiring import Wiring


class ChannelSender(Protocol):
    channel: str

    async def send(self, chat_id: str, replies: Sequence[Reply]) -> bool:
        """Deliver to one chat; False when the chat cannot be reached now. A rate limit is
        raised as an error carrying ``retry_after`` (seconds) or a 429 ``status``."""
        ...


class Channel(Protocol):
    """A channel package's inbound side, the same for every channel the app serves (web chat,
    Telegram, the agents' group, WhatsApp, SMS): ``setup`` adds the package's routes (or
    polling) to ``app`` when the process has what it needs from the container (its sender, its
    client), and does nothing otherwise. The console is served by ``ispbot chat`` instead."""

    def setup(self, app: web.Application, wiring: Wiring) -> None: ...
