"""One text as several messages when a channel limits a message's length (Telegram 4096
characters, Twilio 1600)."""

from __future__ import annotations


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in parts of at most ``limit`` characters, cut at a line end where one is near,
    else at a space, and mid-word only in a run with neither. The whitespace at a cut goes: a
    part neither starts nor ends with it."""
    parts: list[str] = []
    while len(text) > limit:
        cut = _cut(text, limit)
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    parts.append(text)
    return parts


def _cut(text: str, limit: int) -> int:
    for separator in ("\n", " "):
        cut = text.rfind(separator, 0, limit)
        if cut > 0:
            return cut
    return limit
