"""``ispbot chat``: talk to the bot in this terminal (bot/handlers/console/)."""

from __future__ import annotations

import asyncio
import getpass

import click

from bot.cli.context import opened, pass_settings
from bot.config import BotSettings
from core.accounts.enums import Language


@click.command("chat", help="talk to the bot in this terminal")
@click.option(
    "--lang",
    type=click.Choice([language.value for language in Language]),
    default=None,
    help="the language of this session (asked on first contact when not given)",
)
@click.option("--chat-id", default=None, help="the console chat's id (default: per user)")
@pass_settings
def chat_command(settings: BotSettings, lang: str | None, chat_id: str | None) -> None:
    asyncio.run(chat(settings, lang, chat_id or f"console-{getpass.getuser()}"))


async def chat(settings: BotSettings, language: str | None, chat_id: str) -> None:
    from bot.handlers.console import chat_loop, terminal_reader

    async with opened(settings) as wiring:
        await chat_loop(wiring.engine, chat_id, language, read_line=terminal_reader)
