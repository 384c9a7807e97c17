"""Mirroring tickets to the agents' topics, against a desk that records what it was given (and
refuses what it is told to, as a group briefly out of reach does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.handlers.agents.sync import BATCH, DeskSync
from bot.i18n import translator
from core.handoff import queries
from core.handoff.models import TicketTopic
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook
from core.tickets.service import AttachmentIn
from tests.dialogs.test_flows_billing_support import subscriber

GROUP = -1001234567890


class Unreachable(Exception):
    pass


class RecordingDesk:
    def __init__(self) -> None:
        self.topics: list[str] = []
        self.posts: list[tuple[int, str]] = []
        # How many of the next calls fail.
        self.refuse_topics = 0
        self.refuse_posts = 0

    async def open_topic(self, name: str) -> int:
        if self.refuse_topics:
            self.refuse_topics -= 1
            raise Unreachable("group unreachable")
        self.topics.append(name)
        return len(self.topics)

    async def rename_topic(self, thread_id: int, name: str) -> None: ...

    async def close_topic(self, thread_id: int) -> None: ...

    async def reopen_topic(self, thread_id: int) -> None: ...

    async def post(
        self, thread_id: int, text: str, attachments: Sequence[AttachmentIn] = ()
    ) -> None:
        if self.refuse_posts:
            self.refuse_posts -= 1
            raise Unreachable("group unreachable")
        self.posts.append((thread_id, text))


def desk_sync(services, bot_settings, desk: RecordingDesk) -> DeskSync:
    handoff = Handoff(bot_settings, services.clock, services.tickets)
    return DeskSync(
        services.clock,
        desk,
        TopicBook(services.clock, GROUP),
        handoff,
        services.billing_queries,
        services.files,
        translator("en", zone=bot_settings.zone),
    )


async def test_a_quiet_ticket_does_not_hold_back_a_busy_one_s_messages(services, bot_settings):
    sara = await subscriber(bot_settings)
    desk = RecordingDesk()
    sync = desk_sync(services, bot_settings, desk)
    await services.tickets.open_ticket(sara.id, "technical", "low", "Quiet", "Slow at night")
    busy = await services.tickets.open_ticket(sara.id, "billing", "low", "Busy", "Charged twice")
    await sync.run_once()
    assert len(desk.topics) == 2

    replies = BATCH + 10
    for n in range(replies):
        await services.tickets.reply_as_subscriber(busy.number, sara.id, f"reply {n}")
    for _ in range(5):
        if not await sync.run_once():
            break
    posted = [text for _, text in desk.posts if "(subscriber):" in text]
    assert len(posted) == replies
    assert posted[-1].endswith(f"reply {replies - 1}")


async def test_a_topic_the_group_refuses_is_made_after_the_backoff(services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    desk = RecordingDesk()
    sync = desk_sync(services, bot_settings, desk)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "low", "Slow", "At night")
    desk.refuse_topics = 2

    assert await sync.run_once() == 0
    row = await TicketTopic.get(ticket_id=ticket.id)
    assert (row.thread_id, row.attempts) == (None, 1)
    assert row.last_error == "Unreachable: group unreachable"
    assert row.next_attempt_at == clock.now() + timedelta(seconds=30)
    await sync.run_once()
    assert (await TicketTopic.get(ticket_id=ticket.id)).attempts == 1  # not before the backoff

    clock.advance(timedelta(seconds=30))
    assert await sync.run_once() == 0  # refused again: twice as long now
    row = await TicketTopic.get(ticket_id=ticket.id)
    assert row.next_attempt_at == clock.now() + timedelta(seconds=60)

    clock.advance(timedelta(seconds=60))
    assert await sync.run_once() == 1
    row = await TicketTopic.get(ticket_id=ticket.id)
    assert (row.thread_id, row.next_attempt_at, row.last_error) == (1, None, None)
    assert desk.topics == [f"#{ticket.number} Slow · Technical support · Low"]
    [(thread, card)] = desk.posts
    assert thread == 1 and card.endswith("\n\nAt night")


async def test_a_message_the_group_refuses_is_posted_next_time_before_the_later_ones(
    services, bot_settings
):
    sara = await subscriber(bot_settings)
    desk = RecordingDesk()
    sync = desk_sync(services, bot_settings, desk)
    ticket = await services.tickets.open_ticket(sara.id, "technical", "low", "Slow", "At night")
    await sync.run_once()
    for text in ("first", "second"):
        await services.tickets.reply_as_subscriber(ticket.number, sara.id, text)

    desk.refuse_posts = 1
    assert await sync.run_once() == 0  # the second waits behind the first
    assert await sync.run_once() == 2
    posted = [text for _, text in desk.posts if "(subscriber):" in text]
    assert posted == ["Sara Rahimi (subscriber):\nfirst", "Sara Rahimi (subscriber):\nsecond"]
    assert await sync.run_once() == 0  # each once


async def test_of_two_relays_claiming_one_topic_only_the_first_makes_it(services, bot_settings):
    sara = await subscriber(bot_settings)
    await services.tickets.open_ticket(sara.id, "technical", "low", "Slow", "At night")
    first, second = TopicBook(services.clock, GROUP), TopicBook(services.clock, GROUP)
    await first.add_missing(BATCH)
    await second.add_missing(BATCH)  # the row exists: nothing twice
    [topic] = await queries.topics_due(services.clock.now(), BATCH)
    lease = services.clock.now() + timedelta(minutes=2)
    assert await first.claim(topic, lease) == 1
    assert await second.claim(topic, lease) is None
    assert await queries.topics_due(services.clock.now(), BATCH) == []


async def test_only_a_ticket_waiting_for_an_answer_and_not_for_too_long_gets_a_topic(
    services, bot_settings, clock
):
    sara = await subscriber(bot_settings)
    desk = RecordingDesk()
    sync = desk_sync(services, bot_settings, desk)
    old = await services.tickets.open_ticket(sara.id, "technical", "low", "Old", "Last week")
    clock.advance(timedelta(days=4))  # past the topics' 3 days
    answered = await services.tickets.open_ticket(sara.id, "billing", "low", "Answered", "Bill?")
    await services.tickets.answer_as_agent(answered.number, "Reza", "Paid, thank you")
    await services.tickets.open_ticket(sara.id, "sales", "low", "New", "A faster plan?")

    await sync.run_once()
    assert [name.split(" · ")[0].split(" ", 1)[1] for name in desk.topics] == ["New"]

    # The subscriber writes again: the old ticket waits since now, and reaches the group.
    await services.tickets.reply_as_subscriber(old.number, sara.id, "Still slow")
    await sync.run_once()
    assert [name.split(" · ")[0].split(" ", 1)[1] for name in desk.topics] == ["New", "Old"]
