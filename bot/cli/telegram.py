"""``ispbot telegram set-webhook``: tell Telegram to post updates to this app's webhook."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import pass_settings
from bot.cli.output import fail
from bot.config import BotSettings


@click.group("telegram", help="Telegram channel set-up")
def telegram() -> None:
    pass


@telegram.command(
    "set-webhook", help="register ISPBOT_PUBLIC_URL/telegram/webhook with the webhook secret"
)
@pass_settings
def set_webhook_command(settings: BotSettings) -> None:
    asyncio.run(set_webhook(settings))


async def set_webhook(settings: BotSettings) -> None:
    from bot.adapters.telegram_bot import create_bot
    from bot.adapters.telegram_limits import SendLimiter
    from bot.handlers.telegram.webhook import ALLOWED_UPDATES, register_webhook

    if settings.telegram_token is None or settings.telegram_webhook_secret is None:
        fail("set ISPBOT_TELEGRAM_TOKEN and ISPBOT_TELEGRAM_WEBHOOK_SECRET first")
    bot = create_bot(settings, SendLimiter.from_settings(settings))
    try:
        url = await register_webhook(bot, settings)
    finally:
        await bot.session.close()
    click.echo(f"ispbot: Telegram posts {', '.join(ALLOWED_UPDATES)} to {url}")
