"""Live hand-off: an agent holds a subscriber's conversation on the subscriber's own channel.

While a session is live, what the subscriber writes in that chat is added to the ticket's thread
(and so reaches the agents' topic) instead of going to the dialogs. It starts when an agent
answers a ticket that has a chat to answer in, and ends with the agent's ``/done``, the ticket's
closing, or ``agent_idle_minutes`` without a message either way. The subscriber is told when it
starts and ends, through the outbox (in their language, on their channel).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from tortoise.transactions import in_transaction

from core.alerts import kinds
from core.errors import NotFound
from core.handoff.models import LiveSession
from core.handoff.queries import LiveSessionView
from core.inbox.service import enqueue
from core.ports import Clock
from core.tickets.models import Ticket
from core.tickets.service import AttachmentIn, Tickets

# What the thread records for a file sent without a word.
FILE_ONLY_BODY = "(file)"


class Handoff:
    def __init__(self, settings, clock: Clock, tickets: Tickets) -> None:
        self.settings = settings
        self.clock = clock
        self.tickets = tickets

    @property
    def idle(self) -> timedelta:
        return timedelta(minutes=self.settings.agent_idle_minutes)

    async def hold(self, ticket_number: int, agent_name: str) -> LiveSessionView | None:
        """The agent holds the ticket's chat (a session starts, or the running one is kept
        alive). None when the ticket has no chat to talk in (a lead, an SMS keyword ticket)."""
        ticket = await Ticket.get_or_none(number=ticket_number)
        if ticket is None:
            raise NotFound("ticket_not_found", ticket_number=ticket_number)
        if ticket.subscriber_id is None or not ticket.channel or not ticket.chat_external_id:
            return None
        if ticket.channel == "sms":  # one keyword per message: no conversation to hold
            return None
        now = self.clock.now()
        async with in_transaction() as conn:
            running = await self._active(ticket.channel, ticket.chat_external_id, conn)
            if running is not None and running.ticket_id == ticket.id:  # type: ignore[attr-defined]
                running.last_activity_at = now
                running.agent_name = agent_name[:120]
                await running.save(using_db=conn)
                return LiveSessionView.of(running)
            if running is not None:
                await self._end(running, "replaced", conn, tell=False)
            session = await LiveSession.create(
                ticket_id=ticket.id,
                channel=ticket.channel,
                chat_external_id=ticket.chat_external_id,
                agent_name=agent_name[:120],
                started_at=now,
                last_activity_at=now,
                using_db=conn,
            )
            await enqueue(
                ticket.subscriber_id,  # type: ignore[arg-type]
                kinds.HANDOFF_STARTED,
                {
                    "ticket_number": ticket.number,
                    "agent_name": session.agent_name,
                    "channel": ticket.channel,
                    "chat_external_id": ticket.chat_external_id,
                },
                f"handoff_started:{session.id}",
                at=now,
                using_db=conn,
            )
        return LiveSessionView.of(session)

    async def release(self, ticket_number: int, reason: str = "done") -> bool:
        """End the ticket's live session (``/done``, closing); False when none was live."""
        async with in_transaction() as conn:
            sessions = await LiveSession.filter(
                ticket__number=ticket_number, ended_at__isnull=True
            ).using_db(conn)
            for session in sessions:
                await self._end(session, reason, conn, tell=reason != "closed")
        return bool(sessions)

    async def live_ticket(self, channel: str, chat_id: str) -> int | None:
        """The ticket whose agent holds this chat now, if any (an idle one ends here)."""
        session = await self._live(channel, chat_id)
        if session is None:
            return None
        ticket = await Ticket.get(id=session.ticket_id)  # type: ignore[attr-defined]
        return ticket.number

    async def pass_on(
        self,
        channel: str,
        chat_id: str,
        text: str | None,
        attachments: Sequence[AttachmentIn] = (),
    ) -> int | None:
        """A subscriber's message during a live session: added to the ticket's thread; returns
        the ticket number, or None when no agent holds the chat (the dialogs take it)."""
        session = await self._live(channel, chat_id)
        if session is None:
            return None
        ticket = await Ticket.get(id=session.ticket_id)  # type: ignore[attr-defined]
        body = (text or "").strip() or FILE_ONLY_BODY
        await self.tickets.reply_as_subscriber(
            ticket.number,
            ticket.subscriber_id,  # type: ignore[arg-type]
            body,
            attachments,
        )
        await LiveSession.filter(
            ticket_id=ticket.id, channel=channel, chat_external_id=chat_id, ended_at__isnull=True
        ).update(last_activity_at=self.clock.now())
        return ticket.number

    async def end_idle(self) -> int:
        """End every session idle past the timeout (the subscriber is told); returns how many."""
        cutoff = self.clock.now() - self.idle
        idle = await LiveSession.filter(ended_at__isnull=True, last_activity_at__lte=cutoff)
        for session in idle:
            async with in_transaction() as conn:
                await self._end(session, "idle", conn, tell=True)
        return len(idle)

    async def _live(self, channel: str, chat_id: str) -> LiveSession | None:
        """The chat's running session, unless it has been idle too long (it ends here then)."""
        session = await self._active(channel, chat_id, None)
        if session is None:
            return None
        if self.clock.now() - session.last_activity_at >= self.idle:
            async with in_transaction() as conn:
                await self._end(session, "idle", conn, tell=True)
            return None
        return session

    async def _active(self, channel: str, chat_id: str, conn) -> LiveSession | None:
        query = LiveSession.filter(
            channel=channel, chat_external_id=chat_id, ended_at__isnull=True
        ).order_by("-id")
        if conn is not None:
            query = query.using_db(conn)
        return await query.first()

    async def _end(self, session: LiveSession, reason: str, conn, *, tell: bool) -> None:
        now = self.clock.now()
        ended = (
            await LiveSession.filter(id=session.id, ended_at__isnull=True)
            .using_db(conn)
            .update(ended_at=now, end_reason=reason)
        )
        if not ended or not tell:
            return
        ticket = await Ticket.get(id=session.ticket_id).using_db(conn)  # type: ignore[attr-defined]
        if ticket.subscriber_id is None:
            return
        await enqueue(
            ticket.subscriber_id,
            kinds.HANDOFF_ENDED,
            {
                "ticket_number": ticket.number,
                "agent_name": session.agent_name,
                "reason": reason,
                "channel": session.channel,
                "chat_external_id": session.chat_external_id,
            },
            f"handoff_ended:{session.id}",
            at=now,
            using_db=conn,
        )
