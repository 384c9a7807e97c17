"""What an agent writes in a ticket's topic: an answer for the subscriber, or a command.

Every command is kept in the ticket's thread as an internal note with its author; ``/note`` is
such a note and nothing else. The answers to agents are in English (the desk's language). What
``/freecharge`` and ``/extend`` gave is noted in the thread too, and the subscriber is told (a
notice in their language, bot/dialogs/notices/handoff.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.handlers.agents.card import topic_name
from bot.handlers.agents.desk import AgentDesk
from bot.handlers.agents.sync import DeskSync
from core.billing.subscriptions import MAX_EXTEND_DAYS
from core.errors import DomainError
from core.handoff import queries
from core.handoff.actions import DeskActions, FreeChargeGiven, ServiceExtended
from core.handoff.queries import TopicView
from core.numbers import whole_number
from core.tickets.queries import TicketView
from core.tickets.service import AttachmentIn

HELP = (
    "Write here to answer the subscriber. Commands: /close, /priority <low|medium|high|"
    "very_high>, /department <technical|billing|sales>, /assign <agent>, /note <text> "
    "(internal), /info, /done (end the live conversation), /freecharge, /extend <days>."
)
BILLING_ONLY = "Only billing agents may do that."
NO_SUBSCRIBER = "This ticket has no subscriber."


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    can_bill: bool


class AgentCommands:
    def __init__(self, actions: DeskActions, desk: AgentDesk, sync: DeskSync):
        self.actions = actions
        self.desk = desk
        self.sync = sync

    async def topic(self, group_chat_id: int, thread_id: int) -> TopicView | None:
        """The ticket's topic behind a thread of the group, if it is one."""
        return await queries.topic_in(group_chat_id, thread_id)

    async def answer(
        self, topic: TopicView, agent: Agent, text: str | None, files: Sequence[AttachmentIn]
    ) -> None:
        """An answer: the agent holds the conversation, the subscriber is told (the outbox)."""
        ticket = await queries.desk_ticket(topic.ticket_id)
        await self.actions.answer(ticket.number, agent.name, text, files)

    async def run(self, topic: TopicView, agent: Agent, text: str) -> str | None:
        """A command; returns what to tell the agents in the topic (None: the card was posted)."""
        word, _, rest = text.strip().partition(" ")
        name = word[1:].split("@", 1)[0].lower()
        rest = rest.strip()
        ticket = await queries.desk_ticket(topic.ticket_id)
        if name == "note":
            if not rest:
                return "Write the note after /note."
            await self.actions.note(ticket.number, agent.name, rest)
            return "Note kept (not sent to the subscriber)."
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            return HELP
        await self.actions.note(ticket.number, agent.name, text.strip())
        try:
            return await handler(ticket, topic, agent, rest)
        except DomainError as error:
            details = ", ".join(f"{k}={v}" for k, v in error.details.items())
            return f"Not done: {error.code}" + (f" ({details})" if details else "")

    async def _close(self, ticket: TicketView, topic: TopicView, agent: Agent, _rest: str) -> str:
        assert topic.thread_id is not None
        await self.actions.close(ticket.number, agent.name, topic.id)
        await self.desk.post(
            topic.thread_id, f"Closed by {agent.name}. The subscriber is asked to rate the help."
        )
        await self.desk.close_topic(topic.thread_id)
        return ""

    async def _priority(
        self, ticket: TicketView, topic: TopicView, _agent: Agent, rest: str
    ) -> str:
        ticket = await self.actions.set_priority(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return f"Priority: {ticket.priority.value}."

    async def _department(
        self, ticket: TicketView, topic: TopicView, _agent: Agent, rest: str
    ) -> str:
        ticket = await self.actions.set_department(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return f"Department: {ticket.department.value}."

    async def _assign(self, ticket: TicketView, _topic: TopicView, agent: Agent, rest: str) -> str:
        ticket = await self.actions.assign(ticket.number, rest or agent.name)
        return f"Assigned to {ticket.assigned_to}."

    async def _info(self, ticket: TicketView, topic: TopicView, _agent: Agent, _rest: str) -> None:
        assert topic.thread_id is not None
        await self.sync.post_card(ticket.id, topic.thread_id)
        return None

    async def _done(self, ticket: TicketView, _topic: TopicView, _agent: Agent, _rest: str) -> str:
        if await self.actions.end_live(ticket.number):
            return "Live conversation ended: the subscriber is back with the bot."
        return "No live conversation on this ticket."

    async def _freecharge(
        self, ticket: TicketView, _topic: TopicView, agent: Agent, _rest: str
    ) -> str:
        if not agent.can_bill:
            return BILLING_ONLY
        if ticket.subscriber_id is None:
            return NO_SUBSCRIBER
        given = await self.actions.give_free_charge(ticket, agent.name, _free_charge_note)
        return _free_charge_note(given)

    async def _extend(self, ticket: TicketView, _topic: TopicView, agent: Agent, rest: str) -> str:
        if not agent.can_bill:
            return BILLING_ONLY
        if ticket.subscriber_id is None:
            return NO_SUBSCRIBER
        days = whole_number(rest, 1, MAX_EXTEND_DAYS)
        if days is None:
            return f"Write the number of days after /extend, 1 to {MAX_EXTEND_DAYS}: /extend 3."
        zone = self.sync.texts.zone

        def note(extended: ServiceExtended) -> str:
            ends = extended.ends_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            return f"Service extended by {extended.days} days: it now ends {ends}."

        return note(await self.actions.extend_service(ticket, agent.name, days, note))

    async def _rename(self, ticket: TicketView, topic: TopicView) -> None:
        assert topic.thread_id is not None
        await self.desk.rename_topic(topic.thread_id, topic_name(ticket))


def _free_charge_note(given: FreeChargeGiven) -> str:
    return f"Free charge given: {given.days} days, {given.megabytes} MB."
