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
from collections.abc import Iterable
from datetime import datetime, timedelta

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from core.handoff import queries
from core.handoff.models import TicketTopic
from core.handoff.queries import TopicView
from core.ports import Clock
from core.tickets.models import Ticket

ERROR_MAX_LENGTH = 200  # TicketTopic.last_error's column


async def keep_off_desk(subscriber_ids: Iterable[int], at: datetime) -> int:
    """The tickets of these subscribers get a topic only once the subscriber writes after
    ``at``: they are history (the demo's, played as of days ago), not questions for the agents
    of today. Returns how many tickets."""
    return await Ticket.filter(subscriber_id__in=list(subscriber_ids)).update(desk_after=at)


class TopicBook:
    def __init__(
        self, clock: Clock, group_chat_id: int, max_age: timedelta = timedelta(days=3)
    ) -> None:
        """``max_age``: a ticket that has waited longer for an answer gets no topic
        (``ISPBOT_AGENT_TOPIC_MAX_AGE_HOURS``)."""
        self.clock = clock
        self.group_chat_id = group_chat_id
        self.max_age = max_age

    async def add_missing(self, limit: int) -> None:
        """A topic row for each ticket waiting for an answer without one (up to ``limit``), to
        be made next."""
        now = self.clock.now()
        for ticket_id in await queries.tickets_awaiting_topic(now - self.max_age, limit):
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
