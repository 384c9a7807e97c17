"""What staff change on a subscriber from the console, through the same core services the chat
and the admin API use, each change and its audit entry in one transaction: both or neither."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.accounts.chats import Chats
from core.accounts.line_status import LineStatuses
from core.accounts.models import ChatIdentity, Subscriber
from core.errors import NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import SUBSCRIBER, Actor

__all__ = ["SUBSCRIBER", "StaffActions"]


class StaffActions:
    def __init__(self, clock: Clock, line_statuses: LineStatuses, chats: Chats) -> None:
        self.clock = clock
        self.line_statuses = line_statuses
        self.chats = chats

    async def set_line_status(
        self, actor: Actor, subscriber_id: int, status: str, reason: str = ""
    ) -> bool:
        """LineStatuses.set_line_status, audited; False (nothing written) when the line
        already had that status. Errors: theirs, ``subscriber_not_found``."""
        async with in_transaction():
            before = await _locked_subscriber(subscriber_id)
            changed = await self.line_statuses.set_line_status(subscriber_id, status, reason)
            if changed:
                await audit.record(
                    actor,
                    "subscriber.line_status",
                    SUBSCRIBER,
                    subscriber_id,
                    self.clock.now(),
                    before={"line_status": str(before.line_status)},
                    after={"line_status": status, "reason": reason},
                )
        return changed

    async def unlink_chat(self, actor: Actor, subscriber_id: int, chat_id: int) -> None:
        """Chats.unlink of one of the subscriber's chats (by its id: the console need not show
        a phone number to name a WhatsApp chat), audited. Errors: ``subscriber_not_found``,
        ``chat_not_linked``."""
        async with in_transaction():
            await _locked_subscriber(subscriber_id)
            chat = await ChatIdentity.get_or_none(id=chat_id, subscriber_id=subscriber_id)
            if chat is None or not await self.chats.unlink(
                subscriber_id, chat.channel, chat.external_id
            ):
                raise NotFound("chat_not_linked", chat_id=chat_id)
            named = {"id": chat.id, "channel": chat.channel}
            await audit.record(
                actor,
                "subscriber.unlink_chat",
                SUBSCRIBER,
                subscriber_id,
                self.clock.now(),
                before={"chat": named, "linked": True},
                after={"chat": named, "linked": False},
            )


async def _locked_subscriber(subscriber_id: int) -> Subscriber:
    """The subscriber's row, held until the transaction ends (PostgreSQL), so what the audit
    calls "before" is what the change replaced."""
    row = await Subscriber.filter(id=subscriber_id).select_for_update().first()
    if row is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    return row
