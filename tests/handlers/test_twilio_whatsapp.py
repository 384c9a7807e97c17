"""WhatsApp through Twilio: every dialog with numbered choices, the language from the phone
prefix, media with limits, and the 24-hour window for alerts and agents' answers."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import json
import re
import time
from datetime import timedelta

import pytest

from bot.adapters.twilio_media import MediaRefused, fetch_media
from bot.adapters.twilio_messages import TwilioMessages, TwilioSendError
from bot.dialogs.contract import Reply
from bot.handlers.twilio_webhooks import SENDERS_KEY
from bot.notify import ChannelNotifier
from bot.pacing import sending_by
from core.accounts.models import ChatIdentity
from core.billing.enums import OrderStatus
from core.billing.models import Order
from core.inbox.models import InboxMessage  # noqa: F401  (the notifier's table exists)
from tests.conftest import NOW
from tests.dialogs.test_flows_billing_support import (
    PASSWORD,
    USERNAME,
    give_service,
    subscriber,
)
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    SMS_FROM,
    TEMPLATES,
    WHATSAPP_FROM,
    TwilioWebhooks,
    twilio_app,
    twilio_fake,
    twilio_settings,
)

UK = "+447700900123"
IRAN = "+989121234567"
INDONESIA = "+6281298765432"


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


class WhatsAppChat:
    """One WhatsApp user: writes through signed webhooks, reads what the fake API received."""

    def __init__(self, app: TwilioWebhooks, number: str) -> None:
        self.app = app
        self.number = number
        self.seen = 0

    async def write(self, text: str = "", **media) -> str:
        self.seen = len(self.app.fake.to(self.number))
        await self.app.whatsapp(self.number, text, **media)
        return self.text

    @property
    def new(self):
        return self.app.fake.to(self.number)[self.seen :]

    @property
    def text(self) -> str:
        return "\n\n".join(m.body or "" for m in self.new)

    def number_of(self, label: str) -> str:
        """The number the last message gives the option whose label contains ``label``."""
        for line in self.text.splitlines():
            found = re.match(r"(\d+)\. (.*)", line)
            if found and label.casefold() in found.group(2).casefold():
                return found.group(1)
        raise AssertionError(f"no numbered option like {label!r} in {self.text!r}")

    async def choose(self, label: str) -> str:
        return await self.write(self.number_of(label))


async def test_from_log_in_to_a_payment_link_with_numbered_choices(
    twilio_app, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = WhatsAppChat(twilio_app, UK)
    text = await chat.write("hello")
    assert "Welcome! What would you like to do?" in text  # +44: English, no language question
    assert re.search(r"^1\. ", text, re.M) and "Reply with the number of your choice (1–" in text
    [message] = chat.new
    assert message.to == f"whatsapp:{UK}" and message.from_ == f"whatsapp:{WHATSAPP_FROM}"

    await chat.choose("Log in")
    assert "send your username" in chat.text
    await chat.write(USERNAME)
    await chat.write(PASSWORD)
    assert "logged in" in chat.text
    await chat.choose("Buy or renew")
    await chat.choose("Buy traffic")
    await chat.choose("5 GB pack")
    assert "Pre-invoice" in chat.text
    await chat.choose("Confirm and pay")
    order = await Order.get(subscriber_id=sara.id)
    assert order.status == OrderStatus.PENDING
    assert f"Tracking number: {order.tracking_number}" in chat.text
    assert f": {order.pay_url}" in chat.text  # the link, written out after its label


async def test_the_phone_prefix_chooses_the_first_language_and_it_can_change(twilio_app):
    iran = WhatsAppChat(twilio_app, IRAN)
    assert "خوش آمدید" in await iran.write("salam") or "چه کاری" in iran.text
    indonesia = WhatsAppChat(twilio_app, INDONESIA)
    await indonesia.write("halo")
    assert "Balas dengan nomor pilihan Anda" in indonesia.text
    assert (await ChatIdentity.get(channel="whatsapp", external_id=INDONESIA)).language == "id"
    await indonesia.write("bahasa")
    await indonesia.choose("English")
    assert (await ChatIdentity.get(channel="whatsapp", external_id=INDONESIA)).language == "en"


async def test_media_is_fetched_with_the_account_credentials_within_limits(
    twilio_app, bot_settings
):
    fake = twilio_app.fake
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 100
    url = fake.add_media("image/png", png)
    assert await fetch_media(bot_settings, url, "image/png") == png

    chat = WhatsAppChat(twilio_app, UK)
    requests = fake.media_requests
    await chat.write(media=(fake.add_media("text/html", b"<script>"), "text/html"))
    assert "Please send a picture (JPEG or PNG) or a PDF file." in chat.text
    assert fake.media_requests == requests  # a refused type is not even downloaded

    big = fake.add_media("application/pdf", b"%PDF" + b"0" * bot_settings.attachment_max_bytes)
    await chat.write(media=(big, "application/pdf"))
    assert "That file is too large (at most 5 MB)." in chat.text
    with pytest.raises(MediaRefused):  # credentials go to Twilio's API base only
        await fetch_media(bot_settings, "https://elsewhere.test/m.png", "image/png")


async def test_alerts_follow_the_24_hour_window(twilio_app, services, bot_settings, clock):
    sara = await subscriber(bot_settings)
    chat = WhatsAppChat(twilio_app, UK)
    await chat.write("hi")
    await chat.choose("Log in")
    await chat.write(USERNAME)
    await chat.write(PASSWORD)
    senders = twilio_app.client.app[SENDERS_KEY]
    notifier = ChannelNotifier(bot_settings, senders.values())
    answered = {"ticket_number": 424242, "subject": "Slow", "agent_name": "Reza"}
    fake = twilio_app.fake

    # Inside the window: free text.
    before = len(fake.messages)
    delivery = await notifier.notify(sara.id, "ticket_answered", answered)
    assert delivery is not None and (delivery.channel, delivery.address) == ("whatsapp", UK)
    [alert] = fake.messages[before:]
    assert alert.body and "424242" in alert.body and alert.content_sid is None

    # 25 hours later: the English template, the text in its variable.
    clock.advance(timedelta(hours=25))
    before = len(fake.messages)
    assert await notifier.notify(sara.id, "ticket_answered", answered) is not None
    [template] = fake.messages[before:]
    assert template.to == f"whatsapp:{UK}" and template.body is None
    assert template.content_sid == TEMPLATES["en"]
    assert "424242" in json.loads(template.content_variables)["1"]

    # The template refused, and no template at all: an SMS to the same number instead.
    fake.fail_next(code=63016, message="Failed to send freeform message outside the window")
    before = len(fake.messages)
    assert await notifier.notify(sara.id, "ticket_answered", answered) is not None
    [sms] = fake.messages[before:]
    assert sms.channel == "sms" and sms.to == UK and sms.from_ == SMS_FROM and "424242" in sms.body

    # Nothing can go (SMS refused too): the sender says so, and the notifier tries the
    # subscriber's other ways (here the registered mobile by SMS); nothing is dropped silently.
    fake.refuse(UK, 21610)
    before = len(fake.messages)
    assert (
        await senders["whatsapp"].send(UK, [Reply("Ticket 424242 answered", language="en")])
        is False
    )
    assert fake.messages[before:] == []

    # Twilio's rate limit on an alert is raised for the notifier to wait and retry.
    fake.refuse(UK, 20429, status=429, message="Too Many Requests")
    with pytest.raises(TwilioSendError):
        await senders["whatsapp"].send(UK, [Reply("Ticket 424242 answered", language="en")])
    assert clock.now() > NOW


def test_where_digits_are_the_answer_the_options_are_listed_without_numbers():
    from bot.dialogs.contract import Option, Reply
    from bot.handlers.whatsapp import whatsapp_text

    months = Reply(
        "How many months?",
        options=(Option("months:1", "1 month"), Option("months:3", "3 months")),
        numbered=False,
    )
    text = whatsapp_text(months)
    assert "• 1 month" in text and "• 3 months" in text
    assert "1. " not in text and "Reply with the number" not in text
    choices = Reply("Pick one", options=(Option("a", "First"), Option("b", "Second")))
    assert "1. First" in whatsapp_text(choices) and "2. Second" in whatsapp_text(choices)


async def test_a_chats_answers_leave_in_the_order_of_its_messages(twilio_app):
    """The first message's answer is slow to send; the second message, arriving meanwhile,
    waits for the chat, so its answer is not sent before the first's."""
    fake = twilio_app.fake
    fake.delay_next(0.5)
    first = asyncio.create_task(twilio_app.whatsapp(UK, "hello"))
    await asyncio.sleep(0.1)  # the first is in its send
    await twilio_app.whatsapp(UK, "language")
    await first
    bodies = fake.bodies(UK, "whatsapp")
    assert len(bodies) == 2
    assert "What would you like to do?" in bodies[0]
    assert "English" in bodies[1] and "What would you like to do?" not in bodies[1]


async def test_a_send_inside_a_turn_gives_up_by_the_turns_deadline(twilio_fake, bot_settings):
    messages = TwilioMessages(bot_settings)
    try:
        twilio_fake.delay_next(5)
        started = time.monotonic()
        with sending_by(started + 0.3), pytest.raises(TwilioSendError):
            await messages.send_whatsapp(UK, "slow")
        assert time.monotonic() - started < 2
        with sending_by(time.monotonic() - 1), pytest.raises(TwilioSendError, match="no time"):
            await messages.send_whatsapp(UK, "too late")
        assert await messages.send_whatsapp(UK, "outside a turn")  # no deadline
    finally:
        await messages.close()
