"""A reply's file on WhatsApp and SMS: WhatsApp gets it as media (Twilio's MediaUrl, fetched
from our signed link), SMS and WhatsApp templates as a line with the file's name and link."""

# The fixtures come from tests/fakes_twilio.py; pytest passes them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from bot.dialogs.contract import Attachment, Reply
from bot.handlers.twilio_webhooks import SENDERS_KEY
from bot.handlers.whatsapp import CAPTION_MAX, whatsapp_messages
from tests.fakes_twilio import (  # noqa: F401  (fixtures)
    PUBLIC_URL,
    TEMPLATES,
    TwilioWebhooks,
    twilio_app,
    twilio_fake,
    twilio_settings,
)

UK = "+447700900123"
IRAN = "+989121234567"
PDF = Attachment("receipt-1001.pdf", "application/pdf", b"%PDF-1.4 receipt 1001")
PNG = Attachment("speedtest.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"0" * 64)
URL_LINE = PUBLIC_URL + "/files/"


@pytest.fixture
def bot_settings(twilio_fake):
    return twilio_settings(twilio_fake)


async def fetch(app: TwilioWebhooks, url: str):
    """What Twilio (or a phone) gets from a link the bot sent: public URL, served by the app."""
    assert url.startswith(URL_LINE), url
    parts = urlsplit(url)
    return await app.client.get(f"{parts.path}?{parts.query}")


async def in_window(app: TwilioWebhooks, number: str) -> None:
    """The person wrote just now: free-form messages (and media) may go."""
    await app.whatsapp(number, "hi")


async def test_a_pdf_reaches_twilio_as_media_url_that_serves_its_bytes(twilio_app):
    await in_window(twilio_app, UK)
    sender = twilio_app.client.app[SENDERS_KEY]["whatsapp"]
    before = len(twilio_app.fake.messages)
    assert await sender.send(UK, [Reply("Your receipt for order 1001.", attachment=PDF)])

    # A document takes no caption on WhatsApp: the text, then the file on its own.
    text, document = twilio_app.fake.messages[before:]
    assert text.body == "Your receipt for order 1001." and text.media_urls == []
    assert document.body is None and len(document.media_urls) == 1
    response = await fetch(twilio_app, document.media_urls[0])
    assert response.status == 200
    # Twilio refuses media whose Content-Type does not match the file.
    assert response.headers["Content-Type"] == "application/pdf"
    assert "receipt-1001.pdf" in response.headers["Content-Disposition"]
    assert await response.read() == PDF.data


async def test_a_picture_goes_with_its_text_as_caption_and_a_long_text_before_it(twilio_app):
    await in_window(twilio_app, UK)
    sender = twilio_app.client.app[SENDERS_KEY]["whatsapp"]
    fake = twilio_app.fake

    before = len(fake.messages)
    await sender.reply(UK, [Reply("The speed test you sent.", attachment=PNG)])
    [captioned] = fake.messages[before:]
    assert captioned.body == "The speed test you sent." and len(captioned.media_urls) == 1
    assert await (await fetch(twilio_app, captioned.media_urls[0])).read() == PNG.data

    # Longer than one message: the text in parts, the picture with none of them, once.
    long_text = "\n".join(f"Line {n}: " + "x" * 90 for n in range(30))
    before = len(fake.messages)
    await sender.reply(UK, [Reply(long_text, attachment=PNG)])
    sent = fake.messages[before:]
    assert [len(m.media_urls) for m in sent] == [0, 0, 1]
    assert all(m.body and len(m.body) <= 1600 for m in sent[:2]) and sent[2].body is None
    assert "".join(m.body or "" for m in sent).count("Line ") == 30


async def test_a_file_whatsapp_cannot_show_is_sent_as_its_link(twilio_app):
    await in_window(twilio_app, UK)
    sender = twilio_app.client.app[SENDERS_KEY]["whatsapp"]
    webp = Attachment("photo.webp", "image/webp", b"RIFF....WEBPVP8 ")
    before = len(twilio_app.fake.messages)
    await sender.reply(UK, [Reply("An agent's picture.", attachment=webp)])
    [message] = twilio_app.fake.messages[before:]
    assert message.media_urls == []
    first, line = message.body.split("\n")
    assert first == "An agent's picture." and line.startswith("File photo.webp: " + URL_LINE)
    response = await fetch(twilio_app, line.split(": ", 1)[1])
    assert response.headers["Content-Type"] == "image/webp"
    assert await response.read() == webp.data


async def test_outside_the_window_the_template_and_the_sms_carry_the_link(twilio_app, clock):
    fake = twilio_app.fake
    sender = twilio_app.client.app[SENDERS_KEY]["whatsapp"]
    await in_window(twilio_app, IRAN)
    clock.advance(timedelta(hours=25))
    receipt = Reply("رسید سفارش ۱۰۰۱\n" + "مبلغ " * 250, attachment=PDF, language="fa")

    before = len(fake.messages)
    assert await sender.send(IRAN, [receipt])
    [template] = fake.messages[before:]
    assert template.content_sid == TEMPLATES["fa"] and template.media_urls == []
    variable = json.loads(template.content_variables)["1"]
    assert len(variable) <= 1000  # the text is cut to fit, the link kept whole
    line = variable.splitlines()[-1]
    assert line.startswith("فایل receipt-1001.pdf: " + URL_LINE)
    assert await (await fetch(twilio_app, line.split(": ", 1)[1])).read() == PDF.data

    # No template for the language, so an SMS: the file's link as its last line.
    fake.fail_next(code=63016, message="Failed to send freeform message outside the window")
    before = len(fake.messages)
    assert await sender.send(IRAN, [receipt])
    [sms] = fake.messages[before:]
    assert sms.channel == "sms"
    line = sms.body.splitlines()[-1]
    assert line.startswith("فایل receipt-1001.pdf: " + URL_LINE)
    assert await (await fetch(twilio_app, line.split(": ", 1)[1])).read() == PDF.data


@pytest.mark.parametrize(
    ("language", "label"),
    [("en", "File"), ("id", "Berkas"), ("fa", "فایل")],
)
async def test_an_sms_names_the_file_and_links_it_in_the_readers_language(
    twilio_app, language, label
):
    sender = twilio_app.client.app[SENDERS_KEY]["sms"]
    before = len(twilio_app.fake.messages)
    assert await sender.send(UK, [Reply("Receipt 1001", attachment=PDF, language=language)])
    [sms] = twilio_app.fake.messages[before:]
    text, line = sms.body.split("\n")
    assert text == "Receipt 1001" and sms.media_urls == []
    assert line.startswith(f"{label} receipt-1001.pdf: {URL_LINE}")
    response = await fetch(twilio_app, line.split(": ", 1)[1])
    assert response.status == 200 and await response.read() == PDF.data


@pytest.mark.parametrize(
    ("text", "caption", "expected"),
    [
        ("Hello", True, [("Hello", "U")]),
        ("Hello", False, [("Hello", None), (None, "U")]),
        ("", True, [(None, "U")]),
        ("x" * (CAPTION_MAX + 1), True, [("x" * (CAPTION_MAX + 1), None), (None, "U")]),
    ],
)
def test_one_media_a_message_and_a_caption_only_where_it_fits(text, caption, expected):
    assert whatsapp_messages(text, "U", caption=caption) == expected
    assert whatsapp_messages(text, None, caption=caption) == [
        (body, None) for body, _ in expected if body
    ]
