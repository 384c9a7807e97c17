"""A bare aiogram 3 echo bot on a webhook, as aiogram's documentation sets one up: the yardstick
for ispbot's turn. aiogram's SimpleRequestHandler answers Telegram at once and handles the
update in the background (its default).

    python bench/echo_aiogram.py --port 8941 --api http://127.0.0.1:8931
"""

from __future__ import annotations

import argparse

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
from aiohttp import web
from common import SECRET, TOKEN  # type: ignore[import-not-found]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8941)
    parser.add_argument("--api", default="http://127.0.0.1:8931")
    args = parser.parse_args()

    dispatcher = Dispatcher()

    @dispatcher.message()
    async def echo(message: Message) -> None:
        await message.answer(message.text or "?")

    session = AiohttpSession(api=TelegramAPIServer.from_base(args.api))
    bot = Bot(TOKEN, session=session)
    app = web.Application()
    SimpleRequestHandler(dispatcher, bot, secret_token=SECRET).register(
        app, path="/telegram/webhook"
    )
    setup_application(app, dispatcher, bot=bot)
    web.run_app(app, host="127.0.0.1", port=args.port, print=None)


if __name__ == "__main__":
    main()
