"""aiogram's response models are held for the process (bench/RESULTS.md: pydantic keeps them
weakly, and in the server they were made again and again)."""

from __future__ import annotations

from aiogram.methods import DeleteMessage, EditMessageText, SendDocument, SendMessage
from aiogram.methods.base import Response

from bot.adapters import telegram_responses
from bot.adapters.telegram_bot import create_bot
from bot.adapters.telegram_limits import SendLimiter
from bot.config import BotSettings


async def test_a_bot_holds_the_response_models_of_the_methods_it_calls():
    settings = BotSettings(_env_file=None, telegram_token="123:abc")
    bot = create_bot(settings, SendLimiter())
    await bot.session.close()
    held = {id(model) for model in telegram_responses._held.values()}
    for method in (SendMessage, EditMessageText, SendDocument, DeleteMessage):
        assert id(Response[method.__returning__]) in held
