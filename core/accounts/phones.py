"""Phone numbers as people type them, turned into E.164 (``+989121234567``).

Pure functions, no library: the subscribers are in Iran and Indonesia, where the forms are few.
"""

from __future__ import annotations

import re

# Persian (U+06F0..) and Arabic-Indic (U+0660..) digits, as typed on Persian and Arabic keyboards.
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
# What people put between digit groups: spaces (also no-break and thin), dashes, dots, brackets,
# and the invisible marks that Persian keyboards and right-to-left text leave behind.
_SEPARATORS = re.compile(r"[\s\-.()/\u200c\u200e\u200f\u202a-\u202e\u2066-\u2069]")

CALLING_CODES = {"IR": "98", "ID": "62"}
# Digits after the calling code (without the trunk zero) that a number may have, per country.
_NATIONAL_LENGTHS = {"98": range(10, 11), "62": range(8, 13)}


def ascii_digits(text: str) -> str:
    """``"۰۹۱۲"`` → ``"0912"``; other characters are kept."""
    return text.translate(_DIGITS)


def normalise_phone(text: str, default_country: str | None) -> str | None:
    """The number in E.164, or None when ``text`` is not a plausible phone number.

    ``default_country`` (ISO 3166 alpha-2: ``"IR"``, ``"ID"``) says what a national form (a leading
    trunk ``0``, or none at all) means; without one only international forms are accepted.
    """
    raw = _SEPARATORS.sub("", ascii_digits(text or "").strip())
    if raw.startswith("+"):
        digits = raw[1:]
        international = True
    elif raw.startswith("00"):
        digits = raw[2:]
        international = True
    else:
        digits = raw
        international = False
    if not digits.isdigit() or not digits.isascii():
        return None

    if international:
        for code in CALLING_CODES.values():
            if digits.startswith(code):
                # "+98 (0)912..." : the trunk zero is sometimes kept after the calling code.
                return _build(code, digits[len(code) :].removeprefix("0"))
        if digits.startswith("0") or not 7 <= len(digits) <= 15:
            return None
        return "+" + digits

    calling = CALLING_CODES.get((default_country or "").upper())
    if calling is None:
        return None
    code = calling
    if digits.startswith("0"):
        return _build(code, digits[1:])
    # The calling code without "+" or "00": "989121234567", "6281234567890".
    if digits.startswith(code) and len(digits) - len(code) in _NATIONAL_LENGTHS[code]:
        national = digits[len(code) :]
        if _looks_mobile(code, national):
            return _build(code, national)
    # A mobile number without its trunk zero: "9121234567", "81234567890".
    if _looks_mobile(code, digits):
        return _build(code, digits)
    return None


def is_mobile(e164: str) -> bool:
    """The E.164 number is a mobile (it can take an SMS). Iran's and Indonesia's landlines
    (``+982144556677``, ``+62211234567``) are not; other countries' numbers are taken on trust."""
    for code in CALLING_CODES.values():
        if e164.startswith("+" + code):
            return _looks_mobile(code, e164[1 + len(code) :])
    return e164.startswith("+")


def _looks_mobile(code: str, national: str) -> bool:
    if code == "98":
        return len(national) == 10 and national.startswith("9")
    return 9 <= len(national) <= 12 and national.startswith("8")


def _build(code: str, national: str) -> str | None:
    if not national or national.startswith("0"):
        return None
    if len(national) not in _NATIONAL_LENGTHS.get(code, range(4, 15)):
        return None
    return f"+{code}{national}"
