"""Whole numbers in links, paths, commands and CSV cells: ASCII digits only, within bounds."""

from __future__ import annotations

import pytest

from core.numbers import whole_number


@pytest.mark.parametrize(
    ("text", "low", "high", "expected"),
    [
        ("3", None, None, 3),
        ("0007", None, None, 7),
        ("31", 1, 31, 31),
        ("32", 1, 31, None),
        ("0", 1, 31, None),
        ("", None, None, None),
        (None, None, None, None),
        ("-3", None, None, None),
        ("+3", None, None, None),
        (" 3", None, None, None),
        ("3.0", None, None, None),
        ("²", None, None, None),  # str.isdigit says yes, int() refuses
        ("٣", None, None, None),  # int() reads it; a machine's number is ASCII
        ("۳", None, None, None),
        ("9" * 30, None, None, int("9" * 30)),
        ("9" * 31, None, None, None),
        ("9" * 5000, None, None, None),  # int() refuses past 4300 digits: no ValueError
    ],
)
def test_only_ascii_digits_within_the_bounds_are_a_whole_number(text, low, high, expected):
    assert whole_number(text, low, high) == expected
