"""The ticket rows' shared writes, for the services of core/tickets (tickets, leads, closure
requests) inside their transactions: a ticket under a fresh number, a message with its files,
the row a writer locks. Nothing outside core/tickets reads these rows: they leave as read
models (core/tickets/queries.py)."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from tortoise.exceptions import IntegrityError

from core.errors import Conflict, InvalidInput, NotFound
from core.ports import Clock
from core.tickets.enums import AuthorKind
from core.tickets.limits import NAME_MAX_LENGTH
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.typed_text import without_direction_controls

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

    from core.accounts.models import Subscriber

NUMBER_ATTEMPTS = 20

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class StoredFile:
    """A file already in the FileStore, to be recorded as a message's attachment."""

    key: str
    filename: str
    content_type: str
    size: int


def random_number() -> int:
    return 100_000 + secrets.randbelow(900_000)


def text_field(value: str | None, *, field: str, max_length: int) -> str:
    text = without_direction_controls(value or "").strip()
    if not text:
        raise InvalidInput(f"{field}_required")
    if len(text) > max_length:
        raise InvalidInput(f"{field}_too_long", max_length=max_length, length=len(text))
    return text


def enum_field(enum: type[E], value: Any, field: str) -> E:
    try:
        return enum(value)
    except ValueError:
        raise InvalidInput(
            f"{field}_invalid", value=str(value), allowed=[m.value for m in enum]
        ) from None


def subscriber_name(subscriber: Subscriber) -> str:
    return subscriber.full_name or subscriber.username


async def ticket_row(
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


async def create_ticket(
    conn: BaseDBAsyncClient, clock: Clock, numbers: Callable[[], int], **values
) -> Ticket:
    """A new ticket under a number drawn until a free one comes (``ticket_number_unavailable``
    after NUMBER_ATTEMPTS taken ones)."""
    now = clock.now()
    for _ in range(NUMBER_ATTEMPTS):
        number = numbers()
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


async def add_message(
    conn: BaseDBAsyncClient,
    clock: Clock,
    ticket: Ticket,
    author_kind: AuthorKind,
    author_name: str,
    body: str,
    stored: Iterable[StoredFile],
    *,
    internal: bool = False,
    staff_member_id: int | None = None,
) -> tuple[TicketMessage, list[TicketAttachment]]:
    message = await TicketMessage.create(
        ticket_id=ticket.id,
        author_kind=author_kind,
        author_name=author_name[:NAME_MAX_LENGTH],
        body=body,
        internal=internal,
        staff_member_id=staff_member_id,
        created_at=clock.now(),
        using_db=conn,
    )
    attachments = []
    for item in stored:
        attachments.append(
            await TicketAttachment.create(
                message_id=message.id,
                file_key=item.key,
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                using_db=conn,
            )
        )
    return message, attachments
