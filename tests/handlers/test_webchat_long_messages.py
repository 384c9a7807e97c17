"""A ticket's message through the web chat's socket: 6,000 characters are stored whole, and a
text longer than a turn carries is refused with the limit said, nothing stored or cut."""

from __future__ import annotations

from core.tickets.limits import BODY_MAX_LENGTH
from core.tickets.models import Ticket, TicketMessage
from tests.dialogs.conftest import make_subscriber
from tests.handlers.test_webchat import _next_reply, _replies_until_options


async def choose(ws, frames: list[dict], label: str) -> list[dict]:
    option = next(o["id"] for o in frames[-1]["options"] if label in o["label"])
    await ws.send_json({"type": "choice", "id": option})
    return await _replies_until_options(ws)


async def say(ws, text: str) -> list[dict]:
    await ws.send_json({"type": "text", "text": text})
    return await _replies_until_options(ws)


async def up_to_the_message(ws) -> None:
    greeting = await _replies_until_options(ws)
    login = next(o["id"] for o in greeting[-1]["options"] if o["label"] == "Log in")
    await ws.send_json({"type": "choice", "id": login})
    await _next_reply(ws)
    await ws.send_json({"type": "text", "text": "5120001"})
    await _next_reply(ws)
    frames = await say(ws, "Secret-2468")
    frames = await say(ws, "tickets")
    frames = await choose(ws, frames, "New ticket")
    frames = await choose(ws, frames, "Technical")
    medium = next(o["id"] for o in frames[-1]["options"] if o["label"] == "Medium")
    await ws.send_json({"type": "choice", "id": medium})
    assert "subject" in (await _next_reply(ws))["text"]  # no service: no question about one
    await ws.send_json({"type": "text", "text": "A long story"})
    assert "describe the problem" in (await _next_reply(ws))["text"]


async def test_a_6000_character_message_is_stored_whole(client, bot_settings):
    await make_subscriber(bot_settings)
    await client.get("/")
    body = "The line drops. " * 375  # 6,000 characters
    async with client.ws_connect("/ws?lang=en") as ws:
        await up_to_the_message(ws)
        await ws.send_json({"type": "text", "text": body})
        frames = await _replies_until_options(ws)
        await choose(ws, frames, "Done")

    [message] = await TicketMessage.all()
    assert message.body == body.strip() and len(message.body) == 5999


async def test_a_longer_text_than_a_turn_carries_is_refused_with_the_limit(client, bot_settings):
    await make_subscriber(bot_settings)
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        await up_to_the_message(ws)
        await ws.send_json({"type": "text", "text": "x" * (BODY_MAX_LENGTH + 1)})
        refusal = await _next_reply(ws)
        assert "at most 10,000 characters" in refusal["text"]
        assert "shorten it, or send it in parts" in refusal["text"]
        asked_again = await _next_reply(ws)
        assert "describe the problem" in asked_again["text"]

    assert not await Ticket.exists()
