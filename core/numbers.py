"""Whole numbers in what machines and agents write (links, paths, commands, CSV cells)."""

from __future__ import annotations

# Longer than any number these places hold (int64 has 19 digits); int() refuses past 4300
# digits with an error, and reads slowly long before that.
MAX_DIGITS = 30


def whole_number(text: str | None, low: int | None = None, high: int | None = None) -> int | None:
    """``text`` as a whole number when it is ASCII digits alone and, given ``low`` and ``high``,
    within them (both included); else None. Not for what subscribers type, which
    bot.dialogs.normalize.parse_int reads (Persian digits, separators): here "²" or "٣", which
    Python's own ``isdigit`` lets through and ``int`` then refuses or reads, are not numbers, nor
    is a run of more than MAX_DIGITS digits."""
    if not text or len(text) > MAX_DIGITS or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number
