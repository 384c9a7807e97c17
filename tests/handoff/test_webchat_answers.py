"""Answers go where the subscriber is: with Telegram and Twilio configured, a web-chat
subscriber's payment confirmation, the hand-off's start, the agent's answers and the rating
question reach the web chat, and no SMS is sent (issue 18). A web chat away and back gets what
it missed, in order, before the menu.

The real app serves the web chat over a socket; Twilio and the Bot API are local servers
speaking their APIs (tests/fakes_twilio.py, tests/fakes_telegram.py)."""

# ruff: noqa: F811  (fixtures from tests/fakes_twilio.py are passed by parameter name)

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from bot.app import RELAY, RELAY_WAKE, init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.handlers.agents.wiring import DESK_SYNC
from bot.handlers.telegram import TELEGRAM
from bot.handlers.telegram.webhook import PATH, SECRET_HEADER
from bot.handlers.webchat import COOKIE
from core.billing.enums import OrderKind
from core.handoff.models import TicketTopic
from core.inbox.models import InboxMessage
from core.ports import ChatRef
from core.tickets.enums import TicketKind
from core.tickets.models import Ticket
from tests.dialogs.test_flows_billing_support import PASSWORD, USERNAME, give_service, subscriber
from tests.fakes_telegram import topic_message_update
from tests.fakes_twilio import twilio_fake  # noqa: F401  (fixture)
from tests.handlers.test_telegram import FakeTime
from tests.handoff.test_agent_group import (  # noqa: F401  (fixtures)
    GROUP,
    REZA,
    SECRET,
    bot_api,
    bot_settings,
    eventually,
)


class WebChat:
    """A browser's tab on the app's web chat: what it has shown, and what it types."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.shown: list[dict] = []
        self.ws = None

    @property
    def chat_id(self) -> str:
        return self.client.session.cookie_jar.filter_cookies(self.client.make_url("/"))[
            COOKIE
        ].value

    async def open(self) -> None:
        await self.client.get("/")
        self.ws = await self.client.ws_connect("/ws?lang=en")

    async def close(self) -> None:
        assert self.ws is not None
        await self.ws.close()
        self.ws = None

    async def until(self, words: str) -> dict:
        """Read frames until one says ``words``."""
        assert self.ws is not None
        while True:
            message = await asyncio.wait_for(self.ws.receive(), timeout=10)
            assert message.type == WSMsgType.TEXT, message
            frame = message.json()
            self.shown.append(frame)
            if words in (frame["text"] or ""):
                return frame

    async def say(self, text: str) -> None:
        assert self.ws is not None
        await self.ws.send_json({"type": "text", "text": text})

    async def choose(self, label: str) -> None:
        assert self.ws is not None
        options = next(f["options"] for f in reversed(self.shown) if f["options"])
        choice = next(o["id"] for o in options if o["label"] == label)
        await self.ws.send_json({"type": "choice", "id": choice})


@pytest.fixture
async def app_client(services, twilio_fake, bot_api, bot_settings) -> AsyncIterator[TestClient]:
    app = init_app(
        bootstrap(bot_settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    time = FakeTime()
    app[TELEGRAM].limiter.now, app[TELEGRAM].limiter.sleep = time.now, time.sleep
    async with TestClient(TestServer(app)) as client:
        yield client


async def logged_in(client: TestClient, services, bot_settings) -> WebChat:
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = WebChat(client)
    await chat.open()
    await chat.until("What would you like to do?")
    await chat.choose("Log in")
    await chat.until("username")
    await chat.say(USERNAME)
    await chat.until("password")
    await chat.say(PASSWORD)
    await chat.until("logged in")
    return chat


async def agent_writes(client: TestClient, thread: int, text: str) -> None:
    update = topic_message_update(GROUP, thread, REZA, text)
    response = await client.post(PATH, json=update, headers={SECRET_HEADER: SECRET})
    assert response.status == 200


async def test_a_web_chat_gets_its_payment_agent_answer_and_rating_and_no_sms_is_sent(
    app_client, services, bot_settings, twilio_fake, bot_api
):
    chat = await logged_in(app_client, services, bot_settings)

    # An order placed from this chat, paid on the sandbox's page.
    order = await services.orders.place_order(
        (await _sara(bot_settings)).id,
        OrderKind.BUY_TRAFFIC,
        "gb-5",
        chat=ChatRef("web", chat.chat_id),
    )
    assert order.pay_url is not None
    await app_client.post(urlsplit(order.pay_url).path, data={"action": "pay"})
    receipt = await chat.until("Added to your account")
    assert receipt["file"] is None or receipt["file"]["type"] == "application/pdf"

    # A hand-off asked for in this chat: its start, the agent's answer and the rating question.
    await chat.say("agent")
    await chat.until("What is it about?")
    await chat.say("My internet drops every evening")
    await chat.until("Your ticket number is")
    ticket = await Ticket.get(kind=TicketKind.AGENT_REQUEST)
    sync = app_client.app[DESK_SYNC]
    await sync.run_once()
    thread = (await TicketTopic.get(ticket_id=ticket.id)).thread_id
    assert thread is not None

    await agent_writes(app_client, thread, "Please restart the modem")
    app_client.app[RELAY_WAKE].set()
    await chat.until("You are now talking with Reza")
    await chat.until("Please restart the modem")

    await chat.say("Done, it works")  # reaches the agent, not the dialogs

    async def in_the_topic() -> bool:
        await sync.run_once()
        return bot_api.in_topic(GROUP, thread)[-1].endswith("Done, it works")

    await eventually(in_the_topic)

    await agent_writes(app_client, thread, "/close")
    app_client.app[RELAY_WAKE].set()
    rating = await chat.until("How would you rate our help?")
    assert [o["label"] for o in rating["options"]][:5] == ["1", "2", "3", "4", "5"]

    assert twilio_fake.messages == []  # no SMS, no WhatsApp
    await chat.close()


async def test_a_web_chat_away_and_back_gets_what_it_missed_in_order_before_the_menu(
    app_client, services, bot_settings, twilio_fake
):
    chat = await logged_in(app_client, services, bot_settings)
    chat_id = chat.chat_id
    await chat.close()
    sara = await _sara(bot_settings)
    first = await services.orders.place_order(
        sara.id, OrderKind.BUY_TRAFFIC, "gb-5", chat=ChatRef("web", chat_id)
    )
    second = await services.orders.place_order(
        sara.id, OrderKind.BUY_TRAFFIC, "gb-5", chat=ChatRef("web", chat_id)
    )
    for order in (first, second):
        await services.orders.confirm_payment(
            order.tracking_number, "sandbox", order.gateway_ref, order.payable
        )
    await app_client.app[RELAY].relay_pending()  # or the app's own relay, whichever is first

    async def both_sent() -> bool:
        sent = await InboxMessage.filter(kind="order_applied", channel="web").count()
        return sent == 2

    await eventually(both_sent)

    await chat.open()
    await chat.until("Sara Rahimi, what would you like to do?")
    texts = [frame["text"] for frame in chat.shown]
    missed = [i for i, text in enumerate(texts) if "Added to your account" in (text or "")]
    assert len(missed) == 2
    assert str(first.tracking_number) in texts[missed[0]]
    assert str(second.tracking_number) in texts[missed[1]]
    assert missed[1] < len(texts) - 1  # then the menu
    assert twilio_fake.messages == []
    await chat.close()


async def _sara(bot_settings):
    from core.accounts.models import Subscriber

    return await Subscriber.get(username=USERNAME)
