"""What an agent does to a ticket from the agents' group: answer, note, close, triage, and for
billing agents give the free charge or extend the service.

Each is one call here, so the desk's commands only translate. The free charge and the extension
are written with their note in the ticket's thread and the subscriber's notice in one
transaction; the note's words are the caller's (the desk's language), handed in as a function of
what was given.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from core.alerts import kinds
from core.billing.free_charges import FreeCharges
from core.billing.subscriptions import Subscriptions
from core.errors import DomainError
from core.handoff.service import FILE_ONLY_BODY, Handoff
from core.handoff.topics import TopicBook
from core.inbox.service import enqueue
from core.ports import Clock
from core.tickets.queries import TicketView
from core.tickets.service import AttachmentIn, ByAgent, Tickets


@dataclass(frozen=True, slots=True)
class FreeChargeGiven:
    days: int
    megabytes: int
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ServiceExtended:
    days: int
    ends_at: datetime


class DeskActions:
    def __init__(
        self,
        clock: Clock,
        tickets: Tickets,
        free_charges: FreeCharges,
        subscriptions: Subscriptions,
        handoff: Handoff,
        topics: TopicBook,
    ) -> None:
        self.clock = clock
        self.tickets = tickets
        self.free_charges = free_charges
        self.subscriptions = subscriptions
        self.handoff = handoff
        self.topics = topics

    async def answer(
        self,
        ticket_number: int,
        agent_name: str,
        text: str | None,
        files: Sequence[AttachmentIn] = (),
    ) -> None:
        """An answer: the agent holds the conversation, the subscriber is told (the outbox)."""
        await self.handoff.hold(ticket_number, agent_name)
        body = (text or "").strip() or FILE_ONLY_BODY
        await self.tickets.answer_as_agent(ticket_number, agent_name, body, files)

    async def note(self, ticket_number: int, agent_name: str, text: str) -> None:
        """Kept in the ticket's thread, never sent to the subscriber."""
        await self.tickets.answer_as_agent(ticket_number, agent_name, text, internal=True)

    async def close(self, ticket_number: int, agent_name: str, topic_id: int) -> None:
        """The live conversation ends, the ticket closes (the subscriber is asked for a score)
        and its topic is marked closed."""
        await self.handoff.release(ticket_number, "closed")
        await self.tickets.close(ticket_number, ByAgent(agent_name))
        await self.topics.closed(topic_id)

    async def end_live(self, ticket_number: int) -> bool:
        """``/done``: False when no live conversation was running."""
        return await self.handoff.release(ticket_number, "done")

    async def set_priority(self, ticket_number: int, priority: str) -> TicketView:
        return await self.tickets.set_priority(ticket_number, priority)

    async def set_department(self, ticket_number: int, department: str) -> TicketView:
        return await self.tickets.set_department(ticket_number, department)

    async def assign(self, ticket_number: int, agent_name: str) -> TicketView:
        return await self.tickets.assign(ticket_number, agent_name)

    async def give_free_charge(
        self, ticket: TicketView, agent_name: str, note: Callable[[FreeChargeGiven], str]
    ) -> FreeChargeGiven:
        subscriber_id = _subscriber_of(ticket)
        async with in_transaction():  # the grant, its note and the notice, or none of them
            grant = await self.free_charges.take(subscriber_id)
            given = FreeChargeGiven(grant.days, grant.megabytes, grant.expires_at)
            await self._given(
                ticket,
                agent_name,
                note(given),
                kinds.AGENT_FREE_CHARGE,
                {"days": grant.days, "megabytes": grant.megabytes, "until": grant.expires_at},
                f"{kinds.AGENT_FREE_CHARGE}:{grant.id}",
            )
        return given

    async def extend_service(
        self,
        ticket: TicketView,
        agent_name: str,
        days: int,
        note: Callable[[ServiceExtended], str],
    ) -> ServiceExtended:
        subscriber_id = _subscriber_of(ticket)
        async with in_transaction():  # the extension, its note and the notice, or none of them
            subscription = await self.subscriptions.extend_service(subscriber_id, days)
            extended = ServiceExtended(days, subscription.ends_at)
            await self._given(
                ticket,
                agent_name,
                note(extended),
                kinds.AGENT_EXTENSION,
                {"days": days, "ends_at": subscription.ends_at},
                # The end moves with each extension: one notice per extension.
                f"{kinds.AGENT_EXTENSION}:{subscription.id}:{subscription.ends_at.isoformat()}",
            )
        return extended

    async def _given(
        self,
        ticket: TicketView,
        agent_name: str,
        note: str,
        kind: str,
        params: dict[str, Any],
        dedup_key: str,
    ) -> None:
        """Noted in the thread, and the subscriber told in their language."""
        await self.tickets.answer_as_agent(ticket.number, agent_name, note, internal=True)
        values = {key: v.isoformat() if isinstance(v, datetime) else v for key, v in params.items()}
        values.update(ticket_number=ticket.number, agent_name=agent_name)
        if ticket.channel and ticket.chat_external_id:
            # Told first in the chat the ticket was opened from (bot/notify.py).
            values.update(channel=ticket.channel, chat_external_id=ticket.chat_external_id)
        await enqueue(_subscriber_of(ticket), kind, values, dedup_key, at=self.clock.now())


def _subscriber_of(ticket: TicketView) -> int:
    if ticket.subscriber_id is None:
        raise DomainError("ticket_without_subscriber", ticket_number=ticket.number)
    return ticket.subscriber_id
