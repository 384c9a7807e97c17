"""Support tickets: open, reply, answer, close, reopen, rate, triage.

Every write runs in one transaction. A subscriber only ever reaches their own tickets: any other
number answers ``ticket_not_found``, exactly as a number that does not exist, so nothing leaks.
Attachments are checked (count, size, declared type and the bytes' signature) before anything is
stored, and stored through the FileStore port before the transaction that records them.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.accounts.phones import normalise_phone
from core.accounts.queries import get_subscriber
from core.alerts import kinds
from core.errors import Conflict, InvalidInput, NotFound
from core.inbox.service import enqueue
from core.ports import Clock, FileStore
from core.tickets import queries
from core.tickets.enums import (
    SATISFACTION_SCORES,
    AuthorKind,
    Department,
    Priority,
    TicketKind,
    TicketStatus,
)
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.uploads import check_upload, media_type

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from core.config import Settings

SUBJECT_MAX_LENGTH = 200  # Ticket.subject's column
BODY_MAX_LENGTH = 10_000
MAX_ATTACHMENTS = 5
NAME_MAX_LENGTH = 120
NUMBER_ATTEMPTS = 20
LANGUAGES = ("fa", "id", "en")


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


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class _Stored:
    key: str
    filename: str
    content_type: str
    size: int


def _random_number() -> int:
    return 100_000 + secrets.randbelow(900_000)


def _text(value: str | None, *, field: str, max_length: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"{field}_required")
    if len(text) > max_length:
        raise InvalidInput(f"{field}_too_long", max_length=max_length, length=len(text))
    return text


def _enum(enum: type[Department] | type[Priority], value: Any, field: str):
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(
            f"{field}_invalid", value=str(value), allowed=[m.value for m in enum]
        ) from None


class Tickets:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        files: FileStore,
        *,
        numbers: Callable[[], int] = _random_number,
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
    ) -> Ticket:
        department = _enum(Department, department, "department")
        priority = _enum(Priority, priority, "priority")
        subject = _text(subject, field="subject", max_length=SUBJECT_MAX_LENGTH)
        body = _text(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        subscriber = await get_subscriber(subscriber_id)
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await self._create(
                conn,
                subscriber_id=subscriber.id,
                kind=kind,
                department=department,
                priority=priority,
                subject=subject,
                channel=channel,
                chat_external_id=chat_external_id,
                language=subscriber.language,
            )
            await self._add_message(
                conn, ticket, AuthorKind.SUBSCRIBER, _subscriber_name(subscriber), body, stored
            )
        return ticket

    async def open_lead(
        self,
        contact_name: str,
        contact_phone: str,
        address: str,
        plan_wanted: str | None,
        language: str,
        channel: str | None,
        chat_external_id: str | None,
    ) -> Ticket:
        """A registration request from someone who is not a subscriber yet: a Sales ticket whose
        number is the lead number the person is given."""
        if language not in LANGUAGES:
            raise InvalidInput("language_not_supported", language=language, allowed=list(LANGUAGES))
        name = _text(contact_name, field="contact_name", max_length=NAME_MAX_LENGTH)
        phone = _phone(contact_phone, language)
        address = _text(address, field="address", max_length=1000)
        plan = (plan_wanted or "").strip()
        if len(plan) > SUBJECT_MAX_LENGTH:
            raise InvalidInput(
                "plan_wanted_too_long", max_length=SUBJECT_MAX_LENGTH, length=len(plan)
            )
        lines = [f"Name: {name}", f"Phone: {phone}", f"Address: {address}"]
        if plan:
            lines.append(f"Plan wanted: {plan}")
        async with in_transaction() as conn:
            ticket = await self._create(
                conn,
                subscriber_id=None,
                kind=TicketKind.REGISTRATION,
                department=Department.SALES,
                priority=Priority.MEDIUM,
                subject=f"Registration: {name}"[:SUBJECT_MAX_LENGTH],
                channel=channel,
                chat_external_id=chat_external_id,
                language=language,
                contact_name=name,
                contact_phone=phone,
            )
            await self._add_message(conn, ticket, AuthorKind.SUBSCRIBER, name, "\n".join(lines), ())
        return ticket

    async def request_closure(
        self,
        subscriber_id: int,
        reason: str,
        channel: str | None = None,
        chat_external_id: str | None = None,
    ) -> Ticket:
        """Ask to close the line: a Billing ticket of kind CLOSURE. One open request at a time."""
        reason = _text(reason, field="reason", max_length=BODY_MAX_LENGTH)
        subscriber = await get_subscriber(subscriber_id)
        async with in_transaction() as conn:
            pending = (
                await Ticket.filter(subscriber_id=subscriber.id, kind=TicketKind.CLOSURE)
                .exclude(status=TicketStatus.CLOSED)
                .using_db(conn)
                .first()
            )
            if pending is not None:
                raise Conflict("closure_already_requested", ticket_number=pending.number)
            ticket = await self._create(
                conn,
                subscriber_id=subscriber.id,
                kind=TicketKind.CLOSURE,
                department=Department.BILLING,
                priority=Priority.MEDIUM,
                subject="Closure request",
                channel=channel,
                chat_external_id=chat_external_id,
                language=subscriber.language,
            )
            await self._add_message(
                conn, ticket, AuthorKind.SUBSCRIBER, _subscriber_name(subscriber), reason, ()
            )
        return ticket

    # -- the thread ----------------------------------------------------------------------------

    async def reply_as_subscriber(
        self,
        ticket_number: int,
        subscriber_id: int,
        body: str,
        attachments: Sequence[AttachmentIn] = (),
    ) -> TicketMessage:
        """Add to the thread; the ticket waits for an agent again (a closed one reopens)."""
        body = _text(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        await queries.ticket_of(ticket_number, subscriber_id)
        subscriber = await get_subscriber(subscriber_id)
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, subscriber_id, locked_in=conn)
            message = await self._add_message(
                conn, ticket, AuthorKind.SUBSCRIBER, _subscriber_name(subscriber), body, stored
            )
            await self._set_status(conn, ticket, TicketStatus.CUSTOMER_REPLY)
        return message

    async def answer_as_agent(
        self,
        ticket_number: int,
        agent_name: str,
        body: str,
        attachments: Sequence[AttachmentIn] = (),
        internal: bool = False,
    ) -> TicketMessage:
        """An agent's answer: the ticket becomes ANSWERED and the subscriber is told, through the
        outbox written in the same transaction. An internal note changes nothing the subscriber
        sees and tells no one."""
        agent_name = _text(agent_name, field="agent_name", max_length=NAME_MAX_LENGTH)
        body = _text(body, field="body", max_length=BODY_MAX_LENGTH)
        self._check_attachments(attachments)
        await queries.ticket_of(ticket_number, None)
        stored = await self._store(attachments)
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, None, locked_in=conn)
            message = await self._add_message(
                conn, ticket, AuthorKind.AGENT, agent_name, body, stored, internal=internal
            )
            if internal:
                return message
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
        return message

    # -- status --------------------------------------------------------------------------------

    async def close(self, ticket_number: int, by: Actor) -> Ticket:
        """Close (idempotent). When an agent closes, the subscriber is told and offered the
        satisfaction survey."""
        owner = by.subscriber_id if isinstance(by, BySubscriber) else None
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, owner, locked_in=conn)
            if ticket.status == TicketStatus.CLOSED:
                return ticket
            await self._set_status(conn, ticket, TicketStatus.CLOSED)
            if isinstance(by, ByAgent) and ticket.subscriber_id is not None:
                assert ticket.closed_at is not None
                await enqueue(
                    ticket.subscriber_id,
                    "ticket_closed",
                    _notice_params(ticket, agent_name=by.name),
                    f"ticket_closed:{ticket.id}:{ticket.closed_at.isoformat()}",
                    at=ticket.closed_at,
                    using_db=conn,
                )
        return ticket

    async def reopen(self, ticket_number: int, by: Actor) -> Ticket:
        """Reopen a closed ticket (idempotent: an open one stays as it is)."""
        owner = by.subscriber_id if isinstance(by, BySubscriber) else None
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, owner, locked_in=conn)
            if ticket.status == TicketStatus.CLOSED:
                await self._set_status(conn, ticket, TicketStatus.OPEN)
        return ticket

    async def rate(self, ticket_number: int, subscriber_id: int, score: int) -> Ticket:
        """The satisfaction survey: 1..5, once the ticket is closed, once per ticket (the same
        score again is accepted, so a double tap is harmless)."""
        scores = SATISFACTION_SCORES
        if isinstance(score, bool) or not isinstance(score, int) or score not in scores:
            raise InvalidInput("rating_out_of_range", score=score, min=scores[0], max=scores[-1])
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, subscriber_id, locked_in=conn)
            if ticket.status != TicketStatus.CLOSED:
                raise Conflict(
                    "ticket_not_closed", ticket_number=ticket.number, status=ticket.status.value
                )
            if ticket.satisfaction is not None:
                if ticket.satisfaction == score:
                    return ticket
                raise Conflict(
                    "ticket_already_rated", ticket_number=ticket.number, score=ticket.satisfaction
                )
            ticket.satisfaction = score
            await Ticket.filter(id=ticket.id).using_db(conn).update(satisfaction=score)
        return ticket

    async def set_priority(self, ticket_number: int, priority: Priority | str) -> Ticket:
        value = _enum(Priority, priority, "priority")
        return await self._set_field(ticket_number, priority=value)

    async def set_department(self, ticket_number: int, department: Department | str) -> Ticket:
        value = _enum(Department, department, "department")
        return await self._set_field(ticket_number, department=value)

    async def assign(self, ticket_number: int, agent_name: str | None) -> Ticket:
        """Give the ticket to an agent (None: back to the department's queue)."""
        name = None
        if agent_name is not None:
            name = _text(agent_name, field="agent_name", max_length=NAME_MAX_LENGTH)
        return await self._set_field(ticket_number, assigned_to=name)

    # -- files ---------------------------------------------------------------------------------

    async def open_attachment(
        self, ticket_number: int, subscriber_id: int | None, attachment_id: int
    ) -> AttachmentFile:
        """An attachment's bytes. ``subscriber_id`` None is the staff's view; a subscriber never
        reaches another's ticket nor an internal note's file."""
        ticket = await queries.ticket_of(ticket_number, subscriber_id)
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
            check_upload(self.settings, filename, content_type, data)

    async def _store(self, attachments: Iterable[AttachmentIn]) -> list[_Stored]:
        stored = []
        for filename, content_type, data in attachments:
            kind = media_type(content_type)
            name = (filename or "attachment").strip()[-255:] or "attachment"
            key = await self.files.put(data, kind, name)
            stored.append(_Stored(key, name, kind, len(data)))
        return stored

    async def _create(self, conn: BaseDBAsyncClient, **values) -> Ticket:
        now = self.clock.now()
        for _ in range(NUMBER_ATTEMPTS):
            number = self._numbers()
            try:
                # A savepoint: a taken number rolls back only this insert, not the transaction.
                async with conn._in_transaction() as savepoint:
                    return await Ticket.create(
                        number=number,
                        created_at=now,
                        updated_at=now,
                        using_db=savepoint,
                        **values,
                    )
            except IntegrityError:
                if not await Ticket.filter(number=number).using_db(conn).exists():
                    raise
        raise Conflict("ticket_number_unavailable", attempts=NUMBER_ATTEMPTS)

    async def _add_message(
        self,
        conn: BaseDBAsyncClient,
        ticket: Ticket,
        author_kind: AuthorKind,
        author_name: str,
        body: str,
        stored: Iterable[_Stored],
        *,
        internal: bool = False,
    ) -> TicketMessage:
        message = await TicketMessage.create(
            ticket_id=ticket.id,
            author_kind=author_kind,
            author_name=author_name[:NAME_MAX_LENGTH],
            body=body,
            internal=internal,
            created_at=self.clock.now(),
            using_db=conn,
        )
        for item in stored:
            await TicketAttachment.create(
                message_id=message.id,
                file_key=item.key,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                using_db=conn,
            )
        return message

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

    async def _set_field(self, ticket_number: int, **values) -> Ticket:
        async with in_transaction() as conn:
            ticket = await queries.ticket_of(ticket_number, None, locked_in=conn)
            now = self.clock.now()
            await Ticket.filter(id=ticket.id).using_db(conn).update(updated_at=now, **values)
            for name, value in values.items():
                setattr(ticket, name, value)
            ticket.updated_at = now
        return ticket


def _subscriber_name(subscriber: Subscriber) -> str:
    return subscriber.full_name or subscriber.username


def _phone(value: str | None, language: str) -> str:
    """The lead's number in E.164; a national form is read as the language's country's."""
    country = {"fa": "IR", "id": "ID"}.get(language)
    phone = normalise_phone(value or "", country)
    if phone is None:
        raise InvalidInput("contact_phone_invalid")
    return phone


def _notice_params(ticket: Ticket, **extra) -> dict:
    return {
        "ticket_number": ticket.number,
        "subject": ticket.subject,
        "kind": ticket.kind.value,
        "channel": ticket.channel,
        "chat_external_id": ticket.chat_external_id,
        **extra,
    }
