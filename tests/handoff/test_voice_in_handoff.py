"""A voice note sent during a live hand-off reaches the agents' topic, as any file does."""

# ruff: noqa: F811  (fixtures imported from other modules are passed by parameter name)

from __future__ import annotations

from core.tickets.models import TicketAttachment
from tests.fakes_telegram import _message, next_update_id
from tests.fakes_twilio import twilio_fake  # noqa: F401  (a fixture)
from tests.handoff.test_agent_files_and_survey import (
    SARA_TG,
    post_update,
    telegram_ticket_in_its_topic,
)
from tests.handoff.test_agent_group import (  # noqa: F401  (fixtures)
    GROUP,
    REZA,
    bot_api,
    bot_settings,
    desk,
)

OGG = b"OggS" + b"\x00" * 60


async def test_a_voice_note_in_a_live_hand_off_reaches_the_agent(desk, services, bot_settings):
    _chat, ticket, thread = await telegram_ticket_in_its_topic(desk, services, bot_settings)
    await desk.write(thread, REZA, "Tell me what the modem does")
    await desk.send_notices()
    desk.api.add_file("voice-9", OGG, "voice/file_9.oga")
    voice = {"file_id": "voice-9", "file_unique_id": "uvoice-9", "duration": 4,
             "mime_type": "audio/ogg", "file_size": len(OGG)}  # fmt: skip
    update = {"update_id": next_update_id(), "message": _message(SARA_TG, "en", voice=voice)}
    assert await post_update(desk)(update) == 200
    [kept] = await TicketAttachment.filter(message__ticket_id=ticket.id)
    assert kept.content_type == "audio/ogg"
    desk.api.clear()
    await desk.mirror()
    sent = [c for c in desk.api.calls if c.chat_id == GROUP and c.files]
    assert [list(c.files.values()) for c in sent] == [[(kept.filename, OGG)]]
