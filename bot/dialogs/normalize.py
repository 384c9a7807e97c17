"""What people type, made comparable: digits, letters, invisible marks, spaces, numbers.

Subscribers type on Persian, Arabic and Indonesian keyboards; the same number or word arrives in
several spellings. Every function here is pure and table-tested (tests/dialogs/test_normalize.py).
Phone numbers are core's business: core.accounts.phones.normalise_phone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
ASCII_DIGITS = "0123456789"

_TO_ASCII_DIGITS = str.maketrans(PERSIAN_DIGITS + ARABIC_INDIC_DIGITS, ASCII_DIGITS * 2)
_TO_PERSIAN_DIGITS = str.maketrans(ASCII_DIGITS, PERSIAN_DIGITS)

# An Arabic keyboard (common on Iranian phones) types ي and ك where Persian spells ی and ک; the
# alef maksura ى is another look-alike of ی.
_ARABIC_TO_PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی"})

# Zero-width and bidi control characters: invisible, but they break equality and digit parsing.
_INVISIBLE = dict.fromkeys(
    [
        0x200B,  # zero-width space
        0x200C,  # zero-width non-joiner (Persian نیم‌فاصله)
        0x200D,  # zero-width joiner
        0x200E,  # left-to-right mark
        0x200F,  # right-to-left mark
        0x061C,  # Arabic letter mark
        0x2060,  # word joiner
        0xFEFF,  # byte order mark / zero-width no-break space
        *range(0x202A, 0x202F),  # LRE, RLE, PDF, LRO, RLO
        *range(0x2066, 0x206A),  # LRI, RLI, FSI, PDI
    ]
)

_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\w+")
# Separators people put inside a number they type or paste: spaces, dashes, dots, brackets.
_NUMBER_SEPARATORS = re.compile(r"[\s\-‐-―−.()]")
# Punctuation around a keyword that does not change what it means ("menu!", "help?", "؟راهنما").
_KEYWORD_EDGES = " \t.,;:!?¿¡'\"«»()[]{}،؛؟"


def to_ascii_digits(text: str) -> str:
    """Persian (۰-۹) and Arabic-Indic (٠-٩) digits become 0-9; everything else is kept."""
    return text.translate(_TO_ASCII_DIGITS)


def to_persian_digits(text: str) -> str:
    """0-9 become Persian digits (for text shown in fa); everything else is kept."""
    return text.translate(_TO_PERSIAN_DIGITS)


def unify_letters(text: str) -> str:
    """Arabic ي/ك/ى become the Persian ی/ک, so one word has one spelling."""
    return text.translate(_ARABIC_TO_PERSIAN_LETTERS)


def strip_invisible(text: str) -> str:
    """Remove zero-width non-joiners and joiners, bidi marks and embeddings, and the BOM."""
    return text.translate(_INVISIBLE)


def collapse_spaces(text: str) -> str:
    """Runs of any whitespace (tabs, newlines, no-break spaces) become one space; ends trimmed."""
    return _SPACES.sub(" ", text).strip()


def normalize_text(text: str) -> str:
    """The comparable form of a typed line: every rule above, after Unicode NFKC.

    NFKC folds Arabic presentation forms and full-width digits into their plain letters; it does
    not touch Persian digits, which to_ascii_digits handles. Invisible characters go before spaces
    collapse, so that a ZWNJ between two spaces does not leave two spaces behind.
    """
    text = unicodedata.normalize("NFKC", text)
    text = strip_invisible(text)
    text = to_ascii_digits(text)
    text = unify_letters(text)
    return collapse_spaces(text)


def fold(text: str) -> str:
    """The form used to compare commands, keywords and option labels: normalised, case-folded,
    without the punctuation people add around a word."""
    return normalize_text(text).casefold().strip(_KEYWORD_EDGES)


def label_match(text: str | None, ids: Sequence[str], labels: Sequence[str]) -> str | None:
    """The id of the option whose label ``text`` is (both folded), or None; ``ids`` and
    ``labels`` go in pairs."""
    folded = fold(text or "")
    if not folded:
        return None
    for option_id, label in zip(ids, labels, strict=False):
        if fold(label) == folded:
            return option_id
    return None


def word_match(text: str | None, ids: Sequence[str], labels: Sequence[str]) -> str | None:
    """The id of the one option whose label begins or ends with the words typed ("usage" for
    "Usage details", "tickets" for "Support tickets"), or None when no label does or several
    do. Looser than label_match: for a menu, where typed words mean nothing else."""
    typed = _WORDS.findall(fold(text or ""))
    if not typed:
        return None
    size = len(typed)
    found = [
        option_id
        for option_id, label in zip(ids, labels, strict=False)
        if len(words := _WORDS.findall(fold(label))) > size
        and typed in (words[:size], words[-size:])
    ]
    return found[0] if len(found) == 1 else None


def digits_of(text: str) -> str | None:
    """The digits of a number typed with spaces, dashes, dots or brackets ("0912 123-4567"), or
    None when anything else is in it. A leading + is kept (it matters for phone numbers)."""
    cleaned = _NUMBER_SEPARATORS.sub("", normalize_text(text))
    plus = cleaned.startswith("+")
    body = cleaned[1:] if plus else cleaned
    if not body.isascii() or not body.isdigit():
        return None
    return ("+" if plus else "") + body


def parse_int(text: str) -> int | None:
    """A whole number typed with optional thousands separators ("1,000", "۱٬۰۰۰", "1 000")."""
    cleaned = re.sub(r"[\s,٬']", "", normalize_text(text))
    if not cleaned.isascii() or not cleaned.isdigit():
        return None
    return int(cleaned)
