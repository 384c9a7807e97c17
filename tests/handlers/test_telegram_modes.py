"""Long polling for a developer without a public URL, and registering the webhook."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.cli.serve import serve_command
from bot.cli.telegram import set_webhook
from bot.dialogs.state import MemoryStateStore
from bot.handlers.telegram.webhook import ALLOWED_UPDATES
from tests.fakes_telegram import TOKEN, message_update
from tests.handlers.test_telegram import SECRET, bot_api, telegram_settings  # noqa: F401


async def test_polling_reads_updates_and_answers_through_the_same_api(
    services,
    bot_settings,
    bot_api,  # noqa: F811
):
    bot_api.webhook = {"url": "https://old.example/telegram/webhook"}
    settings = telegram_settings(bot_settings, bot_api, telegram_polling=True)
    app = init_app(
        bootstrap(settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    async with TestClient(TestServer(app)) as client:
        bot_api.queue_update(message_update(4242, "hello"))
        [reply] = await bot_api.wait_for("sendMessage")
        assert reply.chat_id == 4242
        assert "Welcome! What would you like to do?" in reply.params["text"]
        assert bot_api.webhook is None  # getUpdates works only without a webhook
        # Polling mode serves no webhook.
        response = await client.post("/telegram/webhook", json=message_update(4242, "hi"))
        assert response.status in (404, 405)


async def test_set_webhook_registers_the_public_url_with_the_secret_and_the_update_types(
    bot_settings,
    bot_api,  # noqa: F811
    capsys,
):
    settings = telegram_settings(bot_settings, bot_api, public_url="https://isp.example/")
    settings = settings.model_copy(update={"telegram_webhook_max_connections": 24})
    await set_webhook(settings)
    assert "https://isp.example/telegram/webhook" in capsys.readouterr().out
    assert bot_api.webhook == {
        "url": "https://isp.example/telegram/webhook",
        "secret_token": SECRET,
        "allowed_updates": ALLOWED_UPDATES,
        "max_connections": "24",  # a form field on the wire, as every number
    }


async def test_set_webhook_without_the_secret_stops_with_one_line(bot_settings, capsys):
    settings = bot_settings.model_copy(update={"telegram_token": SecretStr(TOKEN)})
    with pytest.raises(SystemExit) as stopped:
        await set_webhook(settings)
    assert stopped.value.code == 2
    assert capsys.readouterr().err.strip() == (
        "ispbot: set ISPBOT_TELEGRAM_TOKEN and ISPBOT_TELEGRAM_WEBHOOK_SECRET first"
    )


def test_serve_takes_the_polling_switch():
    def parsed(*args: str) -> dict:
        return serve_command.make_context("serve", list(args)).params

    assert parsed("--telegram-polling")["telegram_polling"] is True
    assert parsed()["telegram_polling"] is False
