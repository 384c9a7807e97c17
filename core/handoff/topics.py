"""The bookkeeping of tickets' topics in the agents' group: which ticket has which topic, the
claims and retries of making it, and the last message each topic shows.

The ticket's thread is the source of truth and the topic only mirrors it, so nothing is lost
when the group cannot be reached: a ticket's topic row is written first and claimed (a lease,
like the outbox's) before the topic is made, and postponed with a backoff when that fails; a
message is claimed (the topic's mark moved past it) before it is posted, so two relays never
post one twice, and handed back when posting fails.
"""

from __future__ import annotations

import contextlib
from datetime import datetime

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from core.handoff import queries
from core.handoff.models import TicketTopic
from core.handoff.queries import TopicView
from core.ports import Clock

ERROR_MAX_LENGTH = 200  # TicketTopic.last_error's column


class TopicBook:
    def __init__(self, clock: Clock, group_chat_id: int) -> None:
        self.clock = clock
        self.group_chat_id = group_chat_id

    async def add_missing(self, limit: int) -> None:
        """A topic row for each open ticket without one (up to ``limit``), to be made next."""
        now = self.clock.now()
        for ticket_id in await queries.open_tickets_without_topic(limit):
            with contextlib.suppress(IntegrityError):  # another relay wrote it first
                await TicketTopic.create(
                    ticket_id=ticket_id, group_chat_id=self.group_chat_id, created_at=now
                )

    async def claim(self, topic: TopicView, until: datetime) -> int | None:
        """This relay makes the topic until ``until`` (the lease); returns the attempt's number,
        or None when another relay claimed it or it was made meanwhile."""
        now = self.clock.now()
        claimed = (
            await TicketTopic.filter(id=topic.id, attempts=topic.attempts, thread_id__isnull=True)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .update(attempts=topic.attempts + 1, next_attempt_at=until)
        )
        return topic.attempts + 1 if claimed == 1 else None

    async def postpone(self, topic_id: int, until: datetime, error: str) -> None:
        """Making the topic failed: not again before ``until``."""
        await TicketTopic.filter(id=topic_id, thread_id__isnull=True).update(
            next_attempt_at=until, last_error=error[:ERROR_MAX_LENGTH]
        )

    async def made(self, topic_id: int, thread_id: int, shown_message_id: int | None) -> None:
        """The group made the topic; its card shows the thread up to ``shown_message_id``."""
        values: dict[str, object] = {
            "thread_id": thread_id,
            "next_attempt_at": None,
            "last_error": None,
        }
        if shown_message_id is not None:
            values["mirrored_message_id"] = shown_message_id
        await TicketTopic.filter(id=topic_id).update(**values)

    async def claim_message(self, topic: TopicView, message_id: int) -> bool:
        """Move the topic's mark from where ``topic`` saw it to ``message_id``; False when another
        relay moved it first."""
        claimed = await TicketTopic.filter(
            id=topic.id, mirrored_message_id=topic.mirrored_message_id
        ).update(mirrored_message_id=message_id)
        return bool(claimed)

    async def hand_back_message(self, topic: TopicView, message_id: int) -> None:
        """Posting ``message_id`` failed: the mark goes back to where ``topic`` saw it."""
        await TicketTopic.filter(id=topic.id, mirrored_message_id=message_id).update(
            mirrored_message_id=topic.mirrored_message_id
        )

    async def closed(self, topic_id: int) -> None:
        await TicketTopic.filter(id=topic_id).update(topic_closed=True)

    async def reopened(self, topic_id: int) -> None:
        await TicketTopic.filter(id=topic_id).update(topic_closed=False)
