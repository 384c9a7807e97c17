"""Personal data out of a text before it is kept: numbers (phones, national IDs, amounts, card
numbers), emails, links and ids that mix letters and digits. Names cannot be told from other
words reliably; a number or an address is what a subscriber most often types."""

from __future__ import annotations

import re

from core.typed_text import without_direction_controls

MAX_LENGTH = 500

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_URL = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
# A word with a digit in it: a number, a username, a code, a plate ("A12B", "۰۹۱۲۳").
_WITH_DIGITS = re.compile(r"\w*\d[\w\-./]*", re.UNICODE)
_SPACES = re.compile(r"\s+")


def scrubbed(text: str) -> str:
    # Lone surrogates and NUL cannot be stored in PostgreSQL's text.
    text = text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    text = without_direction_controls(text)
    text = _EMAIL.sub("[email]", text)
    text = _URL.sub("[link]", text)
    text = _WITH_DIGITS.sub("[number]", text)
    text = _SPACES.sub(" ", text).strip()
    return text[:MAX_LENGTH]
