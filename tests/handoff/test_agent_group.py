"""Agents answer from a Telegram forum group: a WhatsApp subscriber's ticket opens a topic, the
agent's answer reaches WhatsApp, a note does not, /close asks for the score, a non-agent is
refused, and during a live hand-off the subscriber's messages land in the topic.

The real app serves both channels; Twilio and the Bot API are local servers speaking their APIs
(tests/fakes_twilio.py, tests/fakes_telegram.py)."""

# ruff: noqa: F811  (fixtures from tests/fakes_twilio.py are passed by parameter name)

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import ENGINE, init_app
from bot.bootstrap import bootstrap
from bot.dialogs.contract import Turn
from bot.dialogs.menu import flow_choice
from bot.dialogs.notice_offers import NoticeOffers
from bot.dialogs.state import MemoryStateStore
from bot.handlers.agents.wiring import DESK_SYNC, DeskSync
from bot.handlers.telegram import TELEGRAM
from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from bot.handlers.twilio_webhooks import SENDERS_KEY
from bot.notify import ChannelNotifier
from core.accounts.models import Subscriber
from core.billing.enums import OrderKind
from core.handoff.models import LiveSession, TicketTopic
from core.inbox.service import OutboxRelay
from core.tickets.enums import SATISFACTION_SCORES, TicketKind, TicketStatus
from core.tickets.models import Ticket, TicketMessage
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    PASSWORD,
    USERNAME,
    give_service,
    pay_last_order,
    subscriber,
)
from tests.fakes import freshness
from tests.fakes_telegram import TOKEN, FakeBotApi, topic_message_update
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    TwilioWebhooks,
    twilio_fake,
    twilio_settings,
)
from tests.handlers.test_telegram import FakeTime
from tests.handlers.test_twilio_whatsapp import UK, WhatsAppChat

GROUP = -1001234567890
REZA = 5001  # an agent, also allowed to bill
ALI = 5002  # a group administrator
STRANGER = 5003  # a member of the group, not an agent
SECRET = "agents-webhook-secret"


@pytest.fixture
async def bot_api() -> AsyncIterator[FakeBotApi]:
    async with FakeBotApi() as api:
        api.members[(GROUP, ALI)] = "administrator"
        yield api


@pytest.fixture
def bot_settings(twilio_fake, bot_api):
    return twilio_settings(
        twilio_fake,
        telegram_token=SecretStr(TOKEN),
        telegram_api_base=bot_api.base_url,
        telegram_webhook_secret=SecretStr(SECRET),
        agent_chat_id=GROUP,
        agent_user_ids=(REZA,),
        agent_billing_user_ids=(REZA,),
    )


class Desk:
    """The app with both channels, and what an agent does in the group."""

    def __init__(self, client: TestClient, twilio: TwilioWebhooks, api: FakeBotApi, settings):
        self.client = client
        self.twilio = twilio
        self.api = api
        self.sync: DeskSync = client.app[DESK_SYNC]
        senders = [*client.app[SENDERS_KEY].values(), client.app[TELEGRAM].output]
        engine = client.app[ENGINE]
        # As the app's relay: files sent with notices, options kept for typing.
        offers = NoticeOffers(engine.store, self.sync.clock, settings.flow_timeout_seconds)
        notifier = ChannelNotifier(settings, senders, files=engine.services.files, offers=offers)
        self.relay = OutboxRelay(self.sync.clock, notifier, freshness())

    async def write(self, thread_id: int, user_id: int, text: str) -> None:
        update = topic_message_update(GROUP, thread_id, user_id, text)
        response = await self.client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
        assert response.status == 200

    async def mirror(self) -> None:
        await self.sync.run_once()

    async def send_notices(self) -> None:
        await self.relay.relay_pending()

    async def topic_of(self, ticket: Ticket) -> int:
        await self.mirror()
        row = await TicketTopic.get(ticket_id=ticket.id)
        assert row.thread_id is not None, row.last_error
        return row.thread_id


