"""One-time codes sent to prove an address is the subscriber's (a new mobile by SMS, a new
email address): made, compared as typed in any script's digits, and kept only as a hash."""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

CODE_DIGITS = 6


def new_code() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))


def code_digits(text: str) -> str:
    """The code as ASCII digits, whatever script it was typed in (spaces and dashes between
    them allowed); anything else makes it a wrong code."""
    digits = [unicodedata.decimal(ch, None) for ch in text if not ch.isspace() and ch != "-"]
    if None in digits:
        return ""
    return "".join(str(d) for d in digits)


def digest(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()
