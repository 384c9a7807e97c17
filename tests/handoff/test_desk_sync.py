"""Mirroring tickets to the agents' topics, against a desk that records what it was given."""

from __future__ import annotations

from collections.abc import Sequence

from bot.handoff.sync import BATCH, DeskSync
from core.handoff.service import Handoff
from core.handoff.topics import TopicBook
from core.tickets.service import AttachmentIn
from tests.dialogs.test_flows_billing_support import subscriber

GROUP = -1001234567890


class RecordingDesk:
    def __init__(self) -> None:
        self.topics: list[str] = []
        self.posts: list[tuple[int, str]] = []

    async def open_topic(self, name: str) -> int:
        self.topics.append(name)
        return len(self.topics)

    async def rename_topic(self, thread_id: int, name: str) -> None: ...

    async def close_topic(self, thread_id: int) -> None: ...

    async def reopen_topic(self, thread_id: int) -> None: ...

    async def post(
        self, thread_id: int, text: str, attachments: Sequence[AttachmentIn] = ()
    ) -> None:
        self.posts.append((thread_id, text))


async def test_a_quiet_ticket_does_not_hold_back_a_busy_one_s_messages(services, bot_settings):
    sara = await subscriber(bot_settings)
    desk = RecordingDesk()
    handoff = Handoff(bot_settings, services.clock, services.tickets)
    topics = TopicBook(services.clock, GROUP)
    sync = DeskSync(
        services.clock,
        desk,
        topics,
        handoff,
        services.billing_queries,
        services.files,
        bot_settings.zone,
    )
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
