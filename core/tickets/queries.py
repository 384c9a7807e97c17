"""Reads for the ticket screens: the list and one thread. A subscriber sees only their own."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.backends.base.client import BaseDBAsyncClient

from core.errors import NotFound
from core.tickets.enums import AuthorKind, Department, Priority, TicketKind, TicketStatus
from core.tickets.models import Ticket, TicketAttachment, TicketMessage


@dataclass(frozen=True, slots=True)
class TicketRow:
    number: int
    created_at: datetime
    updated_at: datetime
    subject: str
    kind: TicketKind
    department: Department
    priority: Priority
    status: TicketStatus
    satisfaction: int | None


@dataclass(frozen=True, slots=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, slots=True)
class ThreadMessage:
    id: int
    author_kind: AuthorKind
    author_name: str
    body: str
    created_at: datetime
    internal: bool
    attachments: tuple[AttachmentInfo, ...]


@dataclass(frozen=True, slots=True)
class TicketThread:
    number: int
    subject: str
    kind: TicketKind
    department: Department
    priority: Priority
    status: TicketStatus
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    satisfaction: int | None
    assigned_to: str | None
    messages: tuple[ThreadMessage, ...]


def _row(ticket: Ticket) -> TicketRow:
    return TicketRow(
        number=ticket.number,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        subject=ticket.subject,
        kind=ticket.kind,
        department=ticket.department,
        priority=ticket.priority,
        status=ticket.status,
        satisfaction=ticket.satisfaction,
    )


async def list_tickets(subscriber_id: int, limit: int | None = None) -> list[TicketRow]:
    """The subscriber's tickets, most recently active first."""
    query = Ticket.filter(subscriber_id=subscriber_id).order_by("-updated_at", "-id")
    if limit is not None:
        query = query.limit(limit)
    return [_row(ticket) for ticket in await query]


async def ticket_of(
    ticket_number: int, subscriber_id: int | None, *, locked_in: BaseDBAsyncClient | None = None
) -> Ticket:
    """The ticket with this number; ``subscriber_id`` None is the staff's view (any ticket), else
    another subscriber's ticket is ``ticket_not_found`` exactly like a missing one. With
    ``locked_in`` (a transaction) the row is read FOR UPDATE there, which serialises writers on
    PostgreSQL (SQLite has one writer at a time anyway)."""
    query = Ticket.filter(number=ticket_number)
    if locked_in is not None:
        query = query.select_for_update().using_db(locked_in)
    if subscriber_id is not None:
        query = query.filter(subscriber_id=subscriber_id)
    ticket = await query.first()
    if ticket is None:
        raise NotFound("ticket_not_found", ticket_number=ticket_number)
    return ticket


async def thread(
    ticket_number: int, subscriber_id: int | None, include_internal: bool = False
) -> TicketThread:
    """One ticket and its messages, oldest first. ``subscriber_id`` None is the staff's view
    (any ticket); a subscriber never sees internal notes, whatever ``include_internal`` says."""
    if subscriber_id is not None:
        include_internal = False
    ticket = await ticket_of(ticket_number, subscriber_id)
    messages_query = TicketMessage.filter(ticket_id=ticket.id).order_by("created_at", "id")
    if not include_internal:
        messages_query = messages_query.filter(internal=False)
    messages = await messages_query
    files: dict[int, list[AttachmentInfo]] = {}
    if messages:
        rows = await TicketAttachment.filter(message_id__in=[m.id for m in messages]).order_by("id")
        for row in rows:
            info = AttachmentInfo(row.id, row.filename, row.content_type, row.size)
            files.setdefault(row.message_id, []).append(info)  # type: ignore[attr-defined]
    return TicketThread(
        number=ticket.number,
        subject=ticket.subject,
        kind=ticket.kind,
        department=ticket.department,
        priority=ticket.priority,
        status=ticket.status,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        closed_at=ticket.closed_at,
        satisfaction=ticket.satisfaction,
        assigned_to=ticket.assigned_to,
        messages=tuple(
            ThreadMessage(
                id=m.id,
                author_kind=m.author_kind,
                author_name=m.author_name,
                body=m.body,
                created_at=m.created_at,
                internal=m.internal,
                attachments=tuple(files.get(m.id, ())),
            )
            for m in messages
        ),
    )
