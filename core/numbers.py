"""Whole numbers in what machines and agents write (links, paths, commands, CSV cells)."""

from __future__ import annotations


def whole_number(text: str | None, low: int | None = None, high: int | None = None) -> int | None:
    """``text`` as a whole number when it is ASCII digits alone and, given ``low`` and ``high``,
    within them (both included); else None. Not for what subscribers type, which
    bot.dialogs.normalize.parse_int reads (Persian digits, separators): here "²" or "٣", which
    Python's own ``isdigit`` lets through and ``int`` then refuses or reads, are not numbers."""
    if not text or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number
