"""Tickets to topics, after commit: each open ticket gets a topic with its card, and what the
subscriber adds to the thread (a reply, a message during a live hand-off) is posted there.

The ticket's thread is the source of truth; this only mirrors it, so nothing is lost when the
group cannot be reached: a ticket's topic row is claimed (a lease, like the outbox's) before the
topic is made, and retried with backoff until it is; each topic remembers the last message it
shows and a message is claimed before it is posted, so two relays never post one twice.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q, Subquery

from bot.handoff.card import ticket_card, topic_name
from bot.handoff.desk import AgentDesk
from core.billing.queries import BillingQueries
from core.handoff.models import TicketTopic
from core.handoff.service import Handoff
from core.ports import Clock, FileStore
from core.tickets.enums import AuthorKind, TicketStatus
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.tickets.service import AttachmentIn

log = logging.getLogger(__name__)

BATCH = 50


class DeskSync:
    def __init__(
        self,
        group_chat_id: int,
        clock: Clock,
        desk: AgentDesk,
        files: FileStore,
        billing: BillingQueries,
        handoff: Handoff,
        *,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(minutes=30),
    ) -> None:
        self.group_chat_id = group_chat_id
        self.clock = clock
        self.desk = desk
        self.files = files
        self.billing = billing
        self.handoff = handoff
        self.lease = lease
        self.backoff = backoff
        self.max_backoff = max_backoff

    async def run_once(self) -> int:
        """One pass: idle hand-offs ended, topics opened, new messages posted. Returns how many
        topics and messages reached the group."""
        await self.handoff.end_idle()
        return await self.open_topics() + await self.mirror()

    # ---- topics --------------------------------------------------------------------------

    async def open_topics(self) -> int:
        now = self.clock.now()
        with_topic = Subquery(TicketTopic.all().values("ticket_id"))
        fresh = (
            await Ticket.exclude(id__in=with_topic)
            .exclude(status=TicketStatus.CLOSED)
            .order_by("id")
            .limit(BATCH)
        )
        for ticket in fresh:
            with contextlib.suppress(IntegrityError):  # another relay wrote it first
                await TicketTopic.create(
                    ticket_id=ticket.id, group_chat_id=self.group_chat_id, created_at=now
                )
        due = (
            await TicketTopic.filter(thread_id__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by("id")
            .limit(BATCH)
        )
        opened = 0
        for row in due:
            attempts = await self._claim(row)
            if attempts is None:
                continue
            try:
                await self._open(row)
            except Exception as error:
                log.warning("ticket topic %s: %r; trying again later", row.id, error)
                delay = min(self.backoff * 2 ** (attempts - 1), self.max_backoff)
                await TicketTopic.filter(id=row.id, thread_id__isnull=True).update(
                    next_attempt_at=self.clock.now() + delay,
                    last_error=f"{type(error).__name__}: {error}"[:200],
                )
                continue
            opened += 1
        return opened

    async def _claim(self, row: TicketTopic) -> int | None:
        now = self.clock.now()
        claimed = (
            await TicketTopic.filter(id=row.id, attempts=row.attempts, thread_id__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(attempts=row.attempts + 1, next_attempt_at=now + self.lease)
        )
        return row.attempts + 1 if claimed == 1 else None

    async def _open(self, row: TicketTopic) -> None:
        ticket = await Ticket.get(id=row.ticket_id)  # type: ignore[attr-defined]
        first = await TicketMessage.filter(ticket_id=ticket.id).order_by("id").first()
        thread_id = await self.desk.open_topic(topic_name(ticket))
        await TicketTopic.filter(id=row.id).update(
            thread_id=thread_id, next_attempt_at=None, last_error=None
        )
        # The card shows the first message: the thread mirrors what comes after it.
        if first is not None:
            await TicketTopic.filter(id=row.id).update(mirrored_message_id=first.id)
        await self.post_card(ticket, thread_id, first)

    async def post_card(
        self, ticket: Ticket, thread_id: int, first: TicketMessage | None = None
    ) -> None:
        if first is None:
            first = await TicketMessage.filter(ticket_id=ticket.id).order_by("id").first()
        body = first.body if first is not None else ""
        card = await ticket_card(ticket, body, self.billing)
        files = await self._attachments(first.id) if first is not None else []
        await self.desk.post(thread_id, card, files)

    # ---- the subscriber's messages ---------------------------------------------------------

    async def mirror(self) -> int:
        # Only the subscriber's messages past their own topic's mark, in one indexed query: an
        # idle pass reads nothing, and a quiet ticket's old mark cannot fill the batch with
        # messages other topics already show.
        messages = (
            await TicketMessage.filter(
                author_kind=AuthorKind.SUBSCRIBER,
                ticket__topic__thread_id__isnull=False,
                id__gt=F("ticket__topic__mirrored_message_id"),
            )
            .exclude(ticket__status=TicketStatus.CLOSED)
            .order_by("id")
            .limit(BATCH)
        )
        if not messages:
            return 0
        tickets = {m.ticket_id for m in messages}  # type: ignore[attr-defined]
        by_ticket = {
            t.ticket_id: t  # type: ignore[attr-defined]
            for t in await TicketTopic.filter(ticket_id__in=tickets)
        }
        posted = 0
        stalled: set[int] = set()
        for message in messages:
            topic = by_ticket[message.ticket_id]  # type: ignore[attr-defined]
            if message.id <= topic.mirrored_message_id or topic.id in stalled:
                continue
            if await self._post_message(topic, message):
                posted += 1
            else:
                stalled.add(topic.id)  # its later messages wait, in order, for the next pass
        return posted

    async def _post_message(self, topic: TicketTopic, message: TicketMessage) -> bool:
        before = topic.mirrored_message_id
        claimed = await TicketTopic.filter(id=topic.id, mirrored_message_id=before).update(
            mirrored_message_id=message.id
        )
        if not claimed:
            return False
        assert topic.thread_id is not None
        try:
            if topic.topic_closed:
                await self.desk.reopen_topic(topic.thread_id)
                await TicketTopic.filter(id=topic.id).update(topic_closed=False)
                topic.topic_closed = False
            text = f"{message.author_name} (subscriber):\n{message.body}"
            await self.desk.post(topic.thread_id, text, await self._attachments(message.id))
        except Exception as error:
            log.warning("topic %s: message %s not posted: %r", topic.id, message.id, error)
            await TicketTopic.filter(id=topic.id, mirrored_message_id=message.id).update(
                mirrored_message_id=before
            )
            return False
        topic.mirrored_message_id = message.id
        return True

    async def _attachments(self, message_id: int) -> list[AttachmentIn]:
        rows = await TicketAttachment.filter(message_id=message_id).order_by("id")
        return [(r.filename, r.content_type, await self.files.get(r.file_key)) for r in rows]
