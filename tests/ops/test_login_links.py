"""A login link end to end: the ISP's site asks the admin API for one (optionally sent by SMS),
the subscriber opens its web chat URL and the chat is logged in; opened again, it is refused."""

from __future__ import annotations

import asyncio
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import WSMsgType

from core.accounts import queries
from core.admin.tokens import AdminTokens
from tests.dialogs.conftest import make_subscriber


@pytest.fixture
async def headers(services) -> dict[str, str]:
    token = (await AdminTokens(services.clock).create("site")).token
    return {"Authorization": f"Bearer {token}"}


async def _texts_until_menu(ws) -> str:
    texts = []
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout=5)
        assert message.type == WSMsgType.TEXT, message
        frame = message.json()
        texts.append(frame["text"])
        if frame["options"]:
            return "\n".join(texts)


async def test_a_link_from_the_api_logs_the_web_chat_in_once(client, headers, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    response = await client.post("/api/v1/subscribers/5120001/login-link", json={}, headers=headers)
    assert response.status == 201
    body = await response.json()
    assert body["code"].startswith("LOGIN-") and body["sent_sms"] is False
    url = urlsplit(body["links"]["webchat"])
    token = parse_qs(url.query)["login"][0]
    assert set(body["links"]) == {"webchat"}  # no Telegram username, no WhatsApp here

    await client.get("/")
    async with client.ws_connect(f"/ws?lang=en&login={token}") as ws:
        assert "Welcome, Sara Rahimi! You are logged in." in await _texts_until_menu(ws)
    chats = await queries.chats_of(subscriber.id)
    assert [chat.channel for chat in chats] == ["web"]

    await client.get("/")
    async with client.ws_connect(f"/ws?lang=en&login={token}") as ws:
        assert "This login link was already used" in await _texts_until_menu(ws)


async def test_a_link_sent_by_sms_goes_to_the_registered_mobile(client, headers, bot_settings, sms):
    await make_subscriber(bot_settings)

    response = await client.post(
        "/api/v1/subscribers/5120001/login-link", json={"send_sms": True}, headers=headers
    )

    assert response.status == 201
    body = await response.json()
    to, text = sms.sent[-1]
    assert to == "+989121234567"
    assert body["links"]["webchat"] in text


async def test_a_line_without_a_mobile_cannot_be_sent_a_link_and_none_is_made(
    client, headers, bot_settings
):
    await make_subscriber(bot_settings, mobile=None)

    response = await client.post(
        "/api/v1/subscribers/5120001/login-link", json={"send_sms": True}, headers=headers
    )

    assert response.status == 422
    assert (await response.json())["fields"][0]["field"] == "send_sms"
    from core.accounts.models import LoginLink

    assert await LoginLink.all().count() == 0


async def test_an_unknown_subscriber_gets_no_link(client, headers):
    response = await client.post("/api/v1/subscribers/nobody/login-link", json={}, headers=headers)
    assert response.status == 404
