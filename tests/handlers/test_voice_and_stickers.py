"""Voice notes, videos and stickers on Telegram are not dropped: at no question the subscriber
is told the bot reads text; in a ticket the file is kept for the agent (WhatsApp's:
test_whatsapp_voice.py)."""

# The fixtures come from tests/handlers/test_telegram.py.
# ruff: noqa: F811

from __future__ import annotations

import pytest

from core.tickets.models import Ticket, TicketAttachment
from tests.dialogs.test_flows_billing_support import subscriber
from tests.fakes_telegram import _message, next_update_id
from tests.handlers.test_telegram import (  # noqa: F401  (fixtures)
    SARA,
    bot_api,
    client,
    fake_time,
    log_in,
    sara_chat,
)

OGG = b"OggS" + b"\x00" * 60
MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 60
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 40
READS_TEXT = "I can only read text"


def voice_update(file_id: str, size: int) -> dict:
    voice = {"file_id": file_id, "file_unique_id": f"u{file_id}", "duration": 3,
             "mime_type": "audio/ogg", "file_size": size}  # fmt: skip
    return {"update_id": next_update_id(), "message": _message(SARA, "en", voice=voice)}


def sticker_update(file_id: str, size: int) -> dict:
    sticker = {"file_id": file_id, "file_unique_id": f"u{file_id}", "type": "regular",
               "width": 512, "height": 512, "is_animated": False, "is_video": False,
               "file_size": size}  # fmt: skip
    return {"update_id": next_update_id(), "message": _message(SARA, "en", sticker=sticker)}


async def test_telegram_voice_note_and_sticker_at_the_menu_are_answered(
    sara_chat, bot_api, bot_settings
):
    await subscriber(bot_settings)
    await log_in(sara_chat)
    bot_api.add_file("voice-1", OGG, "voice/file_1.oga")
    await sara_chat._deliver(voice_update("voice-1", len(OGG)))
    assert READS_TEXT in sara_chat.text
    bot_api.add_file("sticker-1", WEBP, "stickers/file_2.webp")
    await sara_chat._deliver(sticker_update("sticker-1", len(WEBP)))
    assert READS_TEXT in sara_chat.text
    assert "My service" in str(sara_chat.shown[-1].buttons)  # and the menu


async def test_telegram_voice_note_in_a_new_ticket_is_kept_for_the_agent(
    sara_chat, bot_api, bot_settings
):
    sara = await subscriber(bot_settings)
    await log_in(sara_chat)
    await sara_chat.press("Support tickets")
    await sara_chat.press("New ticket")
    await sara_chat.press("Technical")
    await sara_chat.press("Medium")
    await sara_chat.say("No Internet")
    await sara_chat.say("Listen to the modem's beeping, please.")
    bot_api.add_file("voice-2", OGG, "voice/file_3.oga")
    await sara_chat._deliver(voice_update("voice-2", len(OGG)))
    assert "voice-" in sara_chat.text  # listed among the files kept
    await sara_chat.press("Done")
    ticket = await Ticket.get(subscriber_id=sara.id)
    [voice] = await TicketAttachment.filter(message__ticket_id=ticket.id)
    assert voice.content_type == "audio/ogg"


@pytest.mark.parametrize("content_type", ["audio/ogg", "video/mp4"])
def test_a_voice_note_or_video_is_never_a_document_for_review(content_type, bot_settings):
    from core.errors import InvalidInput
    from core.uploads import check_upload

    data = OGG if content_type == "audio/ogg" else MP4
    assert check_upload(bot_settings, "f", content_type, data, voice_and_video=True)
    with pytest.raises(InvalidInput):
        check_upload(bot_settings, "f", content_type, data)
