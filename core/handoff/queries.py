"""Reads for the agents' desk, returning frozen dataclasses: a ticket as agents see it, its topic,
the facts its card shows, and what the subscriber wrote that the topic does not show yet.

No writes here: the topics' bookkeeping is ``TopicBook`` (topics.py), what agents do is
``DeskActions`` (actions.py), the live sessions are ``Handoff`` (service.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tortoise.expressions import F, Q, Subquery

from core.accounts.queries import SubscriberView, subscriber_view
from core.billing.queries import BillingQueries, ServiceStatus
from core.billing.read_models import PaymentLine
from core.errors import NotFound
from core.handoff.models import LiveSession, TicketTopic
from core.ports import FileStore
from core.tickets.enums import AuthorKind, TicketStatus
from core.tickets.models import Ticket, TicketAttachment, TicketMessage
from core.tickets.queries import TicketView
from core.tickets.service import AttachmentIn


@dataclass(frozen=True, slots=True)
class TopicView:
    """A ticket's topic in the agents' group, as its bookkeeping stands."""

    id: int
    ticket_id: int
    group_chat_id: int
    # None until the group made the topic.
    thread_id: int | None
    # The last ticket message the topic shows.
    mirrored_message_id: int
    topic_closed: bool
    attempts: int
    last_error: str | None

    @classmethod
    def of(cls, row: TicketTopic) -> TopicView:
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,  # type: ignore[attr-defined]
            group_chat_id=row.group_chat_id,
            thread_id=row.thread_id,
            mirrored_message_id=row.mirrored_message_id,
            topic_closed=row.topic_closed,
            attempts=row.attempts,
            last_error=row.last_error,
        )


@dataclass(frozen=True, slots=True)
class DeskMessage:
    """A message of a ticket's thread, to be shown in its topic."""

    id: int
    ticket_id: int
    author_name: str
    body: str
    # Written in the staff console (an answer, or a note when ``internal``), not by the
    # subscriber.
    from_console: bool = False
    internal: bool = False

    @classmethod
    def of(cls, row: TicketMessage) -> DeskMessage:
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,  # type: ignore[attr-defined]
            author_name=row.author_name,
            body=row.body,
            from_console=row.staff_member_id is not None,
            internal=row.internal,
        )


@dataclass(frozen=True, slots=True)
class TicketCard:
    """What the card at the top of a ticket's topic shows: the ticket, its first message and
    files, and for a subscriber's ticket who they are, their service and their last payments."""

    ticket: TicketView
    first_message: DeskMessage | None
    files: tuple[AttachmentIn, ...]
    subscriber: SubscriberView | None
    service: ServiceStatus | None
    # The newest payments first.
    last_payments: tuple[PaymentLine, ...]


@dataclass(frozen=True, slots=True)
class LiveSessionView:
    id: int
    ticket_id: int
    channel: str
    chat_external_id: str
    agent_name: str
    started_at: datetime
    last_activity_at: datetime

    @classmethod
    def of(cls, row: LiveSession) -> LiveSessionView:
        return cls(
            id=row.id,
            ticket_id=row.ticket_id,  # type: ignore[attr-defined]
            channel=row.channel,
            chat_external_id=row.chat_external_id,
            agent_name=row.agent_name,
            started_at=row.started_at,
            last_activity_at=row.last_activity_at,
        )


async def desk_ticket(ticket_id: int) -> TicketView:
    """NotFound ``ticket_not_found`` when there is none."""
    row = await Ticket.get_or_none(id=ticket_id)
    if row is None:
        raise NotFound("ticket_not_found", ticket_id=ticket_id)
    return TicketView.of(row)


async def topic_in(group_chat_id: int, thread_id: int) -> TopicView | None:
    """The ticket's topic behind a thread of the group; None for any other thread (the General
    topic, a topic made by hand)."""
    row = await TicketTopic.get_or_none(group_chat_id=group_chat_id, thread_id=thread_id)
    return TopicView.of(row) if row is not None else None


