"""What an agent writes in a ticket's topic: an answer for the subscriber, or a command.

Every command is kept in the ticket's thread as an internal note with its author; ``/note`` is
such a note and nothing else. The answers to agents are in the desk's language
(``ISPBOT_AGENT_LANGUAGE``), as are the notes of what a command gave. What
``/freecharge`` and ``/extend`` gave is noted in the thread too, and the subscriber is told (a
notice in their language, bot/dialogs/notices/handoff.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.handlers.agents import words
from bot.handlers.agents.card import topic_name
from bot.handlers.agents.desk import AgentDesk
from bot.handlers.agents.sync import DeskSync
from bot.i18n import N_, Texts
from core.billing.subscriptions import MAX_EXTEND_DAYS
from core.errors import DomainError
from core.handoff import queries
from core.handoff.actions import DeskActions, FreeChargeGiven, ServiceExtended
from core.handoff.queries import TopicView
from core.numbers import whole_number
from core.tickets.queries import TicketView
from core.tickets.service import AttachmentIn

HELP = N_(
    "Write here to answer the subscriber. Commands: /close, /priority <low|medium|high|"
    "very_high>, /department <technical|billing|sales>, /assign <agent>, /note <text> "
    "(internal), /info, /done (end the live conversation), /freecharge, /extend <days>."
)
BILLING_ONLY = N_("Only billing agents may do that.")
NO_SUBSCRIBER = N_("This ticket has no subscriber.")


@dataclass(frozen=True, slots=True)
class Agent:
    name: str
    can_bill: bool


class AgentCommands:
    def __init__(self, actions: DeskActions, desk: AgentDesk, sync: DeskSync):
        self.actions = actions
        self.desk = desk
        self.sync = sync

    @property
    def t(self) -> Texts:
        """The desk's language and the ISP's zone (the cards' too)."""
        return self.sync.texts

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
                return self.t.gettext("Write the note after /note.")
            await self.actions.note(ticket.number, agent.name, rest)
            return self.t.gettext("Note kept (not sent to the subscriber).")
        handler = getattr(self, f"_{name}", None)
        if handler is None:
            return self.t.gettext(HELP)
        await self.actions.note(ticket.number, agent.name, text.strip())
        try:
            return await handler(ticket, topic, agent, rest)
        except DomainError as error:
            return words.refusal(self.t, error)

    async def _close(self, ticket: TicketView, topic: TopicView, agent: Agent, _rest: str) -> str:
        assert topic.thread_id is not None
        await self.actions.close(ticket.number, agent.name, topic.id)
        await self.desk.post(
            topic.thread_id,
            self.t.gettext(
                "Closed by %(agent)s. The subscriber is asked to rate the help.", agent=agent.name
            ),
        )
        await self.desk.close_topic(topic.thread_id)
        return ""

    async def _priority(
        self, ticket: TicketView, topic: TopicView, _agent: Agent, rest: str
    ) -> str:
        ticket = await self.actions.set_priority(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return self.t.gettext(
            "Priority: %(priority)s.", priority=words.priority(self.t, ticket.priority)
        )

    async def _department(
        self, ticket: TicketView, topic: TopicView, _agent: Agent, rest: str
    ) -> str:
        ticket = await self.actions.set_department(ticket.number, rest.lower())
        await self._rename(ticket, topic)
        return self.t.gettext(
            "Department: %(department)s.", department=words.department(self.t, ticket.department)
        )

    async def _assign(self, ticket: TicketView, _topic: TopicView, agent: Agent, rest: str) -> str:
        ticket = await self.actions.assign(ticket.number, rest or agent.name)
        return self.t.gettext("Assigned to %(agent)s.", agent=ticket.assigned_to)

    async def _info(self, ticket: TicketView, topic: TopicView, _agent: Agent, _rest: str) -> None:
        assert topic.thread_id is not None
        await self.sync.post_card(ticket.id, topic.thread_id)
        return None

    async def _done(self, ticket: TicketView, _topic: TopicView, _agent: Agent, _rest: str) -> str:
        if await self.actions.end_live(ticket.number):
            return self.t.gettext("Live conversation ended: the subscriber is back with the bot.")
        return self.t.gettext("No live conversation on this ticket.")

    async def _freecharge(
        self, ticket: TicketView, _topic: TopicView, agent: Agent, _rest: str
    ) -> str:
        if not agent.can_bill:
            return self.t.gettext(BILLING_ONLY)
        if ticket.subscriber_id is None:
            return self.t.gettext(NO_SUBSCRIBER)

        def note(given: FreeChargeGiven) -> str:
            return self.t.gettext(
                "Free charge given: %(days)s days, %(megabytes)s MB.",
                days=given.days,
                megabytes=given.megabytes,
            )

        return note(await self.actions.give_free_charge(ticket, agent.name, note))

    async def _extend(self, ticket: TicketView, _topic: TopicView, agent: Agent, rest: str) -> str:
        if not agent.can_bill:
            return self.t.gettext(BILLING_ONLY)
        if ticket.subscriber_id is None:
            return self.t.gettext(NO_SUBSCRIBER)
        days = whole_number(rest, 1, MAX_EXTEND_DAYS)
        if days is None:
            return self.t.gettext(
                "Write the number of days after /extend, 1 to %(max)s: /extend 3.",
                max=MAX_EXTEND_DAYS,
            )

        def note(extended: ServiceExtended) -> str:
            return self.t.ngettext(
                "Service extended by %(n)s day: it now ends %(ends)s.",
                "Service extended by %(n)s days: it now ends %(ends)s.",
                extended.days,
                ends=self.t.datetime(extended.ends_at),
            )

        return note(await self.actions.extend_service(ticket, agent.name, days, note))

    async def _rename(self, ticket: TicketView, topic: TopicView) -> None:
        assert topic.thread_id is not None
        await self.desk.rename_topic(topic.thread_id, topic_name(ticket, self.t))
