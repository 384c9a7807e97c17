"""What staff do to tickets and documents from the console, through the same core services the
chat, the agents' group and the admin API use: the ticket's change, the note the agents' group
sees and the audit entry in one transaction, all or nothing.

Each triage change is kept in the ticket's thread as the agents' group keeps its commands (an
internal note, ``/priority high``, with its author), so the group, which is shown what the
console writes (bot/handlers/agents/sync.py), reads it in its topic.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise.transactions import in_transaction

from core.accounts.document_reviews import DocumentReviews
from core.accounts.enums import RejectReason
from core.accounts.queries import DocumentView
from core.errors import InvalidInput
from core.handoff.service import Handoff
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import StaffMember
from core.staff.roles import Permission, may
from core.tickets.enums import Department, Priority
from core.tickets.queries import ThreadMessage, TicketView, ticket
from core.tickets.records import enum_field, ticket_row
from core.tickets.service import ByAgent, Tickets

if TYPE_CHECKING:
    from tortoise.backends.base.client import BaseDBAsyncClient

TICKET = "ticket"


class StaffDesk:
    def __init__(
        self, clock: Clock, tickets: Tickets, handoff: Handoff, reviews: DocumentReviews
    ) -> None:
        self.clock = clock
        self.tickets = tickets
        self.handoff = handoff
        self.reviews = reviews

    # ---- tickets -------------------------------------------------------------------------

    async def answer(
        self, actor: Actor, ticket_number: int, body: str, *, internal: bool = False
    ) -> ThreadMessage:
        """The member's answer, signed with their name: the subscriber is told on the chat the
        ticket came from (``Tickets.answer_as_agent``'s notice). ``internal``: a note only staff
        read. Codes: ``body_required``, ``body_too_long``, ``ticket_not_found``."""
        author = await _author(actor)
        async with in_transaction() as conn:
            before = await _held(ticket_number, conn)
            message = await self.tickets.answer_as_agent(
                ticket_number, author, body, internal=internal, staff_member_id=actor.id
            )
            after = await ticket(ticket_number, None)
            await self._audit(
                actor,
                "ticket.note" if internal else "ticket.answer",
                before,
                {"status": str(before.status)},
                {"status": str(after.status), "message_id": message.id},
            )
        return message

    async def triage(
        self, actor: Actor, ticket_number: int, priority: str, department: str
    ) -> TicketView:
        """Set the priority and the department (either may stay as it is). Codes:
        ``priority_invalid``, ``department_invalid``, ``ticket_not_found``."""
        wanted_priority = enum_field(Priority, priority, "priority")
        wanted_department = enum_field(Department, department, "department")
        async with in_transaction() as conn:
            found = await _held(ticket_number, conn)
            changed = found
            commands = []
            if found.priority != wanted_priority:
                changed = await self.tickets.set_priority(ticket_number, wanted_priority)
                commands.append(f"/priority {wanted_priority.value}")
            if found.department != wanted_department:
                changed = await self.tickets.set_department(ticket_number, wanted_department)
                commands.append(f"/department {wanted_department.value}")
            if not commands:
                return found
            await self._note(actor, ticket_number, "\n".join(commands))
            await self._audit(
                actor,
                "ticket.triage",
                found,
                {"priority": found.priority.value, "department": found.department.value},
                {"priority": changed.priority.value, "department": changed.department.value},
            )
        return changed

    async def assign(self, actor: Actor, ticket_number: int, username: str) -> TicketView:
        """Give the ticket to a staff member who handles tickets (by username; empty: back to
        the department's queue). Codes: ``unknown_assignee``, ``ticket_not_found``."""
        name = username.strip() or None
        async with in_transaction() as conn:
            found = await _held(ticket_number, conn)
            if found.assigned_to == name:  # as it is (a group's agent's name, too)
                return found
            if name is not None:
                name = name.casefold()
                member = await StaffMember.get_or_none(username=name, active=True)
                if member is None or not may(member.role, Permission.HANDLE_TICKETS):
                    raise InvalidInput("unknown_assignee", field="assignee")
            changed = await self.tickets.assign(ticket_number, name)
            await self._note(actor, ticket_number, f"/assign {name or '-'}")
            await self._audit(
                actor,
                "ticket.assign",
                found,
                {"assigned_to": found.assigned_to},
                {"assigned_to": name},
            )
        return changed

    async def close(self, actor: Actor, ticket_number: int) -> TicketView:
        """Close the ticket as the agents' ``/close`` does: a live conversation on it ends and
        the subscriber is asked to rate the help. Closing a closed ticket changes nothing."""
        author = await _author(actor)
        async with in_transaction() as conn:
            found = await _held(ticket_number, conn)
            if found.status.value == "closed":
                return found
            await self._note(actor, ticket_number, "/close")
            await self.handoff.release(ticket_number, "closed")
            closed = await self.tickets.close(ticket_number, ByAgent(author))
            await self._audit(
                actor, "ticket.close", found, {"status": str(found.status)}, {"status": "closed"}
            )
        return closed

    # ---- documents -----------------------------------------------------------------------

    async def review_document(
        self,
        actor: Actor,
        document_id: int,
        approve: bool,
        reason: RejectReason | str | None = None,
        note: str | None = None,
    ) -> DocumentView:
        """The review service's verdict, the member named as the reviewer (its own rules and
        codes: ``DocumentReviews.review_document``)."""
        return await self.reviews.review_document(document_id, approve, reason, note, actor=actor)

    # ---- helpers -------------------------------------------------------------------------

    async def _note(self, actor: Actor, ticket_number: int, text: str) -> None:
        await self.tickets.answer_as_agent(
            ticket_number, await _author(actor), text, internal=True, staff_member_id=actor.id
        )

    async def _audit(
        self, actor: Actor, action: str, target: TicketView, before: dict, after: dict
    ) -> None:
        await audit.record(
            actor,
            action,
            TICKET,
            target.number,
            self.clock.now(),
            before=before,
            after=after,
        )


async def _held(ticket_number: int, conn: BaseDBAsyncClient) -> TicketView:
    """The ticket, its row held until the transaction ends (PostgreSQL): two members acting on
    it at once take turns, so "before" is what the change replaced and a ticket closed twice
    at once is closed (and noted) once."""
    return TicketView.of(await ticket_row(ticket_number, None, locked_in=conn))


async def _author(actor: Actor) -> str:
    """How the member signs: their full name, else their username."""
    if actor.id is None:
        return actor.name
    member = await StaffMember.get_or_none(id=actor.id)
    return (member.full_name or member.username) if member is not None else actor.name
