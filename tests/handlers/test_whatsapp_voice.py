"""Voice notes and videos on WhatsApp are not dropped: at no question the subscriber is told
the bot reads text; in a ticket the file is kept for the agent."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from core.tickets.models import Ticket, TicketAttachment
from tests.dialogs.test_flows_billing_support import PASSWORD, USERNAME, subscriber
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    twilio_app,
    twilio_fake,
    twilio_settings,
)
from tests.handlers.test_twilio_whatsapp import UK, WhatsAppChat
from tests.handlers.test_voice_and_stickers import MP4, OGG, READS_TEXT


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


async def test_whatsapp_voice_note_at_the_menu_is_answered_and_in_a_ticket_kept(
    twilio_app, bot_settings
):
    sara = await subscriber(bot_settings)
    fake = twilio_app.fake
    chat = WhatsAppChat(twilio_app, UK)
    await chat.write("hi")
    await chat.choose("Log in")
    await chat.write(USERNAME)
    await chat.write(PASSWORD)
    await chat.write(media=(fake.add_media("audio/ogg", OGG), "audio/ogg"))
    assert READS_TEXT in chat.text
    await chat.write(media=(fake.add_media("video/mp4", MP4), "video/mp4"))
    assert READS_TEXT in chat.text

    await chat.choose("Support tickets")
    await chat.choose("New ticket")
    await chat.choose("Technical")
    await chat.choose("Medium")
    await chat.write("No Internet")
    await chat.write("A video of the modem's lights.")
    await chat.write(media=(fake.add_media("video/mp4", MP4), "video/mp4"))
    await chat.choose("Done")
    ticket = await Ticket.get(subscriber_id=sara.id)
    [video] = await TicketAttachment.filter(message__ticket_id=ticket.id)
    assert video.content_type == "video/mp4"
