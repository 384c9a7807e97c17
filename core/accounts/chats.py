"""The chats' reach: whether we may write to a chat, and which line it answers for.

Written by the channels as the platforms tell them (a Telegram user blocked the bot, a carrier
holds an SMS STOP) and by what a person asks (STOP and START): each a write of its own, so no
channel touches the chat table.
"""

from __future__ import annotations

from core.accounts.models import ChatIdentity
from core.ports import Clock


class Chats:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def mark_unreachable(self, channel: str, external_id: str) -> None:
        """The platform refused us (the user blocked the bot): alerts go to other chats."""
        await ChatIdentity.filter(
            channel=channel, external_id=external_id, unreachable=False
        ).update(unreachable=True)

    async def mark_reachable(self, channel: str, external_id: str) -> None:
        """The user wrote to us (or restarted the bot): sends work again."""
        await ChatIdentity.filter(
            channel=channel, external_id=external_id, unreachable=True
        ).update(unreachable=False)

    async def set_opted_out(self, channel: str, external_id: str, opted_out: bool) -> None:
        """STOP (or a carrier's STOP we never saw) and START. Kept apart from reachability:
        only the person, never a delivery failure, may undo it."""
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            opted_out=opted_out
        )

    async def link(self, channel: str, external_id: str, subscriber_id: int) -> None:
        """Answer for the line without a password: for a number that is the line's registered
        mobile (SMS keywords), so alerts may reach it there."""
        await ChatIdentity.filter(channel=channel, external_id=external_id).update(
            subscriber_id=subscriber_id
        )

    async def link_by_operator(self, channel: str, external_id: str, subscriber_id: int) -> None:
        """Log the chat in as the subscriber, as if it had (a number the ISP knows)."""
        chat, _ = await ChatIdentity.get_or_create(channel=channel, external_id=external_id)
        await ChatIdentity.filter(id=chat.id).update(
            subscriber_id=subscriber_id, logged_in_at=self.clock.now()
        )

    async def unlink(self, subscriber_id: int, channel: str, external_id: str) -> bool:
        """Log the chat out of the subscriber; False when it was not theirs."""
        moved = await ChatIdentity.filter(
            subscriber_id=subscriber_id, channel=channel, external_id=external_id
        ).update(subscriber_id=None, logged_in_at=None)
        return bool(moved)
