"""Reads for the ticket screens: the list, one ticket, one thread, the files of a message. A
subscriber sees only their own. What leaves here is plain data (frozen dataclasses), never a row:
the services of core/tickets hand out the same read models after a write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from core.errors import NotFound
from core.ports import FileStore
from core.tickets.enums import AuthorKind, Department, Priority, TicketKind, TicketStatus
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.tickets.records import ticket_row


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
    # The plan's code of the service the ticket is about, or None.
    related_service: str | None


@dataclass(frozen=True, slots=True)
class TicketView:
    """One ticket, as a service hands it out after a write or a lookup."""

    id: int
    number: int
    subscriber_id: int | None
    kind: TicketKind
    department: Department
    priority: Priority
    status: TicketStatus
    subject: str
    related_service: str | None
    # A lead's contact (no subscriber yet).
    contact_name: str | None
    contact_phone: str | None
    # The chat the ticket was opened from, where its answers go.
    channel: str | None
    chat_external_id: str | None
    language: str
    assigned_to: str | None
    satisfaction: int | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # Opened from the connection check: what it found (core/support/connection.py's record),
    # and the outage open then.
    diagnosis: dict[str, Any] | None = None
    outage_id: int | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> TicketView:
        return cls(
            id=ticket.id,
            number=ticket.number,
            subscriber_id=ticket.subscriber_id,
            kind=ticket.kind,
            department=ticket.department,
            priority=ticket.priority,
            status=ticket.status,
            subject=ticket.subject,
            related_service=ticket.related_service,
            contact_name=ticket.contact_name,
            contact_phone=ticket.contact_phone,
            channel=ticket.channel,
            chat_external_id=ticket.chat_external_id,
            language=ticket.language,
            assigned_to=ticket.assigned_to,
            satisfaction=ticket.satisfaction,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            closed_at=ticket.closed_at,
            diagnosis=ticket.diagnosis,
            outage_id=ticket.outage_id,
        )


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    filename: str
    content_type: str
    data: bytes


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
    # Written in the staff console by this member (None: elsewhere).
    staff_member_id: int | None = None

    @classmethod
    def of(cls, message: TicketMessage, files: Sequence[TicketAttachment]) -> ThreadMessage:
        return cls(
            staff_member_id=message.staff_member_id,
            id=message.id,
            author_kind=message.author_kind,
            author_name=message.author_name,
            body=message.body,
            created_at=message.created_at,
            internal=message.internal,
            attachments=tuple(
                AttachmentInfo(f.id, f.filename, f.content_type, f.size) for f in files
            ),
        )


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
    related_service: str | None
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
        related_service=ticket.related_service,
    )


async def list_tickets(subscriber_id: int, limit: int | None = None) -> list[TicketRow]:
    """The subscriber's tickets, most recently active first."""
    query = Ticket.filter(subscriber_id=subscriber_id).order_by("-updated_at", "-id")
    if limit is not None:
        query = query.limit(limit)
    return [_row(ticket) for ticket in await query]


async def ticket(ticket_number: int, subscriber_id: int | None) -> TicketView:
    """The ticket with this number; ``subscriber_id`` None is the staff's view (any ticket), else
    another subscriber's ticket is ``ticket_not_found`` exactly like a missing one."""
    return TicketView.of(await ticket_row(ticket_number, subscriber_id))


@dataclass(frozen=True, slots=True)
class StaffTicket:
    """A ticket in the staff's lists: the ticket, and whose line it is (None for a lead)."""

    ticket: TicketView
    username: str | None

    @classmethod
    def of(cls, row: Ticket) -> StaffTicket:
        return cls(TicketView.of(row), row.subscriber.username if row.subscriber else None)


async def staff_tickets(
    limit: int, offset: int = 0, *, status: TicketStatus | None = None
) -> list[StaffTicket]:
    """Every ticket (leads' too), in the order they were opened."""
    rows = Ticket.all().select_related("subscriber")
    if status is not None:
        rows = rows.filter(status=status)
    return [StaffTicket.of(row) for row in await rows.offset(offset).limit(limit)]


async def staff_ticket(ticket_number: int) -> StaffTicket:
    row = await Ticket.get_or_none(number=ticket_number).select_related("subscriber")
    if row is None:
        raise NotFound("ticket_not_found", ticket_number=ticket_number)
    return StaffTicket.of(row)


async def open_ticket_in_chat(
    subscriber_id: int, channel: str, chat_external_id: str
) -> TicketView | None:
    """The subscriber's latest ticket opened from this chat that is not closed yet, if any."""
    row = (
        await Ticket.filter(
            subscriber_id=subscriber_id, channel=channel, chat_external_id=chat_external_id
        )
        .exclude(status=TicketStatus.CLOSED)
        .order_by("-created_at", "-id")
        .first()
    )
    return TicketView.of(row) if row is not None else None


async def thread(
    ticket_number: int, subscriber_id: int | None, include_internal: bool = False
) -> TicketThread:
    """One ticket and its messages, oldest first. ``subscriber_id`` None is the staff's view
    (any ticket); a subscriber never sees internal notes, whatever ``include_internal`` says."""
    if subscriber_id is not None:
        include_internal = False
    found = await ticket_row(ticket_number, subscriber_id)
    messages_query = TicketMessage.filter(ticket_id=found.id).order_by("created_at", "id")
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
        number=found.number,
        subject=found.subject,
        kind=found.kind,
        department=found.department,
        priority=found.priority,
        status=found.status,
        created_at=found.created_at,
        updated_at=found.updated_at,
        closed_at=found.closed_at,
        satisfaction=found.satisfaction,
        assigned_to=found.assigned_to,
        related_service=found.related_service,
        messages=tuple(
            ThreadMessage(
                id=m.id,
                author_kind=m.author_kind,
                author_name=m.author_name,
                body=m.body,
                created_at=m.created_at,
                internal=m.internal,
                attachments=tuple(files.get(m.id, ())),
                staff_member_id=m.staff_member_id,
            )
            for m in messages
        ),
    )


async def attachment_files(
    files: FileStore, ticket_number: int, attachment_ids: Sequence[int]
) -> list[AttachmentFile]:
    """The bytes of these attachments of the ticket's thread as the subscriber sees it (an
    internal note's files are not among them), in the order they were added."""
    rows = await TicketAttachment.filter(
        id__in=list(attachment_ids),
        message__ticket__number=ticket_number,
        message__internal=False,
    ).order_by("id")
    return [AttachmentFile(r.filename, r.content_type, await files.get(r.file_key)) for r in rows]
