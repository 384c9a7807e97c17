"""A line's status and its history: every change recorded with its reason and date, in the
transaction that makes it."""

from __future__ import annotations

from datetime import datetime

from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.models import LineStatusChange, Subscriber
from core.accounts.queries import get_subscriber
from core.errors import InvalidInput
from core.ports import Clock

# What a change's reason may say (the history keeps this much).
MAX_REASON_LENGTH = 200


class LineStatuses:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def set_line_status(self, subscriber_id: int, status: str, reason: str = "") -> bool:
        """Change the line's status and record it in the history, in one transaction.
        Returns False (and records nothing) when the line already had that status.
        Errors: ``unknown_line_status``, ``reason_too_long`` (``max_length``)."""
        try:
            new_status = LineStatus(status)
        except ValueError:
            raise InvalidInput("unknown_line_status", status=status, field="status") from None
        if len(reason) > MAX_REASON_LENGTH:
            raise InvalidInput("reason_too_long", field="reason", max_length=MAX_REASON_LENGTH)
        await get_subscriber(subscriber_id)
        async with in_transaction():
            return await change_line_status(subscriber_id, new_status, reason, self.clock.now())


async def change_line_status(
    subscriber_id: int,
    status: LineStatus,
    reason: str,
    now: datetime,
    *,
    only_from: LineStatus | None = None,
) -> bool:
    """Set the line's status and record the change in its history; False (nothing recorded)
    when it already had that status, or, with ``only_from``, when it was not in that one.
    For the core's services, inside their transaction."""
    query = Subscriber.filter(id=subscriber_id)
    if only_from is not None:
        query = query.filter(line_status=only_from)
    changed = await query.exclude(line_status=status).update(line_status=status)
    if changed:
        await LineStatusChange.create(
            subscriber_id=subscriber_id,
            status=status,
            reason=reason[:MAX_REASON_LENGTH],
            changed_at=now,
        )
    return bool(changed)
