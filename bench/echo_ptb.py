"""A bare python-telegram-bot echo bot on a webhook with the library's defaults (its own
tornado server; updates handled one at a time): the second yardstick.

    python bench/echo_ptb.py --port 8942 --api http://127.0.0.1:8931
"""

from __future__ import annotations

import argparse

from common import SECRET, TOKEN  # type: ignore[import-not-found]
from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters


async def echo(update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
    assert update.message is not None
    await update.message.reply_text(update.message.text or "?")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8942)
    parser.add_argument("--api", default="http://127.0.0.1:8931")
    args = parser.parse_args()
    application = Application.builder().token(TOKEN).base_url(f"{args.api}/bot").build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.run_webhook(
        listen="127.0.0.1",
        port=args.port,
        url_path="telegram/webhook",
        secret_token=SECRET,
        webhook_url=f"http://127.0.0.1:{args.port}/telegram/webhook",
    )


if __name__ == "__main__":
    main()
