"""Global commands: words that work at any step, in every language, typed or pressed."""

from __future__ import annotations

from enum import StrEnum

from bot.dialogs.normalize import fold


class Command(StrEnum):
    MENU = "menu"
    BACK = "back"
    CANCEL = "cancel"
    LANGUAGE = "language"
    HELP = "help"
    AGENT = "agent"


# What people type for each command, in fa, id and en (folded: see normalize.fold). Telegram's
# slash commands and the usual synonyms are here too, because people do not read help first.
_KEYWORDS: dict[Command, tuple[str, ...]] = {
    Command.MENU: ("menu", "/menu", "/start", "start", "main menu", "منو", "منوی اصلی", "شروع"),
    Command.BACK: ("back", "/back", "بازگشت", "برگشت", "قبلی", "kembali"),
    Command.CANCEL: ("cancel", "/cancel", "لغو", "انصراف", "batal", "batalkan"),
    Command.LANGUAGE: ("language", "/language", "lang", "زبان", "bahasa"),
    Command.HELP: ("help", "/help", "راهنما", "کمک", "bantuan", "tolong"),
    Command.AGENT: (
        "agent",
        "/agent",
        "operator",
        "human",
        "اپراتور",
        "پشتیبان",
        "کارشناس",
        "agen",
        "cs",
    ),
}
_BY_WORD = {fold(word): command for command, words in _KEYWORDS.items() for word in words}

CHOICE_PREFIX = "cmd:"


def command_of(text: str | None, choice: str | None) -> Command | None:
    """The global command a turn asks for, if any: a pressed ``cmd:`` option or a keyword."""
    if choice and choice.startswith(CHOICE_PREFIX):
        try:
            return Command(choice.removeprefix(CHOICE_PREFIX))
        except ValueError:
            return None
    if text:
        return _BY_WORD.get(fold(text))
    return None
