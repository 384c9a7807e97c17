"""Admin API: the outbox, the notices the bot wrote for subscribers and what became of each
(waiting, sent, or expired: too old to send when the relay got to it)."""

from __future__ import annotations

from bot.admin.api.context import ApiContext
from bot.admin.api.schemas import OutboxList, OutboxOut, OutboxQuery
from bot.admin.api.spec import Operation
from core.inbox.queries import OutboxRow, outbox_page


def outbox_out(row: OutboxRow) -> OutboxOut:
    return OutboxOut(
        id=row.id,
        subscriber_id=row.subscriber_id,
        kind=row.kind,
        state=row.state,
        created_at=row.created_at,
        sent_at=row.sent_at,
        expired_at=row.expired_at,
        attempts=row.attempts,
        last_error=row.last_error,
    )


async def list_outbox(api: ApiContext, query: OutboxQuery) -> OutboxList:
    rows = await outbox_page(
        query.state,
        query.kind,
        query.subscriber_id,
        limit=query.limit,
        offset=query.offset,
    )
    return OutboxList(items=[outbox_out(row) for row in rows])


OPERATIONS = [
    Operation(
        "GET",
        "/outbox",
        list_outbox,
        "List the notices written for subscribers, newest first, and what became of each",
        "outbox",
        OutboxList,
        query=OutboxQuery,
        errors=(),
    ),
]
