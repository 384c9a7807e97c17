"""Closure requests: a subscriber asks to close their line. The request is a Billing ticket of
kind CLOSURE, which the billing team settles (the account, the modem's return) before the line
is closed; one open request at a time."""

from __future__ import annotations

from collections.abc import Callable

from tortoise.transactions import in_transaction

from core.accounts.queries import get_subscriber
from core.errors import Conflict
from core.ports import Clock
from core.tickets.enums import AuthorKind, Department, Priority, TicketKind, TicketStatus
from core.tickets.limits import BODY_MAX_LENGTH
from core.tickets.models import Ticket
from core.tickets.queries import TicketView
from core.tickets.records import (
    add_message,
    create_ticket,
    random_number,
    subscriber_name,
    text_field,
)


async def pending_closure(subscriber_id: int) -> TicketView | None:
    """The subscriber's closure request not closed yet, if any."""
    row = await _pending(subscriber_id).first()
    return TicketView.of(row) if row is not None else None


def _pending(subscriber_id: int):
    return Ticket.filter(subscriber_id=subscriber_id, kind=TicketKind.CLOSURE).exclude(
        status=TicketStatus.CLOSED
    )


class Closures:
    def __init__(self, clock: Clock, *, numbers: Callable[[], int] = random_number) -> None:
        self.clock = clock
        self._numbers = numbers

    async def request_closure(
        self,
        subscriber_id: int,
        reason: str,
        channel: str | None = None,
        chat_external_id: str | None = None,
    ) -> TicketView:
        """Ask to close the line; ``closure_already_requested`` while a request is open."""
        reason = text_field(reason, field="reason", max_length=BODY_MAX_LENGTH)
        subscriber = await get_subscriber(subscriber_id)
        async with in_transaction() as conn:
            pending = await _pending(subscriber.id).using_db(conn).first()
            if pending is not None:
                raise Conflict("closure_already_requested", ticket_number=pending.number)
            ticket = await create_ticket(
                conn,
                self.clock,
                self._numbers,
                subscriber_id=subscriber.id,
                kind=TicketKind.CLOSURE,
                department=Department.BILLING,
                priority=Priority.MEDIUM,
                subject="Closure request",
                channel=channel,
                chat_external_id=chat_external_id,
                language=subscriber.language,
            )
            await add_message(
                conn,
                self.clock,
                ticket,
                AuthorKind.SUBSCRIBER,
                subscriber_name(subscriber),
                reason,
                (),
            )
        return TicketView.of(ticket)
