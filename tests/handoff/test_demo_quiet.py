"""`ispbot demo`, then Twilio and the agents' group configured: the demo's history (receipts,
ticket answers, a rating request) is not sent, and its tickets open no topics until their
subscriber writes again.

The real app with both channels; Twilio and the Bot API are local servers speaking their APIs."""

# ruff: noqa: F811  (fixtures are passed by parameter name)

from __future__ import annotations

from datetime import timedelta

from core.demo import seed_demo
from core.handoff.models import TicketTopic
from core.inbox.models import OutboxMessage
from core.tickets.enums import TicketStatus
from core.tickets.models import Ticket
from core.tickets.service import Tickets
from tests.fakes import InMemoryFileStore
from tests.fakes_twilio import twilio_fake  # noqa: F401  (fixture)
from tests.handoff.test_agent_group import GROUP, bot_api, bot_settings, desk  # noqa: F401


async def test_after_the_demo_a_relay_and_a_desk_pass_send_nothing(
    desk, services, bot_settings, twilio_fake, bot_api
):
    await seed_demo(bot_settings, services.clock, InMemoryFileStore())
    assert await OutboxMessage.all().count() > 0  # the stories did write their notices
    services.clock.advance(timedelta(seconds=5))

    await desk.send_notices()
    await desk.mirror()

    assert twilio_fake.messages == []
    assert bot_api.calls_of("createForumTopic") == []
    assert bot_api.sent(GROUP) == []
    assert await OutboxMessage.filter(expired_at__isnull=True).count() == 0


async def test_a_demo_ticket_gets_its_topic_once_its_subscriber_writes_again(
    desk, services, bot_settings, bot_api
):
    await seed_demo(bot_settings, services.clock, InMemoryFileStore())
    waiting = await Ticket.filter(status=TicketStatus.OPEN).order_by("-created_at").first()
    assert waiting is not None and waiting.subscriber_id is not None
    services.clock.advance(timedelta(minutes=1))
    tickets = Tickets(bot_settings, services.clock, InMemoryFileStore())
    await tickets.reply_as_subscriber(waiting.number, waiting.subscriber_id, "Still no internet.")

    await desk.mirror()

    [topic] = await TicketTopic.all()
    assert topic.ticket_id == waiting.id  # type: ignore[attr-defined]
    assert len(bot_api.calls_of("createForumTopic")) == 1
