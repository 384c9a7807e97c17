"""What an agent writes in a ticket's topic: an answer for the subscriber, or a command.

Every command is kept in the ticket's thread as an internal note with its author; ``/note`` is
such a note and nothing else. The answers to agents are in English (the desk's language). What
``/freecharge`` and ``/extend`` gave is noted in the thread too, and the subscriber is told (a
notice in their language, bot/dialogs/flows/handoff_notices.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tortoise.transactions import in_transaction

from bot.dialogs.services import Services
from bot.handoff.card import topic_name
from bot.handoff.desk import AgentDesk
from bot.handoff.sync import DeskSync
from core.billing.service import MAX_EXTEND_DAYS
from core.errors import DomainError
from core.handoff.models import TicketTopic
from core.handoff.service import FILE_ONLY_BODY, Handoff
from core.inbox.service import enqueue
from core.numbers import whole_number
from core.tickets.models import Ticket
from core.tickets.service import AttachmentIn, ByAgent

HELP = (
    "Write here to answer the subscriber. Commands: /close, /priority <low|medium|high|"
    "very_high>, /department <technical|billing|sales>, /assign <agent>, /note <text> "
    "(internal), /info, /done (end the live conversation), /freecharge, /extend <days>."
)
BILLING_ONLY = "Only billing agents may do that."


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    can_bill: bool


class AgentCommands:
    def __init__(self, services: Services, handoff: Handoff, desk: AgentDesk, sync: DeskSync):
        self.services = services
        self.handoff = handoff
        self.desk = desk
        self.sync = sync

    async def answer(
        self, topic: TicketTopic, agent: Agent, text: str | None, files: Sequence[AttachmentIn]
    ) -> None:
        """An answer: the agent holds the conversation, the subscriber is told (the outbox)."""
        ticket = await Ticket.get(id=topic.ticket_id)  # type: ignore[attr-defined]
        await self.handoff.hold(ticket.number, agent.name)
        body = (text or "").strip() or FILE_ONLY_BODY
        await self.services.tickets.answer_as_agent(ticket.number, agent.name, body, files)

    async def run(self, topic: TicketTopic, agent: Agent, text: str) -> str | None:
        """A command; returns what to tell the agents in the topic (None: the card was posted)."""
        word, _, rest = text.strip().partition(" ")
        name = word[1:].split("@", 1)[0].lower()
        rest = rest.strip()
        ticket = await Ticket.get(id=topic.ticket_id)  # type: ignore[attr-defined]
        tickets = self.services.tickets
        if name == "note":
            if not rest:
                return "Write the note after /note."
            await tickets.answer_as_agent(ticket.number, agent.name, rest, internal=True)
            return "Note kept (not sent to the subscriber)."
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            return HELP
        await tickets.answer_as_agent(ticket.number, agent.name, text.strip(), internal=True)
        try:
            return await handler(ticket, topic, agent, rest)
        except DomainError as error:
            details = ", ".join(f"{k}={v}" for k, v in error.details.items())
            return f"Not done: {error.code}" + (f" ({details})" if details else "")

    async def _close(self, ticket: Ticket, topic: TicketTopic, agent: Agent, _rest: str) -> str:
        await self.handoff.release(ticket.number, "closed")
        await self.services.tickets.close(ticket.number, ByAgent(agent.name))
        assert topic.thread_id is not None
        await TicketTopic.filter(id=topic.id).update(topic_closed=True)
        await self.desk.post(
            topic.thread_id, f"Closed by {agent.name}. The subscriber is asked to rate the help."
        )
        await self.desk.close_topic(topic.thread_id)
        return ""

    async def _priority(self, ticket: Ticket, topic: TicketTopic, _agent: Agent, rest: str) -> str:
        ticket = await self.services.tickets.set_priority(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return f"Priority: {ticket.priority.value}."

    async def _department(
        self, ticket: Ticket, topic: TicketTopic, _agent: Agent, rest: str
    ) -> str:
        ticket = await self.services.tickets.set_department(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return f"Department: {ticket.department.value}."

    async def _assign(self, ticket: Ticket, _topic: TicketTopic, agent: Agent, rest: str) -> str:
        ticket = await self.services.tickets.assign(ticket.number, rest or agent.name)
        return f"Assigned to {ticket.assigned_to}."

    async def _info(self, ticket: Ticket, topic: TicketTopic, _agent: Agent, _rest: str) -> None:
        assert topic.thread_id is not None
        await self.sync.post_card(ticket, topic.thread_id)
        return None

    async def _done(self, ticket: Ticket, _topic: TicketTopic, _agent: Agent, _rest: str) -> str:
        if await self.handoff.release(ticket.number, "done"):
            return "Live conversation ended: the subscriber is back with the bot."
        return "No live conversation on this ticket."

    async def _freecharge(
        self, ticket: Ticket, _topic: TicketTopic, agent: Agent, _rest: str
    ) -> str:
        if not agent.can_bill:
            return BILLING_ONLY
        if ticket.subscriber_id is None:  # type: ignore[attr-defined]
            return "This ticket has no subscriber."
        async with in_transaction():  # the grant, its note and the notice, or none of them
            grant = await self.services.billing.take_free_charge(ticket.subscriber_id)  # type: ignore[attr-defined]
            given = f"Free charge given: {grant.days} days, {grant.megabytes} MB."
            await self._given(
                ticket,
                agent,
                given,
                "agent_free_charge",
                {"days": grant.days, "megabytes": grant.megabytes, "until": grant.expires_at},
                f"agent_free_charge:{grant.id}",
            )
        return given

    async def _extend(self, ticket: Ticket, _topic: TicketTopic, agent: Agent, rest: str) -> str:
        if not agent.can_bill:
            return BILLING_ONLY
        if ticket.subscriber_id is None:  # type: ignore[attr-defined]
            return "This ticket has no subscriber."
        days = whole_number(rest, 1, MAX_EXTEND_DAYS)
        if days is None:
            return f"Write the number of days after /extend, 1 to {MAX_EXTEND_DAYS}: /extend 3."
        async with in_transaction():  # the extension, its note and the notice, or none of them
            sub = await self.services.billing.extend_service(ticket.subscriber_id, days)  # type: ignore[attr-defined]
            ends = sub.ends_at.astimezone(self.services.settings.zone).strftime("%Y-%m-%d %H:%M")
            given = f"Service extended by {days} days: it now ends {ends}."
            await self._given(
                ticket,
                agent,
                given,
                "agent_extension",
                {"days": days, "ends_at": sub.ends_at},
                # The end moves with each extension: one notice per extension.
                f"agent_extension:{sub.id}:{sub.ends_at.isoformat()}",
            )
        return given

    async def _given(
        self,
        ticket: Ticket,
        agent: Agent,
        note: str,
        kind: str,
        params: dict[str, Any],
        dedup_key: str,
    ) -> None:
        """Noted in the thread, and the subscriber told in their language."""
        await self.services.tickets.answer_as_agent(ticket.number, agent.name, note, internal=True)
        values = {key: v.isoformat() if isinstance(v, datetime) else v for key, v in params.items()}
        values.update(ticket_number=ticket.number, agent_name=agent.name)
        assert ticket.subscriber_id is not None  # type: ignore[attr-defined]
        await enqueue(
            ticket.subscriber_id,  # type: ignore[attr-defined]
            kind,
            values,
            dedup_key,
            at=self.services.clock.now(),
        )

    async def _rename(self, ticket: Ticket, topic: TicketTopic) -> None:
        assert topic.thread_id is not None
        await self.desk.rename_topic(topic.thread_id, topic_name(ticket))
