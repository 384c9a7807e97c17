"""Support tickets: open, reply, answer, close, reopen, rate, triage.

Every write runs in one transaction and hands out read models (core/tickets/queries.py). A
subscriber only ever reaches their own tickets: any other number answers ``ticket_not_found``,
exactly as a number that does not exist, so nothing leaks. Attachments are checked (count,
size, declared type and the bytes' signature) before anything is stored, and stored through the
FileStore port before the transaction that records them. Leads and closure requests are tickets
too, opened by their own services (leads.py, closures.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.transactions import in_transaction

from core.accounts.queries import get_subscriber
from core.alerts import kinds
from core.billing.models import Subscription
from core.errors import Conflict, InvalidInput, NotFound
from core.inbox.service import enqueue
from core.ports import Clock, FileStore
from core.tickets.enums import (
    SATISFACTION_SCORES,
    AuthorKind,
    Department,
    Priority,
    TicketKind,
    TicketStatus,
)
from core.tickets.limits import (
    BODY_MAX_LENGTH,
    MAX_ATTACHMENTS,
    NAME_MAX_LENGTH,
    SUBJECT_MAX_LENGTH,
)
from core.tickets.models import Ticket, TicketAttachment
from core.tickets.queries import AttachmentFile, ThreadMessage, TicketView
from core.tickets.records import (
    StoredFile,
    add_message,
    create_ticket,
    enum_field,
    random_number,
    subscriber_name,
    text_field,
    ticket_row,
)
from core.uploads import check_upload, media_type

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from core.config import Settings


# (filename, content_type, bytes), as a channel hands it over.
AttachmentIn = tuple[str, str, bytes]


@dataclass(frozen=True, slots=True)
class BySubscriber:
    """The subscriber acts on their own ticket (checked)."""

    subscriber_id: int


@dataclass(frozen=True, slots=True)
class ByAgent:
    """A support agent acts on any ticket."""

    name: str


Actor = BySubscriber | ByAgent


class Tickets:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        files: FileStore,
        *,
        numbers: Callable[[], int] = random_number,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.files = files
        self._numbers = numbers

    # -- opening --------------------------------------------------------------------------------

    async def open_ticket(
        self,
        subscriber_id: int,
        department: Department | str,
        priority: Priority | str,
        subject: str,
        body: str,
        attachments: Sequence[AttachmentIn] = (),
        channel: str | None = None,
        chat_external_id: str | None = None,
        kind: TicketKind = TicketKind.SUPPORT,
        related_service: str | None = None,
        diagnosis: dict[str, Any] | None = None,
        outage_id: int | None = None,
    ) -> TicketView:
        """``related_service``: the code of a plan the subscriber has had a service of (the
        one the ticket is about), or None. ``diagnosis`` and ``outage_id``: what the
        connection check found, for a ticket it opens (core/support/connection.py). Codes:
        those of the fields, and ``unknown_related_service``."""
        department = enum_field(Department, department, "department")
        priority = enum_field(Priority, priority, "priority")
        subject = text_field(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
        body = text_field(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        subscriber = await get_subscriber(subscriber_id)
        if (
            related_service is not None
            and not await Subscription.filter(
                subscriber_id=subscriber_id, plan__code=related_service
            ).exists()
        ):
            raise InvalidInput(
                "unknown_related_service", field="related_service", service=related_service
            )
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await create_ticket(
                conn,
                self.clock,
                self._numbers,
                subscriber_id=subscriber.id,
                kind=kind,
                department=department,
                priority=priority,
                subject=subject,
                related_service=related_service,
                channel=channel,
                chat_external_id=chat_external_id,
                language=subscriber.language,
                diagnosis=diagnosis,
                outage_id=outage_id,
            )
            await add_message(
                conn,
                self.clock,
                ticket,
                AuthorKind.SUBSCRIBER,
                subscriber_name(subscriber),
                body,
                stored,
            )
        return TicketView.of(ticket)

    # -- the thread ----------------------------------------------------------------------------

    async def reply_as_subscriber(
        self,
        ticket_number: int,
        subscriber_id: int,
        body: str,
        attachments: Sequence[AttachmentIn] = (),
    ) -> ThreadMessage:
        """Add to the thread; the ticket waits for an agent again (a closed one reopens)."""
        body = text_field(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        await ticket_row(ticket_number, subscriber_id)
        subscriber = await get_subscriber(subscriber_id)
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, subscriber_id, locked_in=conn)
            message, files = await add_message(
                conn,
                self.clock,
                ticket,
                AuthorKind.SUBSCRIBER,
                subscriber_name(subscriber),
                body,
                stored,
            )
            await self._set_status(conn, ticket, TicketStatus.CUSTOMER_REPLY)
        return ThreadMessage.of(message, files)

    async def answer_as_agent(
        self,
        ticket_number: int,
        agent_name: str,
        body: str,
        attachments: Sequence[AttachmentIn] = (),
        internal: bool = False,
        staff_member_id: int | None = None,
    ) -> ThreadMessage:
        """An agent's answer: the ticket becomes ANSWERED and the subscriber is told, through the
        outbox written in the same transaction. An internal note changes nothing the subscriber
        sees and tells no one. ``staff_member_id``: written in the staff console by this member
        (the agents' group is shown it)."""
        agent_name = text_field(agent_name, field="agent_name", max_length=NAME_MAX_LENGTH)
        body = text_field(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        await ticket_row(ticket_number, None)
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, None, locked_in=conn)
            message, files = await add_message(
                conn,
                self.clock,
                ticket,
                AuthorKind.AGENT,
                agent_name,
                body,
                stored,
                internal=internal,
                staff_member_id=staff_member_id,
            )
            if internal:
                return ThreadMessage.of(message, files)
            await self._set_status(conn, ticket, TicketStatus.ANSWERED)
            if ticket.subscriber_id is not None:
                await enqueue(
                    ticket.subscriber_id,
                    kinds.TICKET_ANSWERED,
                    _notice_params(ticket, message_id=message.id, agent_name=agent_name),
                    f"{kinds.TICKET_ANSWERED}:{message.id}",
                    at=message.created_at,
                    using_db=conn,
                )
        return ThreadMessage.of(message, files)

    # -- status --------------------------------------------------------------------------------

    async def close(self, ticket_number: int, by: Actor) -> TicketView:
        """Close (idempotent). When an agent closes, the subscriber is told and offered the
        satisfaction survey."""
        owner = by.subscriber_id if isinstance(by, BySubscriber) else None
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, owner, locked_in=conn)
            if ticket.status == TicketStatus.CLOSED:
                return TicketView.of(ticket)
            await self._set_status(conn, ticket, TicketStatus.CLOSED)
            if isinstance(by, ByAgent) and ticket.subscriber_id is not None:
                assert ticket.closed_at is not None
                await enqueue(
                    ticket.subscriber_id,
                    kinds.TICKET_CLOSED,
                    _notice_params(ticket, agent_name=by.name),
                    f"{kinds.TICKET_CLOSED}:{ticket.id}:{ticket.closed_at.isoformat()}",
                    at=ticket.closed_at,
                    using_db=conn,
                )
        return TicketView.of(ticket)

    async def reopen(self, ticket_number: int, by: Actor) -> TicketView:
        """Reopen a closed ticket (idempotent: an open one stays as it is)."""
        owner = by.subscriber_id if isinstance(by, BySubscriber) else None
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, owner, locked_in=conn)
            if ticket.status == TicketStatus.CLOSED:
                await self._set_status(conn, ticket, TicketStatus.OPEN)
        return TicketView.of(ticket)

    async def rate(self, ticket_number: int, subscriber_id: int, score: int) -> TicketView:
        """The satisfaction survey: 1..5, once the ticket is closed, once per ticket (the same
        score again is accepted, so a double tap is harmless)."""
        scores = SATISFACTION_SCORES
        if isinstance(score, bool) or not isinstance(score, int) or score not in scores:
            raise InvalidInput("rating_out_of_range", score=score, min=scores[0], max=scores[-1])
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, subscriber_id, locked_in=conn)
            if ticket.status != TicketStatus.CLOSED:
                raise Conflict(
                    "ticket_not_closed", ticket_number=ticket.number, status=ticket.status.value
                )
            if ticket.satisfaction is not None:
                if ticket.satisfaction == score:
                    return TicketView.of(ticket)
                raise Conflict(
                    "ticket_already_rated", ticket_number=ticket.number, score=ticket.satisfaction
                )
            ticket.satisfaction = score
            await Ticket.filter(id=ticket.id).using_db(conn).update(satisfaction=score)
        return TicketView.of(ticket)

    async def set_priority(self, ticket_number: int, priority: Priority | str) -> TicketView:
        value = enum_field(Priority, priority, "priority")
        return await self._set_field(ticket_number, priority=value)

    async def set_department(self, ticket_number: int, department: Department | str) -> TicketView:
        value = enum_field(Department, department, "department")
        return await self._set_field(ticket_number, department=value)

    async def assign(self, ticket_number: int, agent_name: str | None) -> TicketView:
        """Give the ticket to an agent (None: back to the department's queue)."""
        name = None
        if agent_name is not None:
            name = text_field(agent_name, field="agent_name", max_length=NAME_MAX_LENGTH)
        return await self._set_field(ticket_number, assigned_to=name)

    # -- files ---------------------------------------------------------------------------------

    async def open_attachment(
        self, ticket_number: int, subscriber_id: int | None, attachment_id: int
    ) -> AttachmentFile:
        """An attachment's bytes. ``subscriber_id`` None is the staff's view; a subscriber never
        reaches another's ticket nor an internal note's file."""
        ticket = await ticket_row(ticket_number, subscriber_id)
        query = TicketAttachment.filter(id=attachment_id, message__ticket_id=ticket.id)
        if subscriber_id is not None:
            query = query.filter(message__internal=False)
        row = await query.first()
        if row is None:
            raise NotFound(
                "attachment_not_found", ticket_number=ticket_number, attachment_id=attachment_id
            )
        return AttachmentFile(row.filename, row.content_type, await self.files.get(row.file_key))

    def check_attachments(self, attachments: Sequence[AttachmentIn]) -> None:
        """The checks that opening and replying make (count, size, type and signature), for a
        chat that collects files one by one before it sends them."""
        self._check_attachments(attachments)

    # -- helpers -------------------------------------------------------------------------------

    def _check_attachments(self, attachments: Sequence[AttachmentIn]) -> None:
        if len(attachments) > MAX_ATTACHMENTS:
            raise InvalidInput(
                "too_many_attachments", count=len(attachments), max_count=MAX_ATTACHMENTS
            )
        for filename, content_type, data in attachments:
            check_upload(self.settings, filename, content_type, data, voice_and_video=True)

    async def _store(self, attachments: Iterable[AttachmentIn]) -> list[StoredFile]:
        stored = []
        for filename, content_type, data in attachments:
            kind = media_type(content_type)
            name = (filename or "attachment").strip()[-255:] or "attachment"
            key = await self.files.put(data, kind, name)
            stored.append(StoredFile(key, name, kind, len(data)))
        return stored

    async def _set_status(
        self, conn: BaseDBAsyncClient, ticket: Ticket, status: TicketStatus
    ) -> None:
        now = self.clock.now()
        ticket.status = status
        ticket.updated_at = now
        ticket.closed_at = now if status == TicketStatus.CLOSED else None
        await (
            Ticket.filter(id=ticket.id)
            .using_db(conn)
            .update(status=status, updated_at=now, closed_at=ticket.closed_at)
        )

    async def _set_field(self, ticket_number: int, **values) -> TicketView:
        async with in_transaction() as conn:
            ticket = await ticket_row(ticket_number, None, locked_in=conn)
            now = self.clock.now()
            await Ticket.filter(id=ticket.id).using_db(conn).update(updated_at=now, **values)
            for name, value in values.items():
                setattr(ticket, name, value)
            ticket.updated_at = now
        return TicketView.of(ticket)


def _notice_params(ticket: Ticket, **extra) -> dict:
    return {
        "ticket_number": ticket.number,
        "subject": ticket.subject,
        "kind": ticket.kind.value,
        "channel": ticket.channel,
        "chat_external_id": ticket.chat_external_id,
        **extra,
    }