@pytest.fixture
async def desk(services, twilio_fake, bot_api, bot_settings) -> AsyncIterator[Desk]:
    app = init_app(
        bootstrap(bot_settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    time = FakeTime()  # the group's 20-a-minute limit is waited out on a fake clock
    app[TELEGRAM].limiter.now, app[TELEGRAM].limiter.sleep = time.now, time.sleep
    async with TestClient(TestServer(app)) as client:
        yield Desk(client, TwilioWebhooks(client, twilio_fake), bot_api, bot_settings)


async def eventually(check, tries: int = 250) -> None:
    """Until ``check()`` holds: the app's own relay may be the one that sends (bounded)."""
    for _ in range(tries):
        if await check():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("never happened")


async def logged_in_whatsapp(desk: Desk, services, bot_settings) -> WhatsAppChat:
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = WhatsAppChat(desk.twilio, UK)
    await chat.write("hi")
    await chat.choose("Log in")
    await chat.write(USERNAME)
    await chat.write(PASSWORD)
    assert "logged in" in chat.text
    return chat


async def ask_for_agent(
    chat: WhatsAppChat, text: str = "My internet drops every evening"
) -> Ticket:
    await chat.write("agent")
    await chat.write(text)
    assert "Your ticket number is" in chat.text
    return await Ticket.get(kind=TicketKind.AGENT_REQUEST)


async def whatsapp_says(desk: Desk, chat: WhatsAppChat, words: str) -> None:
    await desk.send_notices()

    async def arrived() -> bool:
        return any(words in (m.body or "") for m in chat.new)

    await eventually(arrived)


async def test_a_whatsapp_subscriber_s_request_opens_a_topic_with_a_masked_card(
    desk, services, bot_settings, clock
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    # Ten days ago the next month was bought ahead, partly from the wallet: the card's payment.
    sara = await Subscriber.get(username=USERNAME)
    clock.set(NOW - timedelta(days=10))
    await services.wallet.adjust(sara.id, 45_000)
    await services.orders.place_order(sara.id, OrderKind.RENEW_SERVICE, "std-1m")
    await pay_last_order(services, sara)
    clock.set(NOW)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)
    name = desk.api.topics[thread]
    assert name.startswith(f"#{ticket.number} My internet drops")
    assert name.endswith("Technical support · High")
    [card] = desk.api.in_topic(GROUP, thread)
    assert "National ID: 00******19" in card and "0013542419" not in card
    assert "Mobile: +98912***4567" in card and "+989121234567" not in card
    assert "Language: English · Channel: WhatsApp" in card
    assert "Related service: none in particular" in card
    assert "Plan: Standard monthly · 20 days left · 5.00 GB left" in card
    assert "Line: In operation" in card
    assert "Last payments:\n  Nov 14, 2026" in card and "IRR\u00a0500,000" in card
    assert "IRR\u00a045,000 from the wallet" in card and "Dec 14" not in card
    assert "My internet drops every evening" in card
    # Mirroring again opens nothing twice.
    await desk.mirror()
    assert len(desk.api.calls_of("createForumTopic")) == 1


async def test_the_agent_s_answer_reaches_whatsapp_and_a_note_does_not(
    desk, services, bot_settings
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)

    await desk.write(thread, REZA, "Please restart the modem <b>now</b>")
    await whatsapp_says(desk, chat, "Please restart the modem <b>now</b>")  # plain, as written
    assert "You are now talking with Reza" in chat.text

    chat.seen = len(desk.twilio.fake.to(UK))
    await desk.write(thread, REZA, "/note Line card replaced last week")
    await desk.send_notices()
    assert chat.new == []
    note = await TicketMessage.get(ticket_id=ticket.id, internal=True)
    assert note.body == "Line card replaced last week" and note.author_name == "Reza"
    assert "Note kept" in desk.api.in_topic(GROUP, thread)[-1]


async def test_close_asks_the_subscriber_for_a_score_that_is_stored(desk, services, bot_settings):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)
    await desk.write(thread, REZA, "/close")
    await whatsapp_says(desk, chat, "is now closed. How would you rate our help?")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CLOSED
    assert thread in desk.api.closed_topics
    # WhatsApp lists a notice's options as plain lines; a channel with buttons sends the
    # option's id, as here.
    [score_5] = [o for o in closed_notice_options(ticket) if o.endswith("score=5")]
    engine = desk.client.app[ENGINE]
    outcome = await engine.handle(Turn(channel="whatsapp", chat_id=UK, choice=score_5))
    assert "Thank you" in outcome.replies[0].text
    assert (await Ticket.get(id=ticket.id)).satisfaction == 5
    commands = await TicketMessage.filter(ticket_id=ticket.id, internal=True)
    assert [(m.body, m.author_name) for m in commands] == [("/close", "Reza")]


def closed_notice_options(ticket: Ticket) -> list[str]:
    return [
        flow_choice("tickets", action="rate", ticket=ticket.number, score=n)
        for n in SATISFACTION_SCORES
    ]


async def test_someone_who_is_not_an_agent_cannot_run_commands_or_answer(
    desk, services, bot_settings
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)
    await desk.write(thread, STRANGER, "/close")
    assert desk.api.in_topic(GROUP, thread)[-1] == "Only support agents can use commands here."
    await desk.write(thread, STRANGER, "I can answer too")
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.OPEN
    assert await TicketMessage.filter(ticket_id=ticket.id).count() == 1
    # The group's administrators are agents without being listed.
    await desk.write(thread, ALI, "/priority very_high")
    assert (await Ticket.get(id=ticket.id)).priority.value == "very_high"
    assert desk.api.topics[thread].endswith("Technical support · Very high")
    # Billing commands are for the billing agents only.
    await desk.write(thread, ALI, "/extend 3")
    assert desk.api.in_topic(GROUP, thread)[-1] == "Only billing agents may do that."


async def test_during_a_live_hand_off_the_subscriber_s_messages_land_in_the_topic(
    desk, services, bot_settings, clock
):
    chat = await logged_in_whatsapp(desk, services, bot_settings)
    ticket = await ask_for_agent(chat)
    thread = await desk.topic_of(ticket)
    await desk.write(thread, REZA, "Is the DSL light on?")
    await whatsapp_says(desk, chat, "Is the DSL light on?")

    assert await chat.write("Yes, it blinks") == ""  # no bot menu: the agent answers
    await desk.mirror()
    assert desk.api.in_topic(GROUP, thread)[-1] == "Sara Rahimi (subscriber):\nYes, it blinks"
    assert (await Ticket.get(id=ticket.id)).status == TicketStatus.CUSTOMER_REPLY

    await desk.write(thread, REZA, "/done")
    await whatsapp_says(desk, chat, "back with the bot")
    await chat.write("hello")
    assert "what would you like to do?" in chat.text  # the dialogs again

    # A new hand-off ends by itself after the idle timeout, and the subscriber is told.
    await desk.write(thread, REZA, "One more thing: which modem model?")
    await whatsapp_says(desk, chat, "which modem model?")
    clock.advance(timedelta(minutes=bot_settings.agent_idle_minutes))
    await desk.mirror()
    await whatsapp_says(desk, chat, "no messages for a while")
    assert not await LiveSession.filter(ended_at__isnull=True).exists()
