"""``ispbot telegram set-webhook``: tell Telegram to post updates to this app's webhook."""

from __future__ import annotations

import argparse
import sys

from bot.adapters.telegram_limits import SendLimiter
from bot.config import BotSettings
from bot.handlers.telegram_webhook import ALLOWED_UPDATES, create_bot, register_webhook


def add_parsers(sub: argparse._SubParsersAction) -> None:
    telegram = sub.add_parser("telegram", help="Telegram channel set-up")
    actions = telegram.add_subparsers(dest="telegram_action", required=True)
    actions.add_parser(
        "set-webhook",
        help="register ISPBOT_PUBLIC_URL/telegram/webhook with the webhook secret",
    )


async def run(settings: BotSettings, args: argparse.Namespace) -> None:
    if settings.telegram_token is None or settings.telegram_webhook_secret is None:
        print(
            "ispbot: set ISPBOT_TELEGRAM_TOKEN and ISPBOT_TELEGRAM_WEBHOOK_SECRET first",
            file=sys.stderr,
        )
        raise SystemExit(2)
    if args.telegram_action == "set-webhook":
        bot = create_bot(settings, SendLimiter.from_settings(settings))
        try:
            url = await register_webhook(bot, settings)
        finally:
            await bot.session.close()
        print(f"ispbot: Telegram posts {', '.join(ALLOWED_UPDATES)} to {url}")