async def tickets_awaiting_topic(since: datetime, limit: int) -> list[int]:
    """The ids of tickets waiting for an answer (open, or the subscriber wrote last) since
    ``since`` or later, that have no topic row yet, oldest first. A ticket answered or closed
    needs no agent; one that waited longer is a backlog the group was not there for (a desk
    set up on a database with history), and the demo's tickets wait for no one
    (``desk_after``). The subscriber's next message brings any of them back."""
    with_topic = Subquery(TicketTopic.all().values("ticket_id"))
    rows = (
        await Ticket.exclude(id__in=with_topic)
        .filter(
            status__in=(TicketStatus.OPEN, TicketStatus.CUSTOMER_REPLY),
            updated_at__gte=since,
        )
        .filter(Q(desk_after__isnull=True) | Q(updated_at__gt=F("desk_after")))
        .order_by("id")
        .limit(limit)
        .values_list("id", flat=True)
    )
    return [int(ticket_id) for ticket_id in rows]  # type: ignore[call-overload]


async def topics_due(now: datetime, limit: int) -> list[TopicView]:
    """Topics the group has not made yet whose claim or backoff is over."""
    rows = (
        await TicketTopic.filter(thread_id__isnull=True)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id")
        .limit(limit)
    )
    return [TopicView.of(row) for row in rows]


async def first_message(ticket_id: int) -> DeskMessage | None:
    row = await TicketMessage.filter(ticket_id=ticket_id).order_by("id").first()
    return DeskMessage.of(row) if row is not None else None


async def unmirrored_messages(limit: int) -> list[DeskMessage]:
    """The messages past their own topic's mark that the group has not seen, oldest first: the
    subscriber's (while the ticket is not closed) and what the staff console wrote (its last
    note may be the closing's). One indexed query: an idle pass reads nothing, and a quiet
    ticket's old mark cannot fill the batch with messages other topics already show."""
    rows = (
        await TicketMessage.filter(
            ticket__topic__thread_id__isnull=False,
            id__gt=F("ticket__topic__mirrored_message_id"),
        )
        .filter(
            Q(author_kind=AuthorKind.SUBSCRIBER, ticket__status__not=TicketStatus.CLOSED)
            | Q(staff_member_id__isnull=False)
        )
        .order_by("id")
        .limit(limit)
    )
    return [DeskMessage.of(row) for row in rows]


async def ticket_closed(ticket_id: int) -> bool:
    return await Ticket.filter(id=ticket_id, status=TicketStatus.CLOSED).exists()


async def topics_of(ticket_ids: set[int]) -> dict[int, TopicView]:
    """By ticket id."""
    rows = await TicketTopic.filter(ticket_id__in=ticket_ids)
    return {row.ticket_id: TopicView.of(row) for row in rows}  # type: ignore[attr-defined]


async def message_files(files: FileStore, message_id: int) -> list[AttachmentIn]:
    """A message's attachments with their bytes, in the order they were sent."""
    rows = await TicketAttachment.filter(message_id=message_id).order_by("id")
    return [(r.filename, r.content_type, await files.get(r.file_key)) for r in rows]


async def ticket_card(
    billing: BillingQueries,
    files: FileStore,
    ticket_id: int,
    *,
    first: DeskMessage | None = None,
    payments: int,
) -> TicketCard:
    """The card's facts; ``first`` when the caller has the first message already, ``payments``
    how many of the last payments to show."""
    ticket = await desk_ticket(ticket_id)
    if first is None:
        first = await first_message(ticket_id)
    subscriber = None
    if ticket.subscriber_id is not None:
        try:
            subscriber = await subscriber_view(ticket.subscriber_id)
        except NotFound:
            subscriber = None
    service, paid = None, []
    if subscriber is not None:
        service = await billing.status_of(subscriber)
        paid = await billing.payments(subscriber.id, limit=payments)
    return TicketCard(
        ticket=ticket,
        first_message=first,
        files=tuple(await message_files(files, first.id)) if first is not None else (),
        subscriber=subscriber,
        service=service,
        last_payments=tuple(paid),
    )
