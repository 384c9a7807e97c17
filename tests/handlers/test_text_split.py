"""A text longer than a channel's message limit goes as several messages, cut where a reader
would: at a line end, else between words."""

from __future__ import annotations

import pytest

from bot.handlers.text_split import split_text


@pytest.mark.parametrize(
    ("text", "limit", "parts"),
    [
        ("short", 10, ["short"]),
        ("", 10, [""]),
        ("exactly 10", 10, ["exactly 10"]),
        ("one line\nanother line", 15, ["one line", "another line"]),
        ("a b\nc d e f", 9, ["a b", "c d e f"]),  # the line end wins over a later space
        ("words without line ends", 10, ["words", "without", "line ends"]),
        ("xxxxxxxxxxxxxxxxxxxxxxxxx", 10, ["xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"]),
        ("first  \n\n  second", 8, ["first", "second"]),  # no blank edges on a part
        ("۱۲۳۴ ۵۶۷۸ ۹۰", 10, ["۱۲۳۴ ۵۶۷۸", "۹۰"]),  # characters, not bytes
    ],
)
def test_a_long_text_is_cut_at_line_ends_then_spaces(text, limit, parts):
    assert split_text(text, limit) == parts


@pytest.mark.parametrize("limit", [1600, 4096])
def test_every_part_fits_and_nothing_is_lost(limit):
    text = "\n".join(f"بند {n}: " + "کلمه " * (n % 40) + "x" * (n % 300) for n in range(400))
    parts = split_text(text, limit)
    assert len(parts) > 1
    assert all(0 < len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
