"""``ispbot chat``: the engine in a terminal, options numbered, passwords read as secrets."""

from __future__ import annotations

import io

from bot.handlers.console import chat_loop
from tests.dialogs.conftest import make_subscriber


async def test_the_console_numbers_options_and_reads_the_password_as_a_secret(engine, bot_settings):
    await make_subscriber(bot_settings)
    out = io.StringIO()
    asked_secret: list[bool] = []
    lines = iter(["1", "5120001", "Secret-2468"])

    def read_line(secret: bool) -> str | None:
        asked_secret.append(secret)
        return next(lines, None)

    await chat_loop(engine, "op-1", "en", read_line=read_line, out=out)
    shown = out.getvalue()
    assert "  1. Log in" in shown
    assert "Welcome, Sara Rahimi" in shown
    assert asked_secret == [False, False, True, False]
    assert "Secret-2468" not in shown


async def test_the_consoles_language_is_the_sessions_and_not_the_lines(engine, bot_settings):
    from core.accounts.models import Subscriber

    subscriber = await make_subscriber(bot_settings, language="fa")
    lines = iter(["1", "5120001", "Secret-2468"])
    await chat_loop(engine, "op-1", "fa", read_line=lambda _: next(lines, None), out=io.StringIO())
    assert (await Subscriber.get(id=subscriber.id)).language == "fa"

    out = io.StringIO()
    await chat_loop(engine, "op-1", "en", read_line=lambda _: None, out=out)

    assert "My service" in out.getvalue()  # the logged-in menu, in English
    assert (await Subscriber.get(id=subscriber.id)).language == "fa"
