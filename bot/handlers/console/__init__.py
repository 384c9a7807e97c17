"""``ispbot chat``: the same engine in a terminal, for operators and tests.

Options are shown as numbered lines (type the number or the words); passwords are read without
echo when a terminal is attached.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Callable, Sequence
from typing import TextIO

from bot.dialogs.contract import Reply, Turn
from bot.dialogs.engine import Engine
from bot.handlers.plain_text import PlainText

CHANNEL = "console"


# Each line under the text indented; a link marked with an arrow.
CONSOLE_TEXT = PlainText(indent="  ", link_mark="-> ", keep_empty_text=True)


def render(replies: Sequence[Reply]) -> str:
    lines: list[str] = []
    for reply in replies:
        lines += CONSOLE_TEXT.lines(reply)
        lines.append("")
    return "\n".join(lines)


async def chat_loop(
    engine: Engine,
    chat_id: str,
    language_hint: str | None,
    *,
    read_line: Callable[[bool], str | None],
    out: TextIO = sys.stdout,
) -> None:
    """Talk until end of input. ``read_line(secret)`` returns a line, or None at the end.

    A language given (``--lang``) is this session's: the chat speaks it whatever it spoke
    before, and the logged-in subscriber's own stays as it is."""
    if language_hint:
        await engine.services.chats.set_language(
            CHANNEL, chat_id, language_hint, subscriber_too=False
        )
    outcome = await engine.handle(
        Turn(CHANNEL, chat_id, chat_id, choice="engine:resume", language_hint=language_hint)
    )
    while True:
        out.write(render(outcome.replies))
        out.flush()
        secret = bool(outcome.replies) and outcome.replies[-1].expects_secret
        line = await asyncio.to_thread(read_line, secret)
        if line is None:
            return
        if not line.strip():
            outcome.replies = []
            continue
        outcome = await engine.handle(
            Turn(CHANNEL, chat_id, chat_id, text=line, language_hint=language_hint)
        )


def terminal_reader(secret: bool) -> str | None:
    try:
        if secret and sys.stdin.isatty():
            return getpass.getpass("> ")
        return input("> ")
    except EOFError:
        return None
