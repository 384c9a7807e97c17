"""Masks secrets and personal data in log text: tokens, passwords, national IDs, mobiles.

The rules are textual so that they hold whatever module writes the line and however it formats
it; the values known to be sensitive for the current request (see context.py) are masked too.
"""

from __future__ import annotations

import re

from bot.observability.context import sensitive_values

MASK = "[redacted]"

# Password hashes are as good as passwords to an offline attacker.
_HASH = re.compile(r"\$argon2[a-z]*\$[A-Za-z0-9$=,+/.-]+")
_BEARER = re.compile(r"(?i)\b(bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{6,}")
# key=value, key: value, "key": "value" for keys that name a secret or an identity number.
_SECRET_PAIR = re.compile(
    r"""(?ix)
    (["']?\b[\w-]*(?:password|passwd|secret|token|authorization|api[_-]?key|cookie|
        national[_-]?id|nik)[\w-]*["']?\s*[:=]\s*)
    (?:"[^"]*"|'[^']*'|[^\s,;}&]+)
    """
)
# "...password for 2188001234 is: Xy7k-pq2" (the reset SMS) and its like.
_PASSWORD_SENTENCE = re.compile(r"(?i)(password\b[^\n:]{0,80}?\bis\b\s*:?\s*)(\S+)")
# A run of 8 or more digits (Latin, Persian or Arabic-Indic), with the separators people type:
# mobiles, national IDs, NIKs, card numbers. The last two digits stay, to tell lines apart.
_DIGIT = r"[0-9\u06f0-\u06f9\u0660-\u0669]"
_LONG_NUMBER = re.compile(rf"\+?{_DIGIT}(?:[\s\-.]?{_DIGIT}){{7,}}")


def _mask_number(match: re.Match[str]) -> str:
    text = match.group(0)
    digits = [c for c in text if c.isdigit()]
    return "*" * (len(digits) - 2) + "".join(digits[-2:])


def redact(text: str) -> str:
    for value in sorted(sensitive_values.get(), key=len, reverse=True):
        text = text.replace(value, MASK)
    text = _HASH.sub(MASK, text)
    text = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _SECRET_PAIR.sub(lambda m: m.group(1) + MASK, text)
    text = _PASSWORD_SENTENCE.sub(lambda m: m.group(1) + MASK, text)
    return _LONG_NUMBER.sub(_mask_number, text)
