"""Tickets to topics, after commit: each open ticket gets a topic with its card, and what the
subscriber adds to the thread (a reply, a message during a live hand-off) is posted there.

The ticket's thread is the source of truth; this only mirrors it, so nothing is lost when the
group cannot be reached. The core's ``TopicBook`` keeps the books (a topic is claimed before it
is made and postponed with backoff when that fails; a message is claimed before it is posted, so
two relays never post one twice); this module calls the group and decides when to try again.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

from bot.handlers.agents.card import LAST_PAYMENTS, ticket_card, topic_name
from bot.handlers.agents.desk import AgentDesk
from bot.i18n import N_, Texts
from core.backoff import Backoff
from core.billing.queries import BillingQueries
from core.handoff import queries
from core.handoff.queries import DeskMessage, TopicView
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook
from core.ports import Clock, FileStore

log = logging.getLogger(__name__)

BATCH = 50


class DeskSync:
    def __init__(
        self,
        clock: Clock,
        desk: AgentDesk,
        topics: TopicBook,
        handoff: Handoff,
        billing: BillingQueries,
        files: FileStore,
        texts: Texts,
        *,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(minutes=30),
    ) -> None:
        """``billing`` and ``files`` are read for the cards, written with ``texts`` (the desk's
        language, the ISP's zone)."""
        self.clock = clock
        self.desk = desk
        self.topics = topics
        self.handoff = handoff
        self.billing = billing
        self.files = files
        self.texts = texts
        self.lease = lease
        self.retry = Backoff(backoff, max_backoff)

    async def run_once(self) -> int:
        """One pass: idle hand-offs ended, topics opened, new messages posted. Returns how many
        topics and messages reached the group."""
        await self.handoff.end_idle()
        return await self.open_topics() + await self.mirror()

    # ---- topics --------------------------------------------------------------------------

    async def open_topics(self) -> int:
        await self.topics.add_missing(BATCH)
        opened = 0
        for topic in await queries.topics_due(self.clock.now(), BATCH):
            attempts = await self.topics.claim(topic, self.clock.now() + self.lease)
            if attempts is None:
                continue
            try:
                await self._open(topic)
            except Exception as error:
                log.warning("ticket topic %s: %r; trying again later", topic.id, error)
                await self.topics.postpone(
                    topic.id,
                    self.clock.now() + self.retry.after(attempts),
                    f"{type(error).__name__}: {error}",
                )
                continue
            opened += 1
        return opened

    async def _open(self, topic: TopicView) -> None:
        ticket = await queries.desk_ticket(topic.ticket_id)
        first = await queries.first_message(ticket.id)
        thread_id = await self.desk.open_topic(topic_name(ticket, self.texts))
        # The card shows the first message: the thread mirrors what comes after it.
        await self.topics.made(topic.id, thread_id, first.id if first is not None else None)
        await self.post_card(ticket.id, thread_id, first)

    async def post_card(
        self, ticket_id: int, thread_id: int, first: DeskMessage | None = None
    ) -> None:
        card = await queries.ticket_card(
            self.billing, self.files, ticket_id, first=first, payments=LAST_PAYMENTS
        )
        await self.desk.post(thread_id, ticket_card(card, self.texts), card.files)

    # ---- the subscriber's messages ---------------------------------------------------------

    async def mirror(self) -> int:
        messages = await queries.unmirrored_messages(BATCH)
        if not messages:
            return 0
        by_ticket = await queries.topics_of({m.ticket_id for m in messages})
        posted = 0
        stalled: set[int] = set()
        for message in messages:
            topic = by_ticket[message.ticket_id]
            if message.id <= topic.mirrored_message_id or topic.id in stalled:
                continue
            shown = await self._post_message(topic, message)
            if shown is None:
                stalled.add(topic.id)  # its later messages wait, in order, for the next pass
                continue
            by_ticket[message.ticket_id] = shown
            posted += 1
        return posted

    async def _post_message(self, topic: TopicView, message: DeskMessage) -> TopicView | None:
        """The topic as it stands once ``message`` is posted; None when it was not."""
        if not await self.topics.claim_message(topic, message.id):
            return None
        thread_id = topic.thread_id
        assert thread_id is not None
        try:
            if topic.topic_closed:
                await self.desk.reopen_topic(thread_id)
                await self.topics.reopened(topic.id)
                topic = dataclasses.replace(topic, topic_closed=False)
            files = await queries.message_files(self.files, message.id)
            await self.desk.post(thread_id, self._said(message), files)
            if message.from_console and await queries.ticket_closed(message.ticket_id):
                # Closed in the console: the topic closes as after the group's own /close.
                await self.desk.close_topic(thread_id)
                await self.topics.closed(topic.id)
                topic = dataclasses.replace(topic, topic_closed=True)
        except Exception as error:
            log.warning("topic %s: message %s not posted: %r", topic.id, message.id, error)
            await self.topics.hand_back_message(topic, message.id)
            return None
        return dataclasses.replace(topic, mirrored_message_id=message.id)

    def _said(self, message: DeskMessage) -> str:
        """Who wrote it, as the group reads it: the subscriber, or a member of staff in the
        console (an answer the subscriber got, or a note they did not)."""
        if not message.from_console:
            template = N_("%(name)s (subscriber):\n%(text)s")
        elif message.internal:
            template = N_("%(name)s (console, note):\n%(text)s")
        else:
            template = N_("%(name)s (console, sent to the subscriber):\n%(text)s")
        return self.texts.gettext(template, name=message.author_name, text=message.body)
