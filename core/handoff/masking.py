"""Personal data shown to agents partly hidden: enough to confirm who it is, not to copy."""

from __future__ import annotations


def mask_national_id(value: str | None) -> str:
    """The first two and last two digits: 0013542419 → 00******19."""
    if not value:
        return "-"
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def mask_phone(value: str | None) -> str:
    """The country code and operator prefix, and the last four digits: +989121234567 →
    +98912***4567."""
    if not value:
        return "-"
    if len(value) <= 8:
        return "*" * (len(value) - 2) + value[-2:]
    head = 6 if len(value) > 10 else 3
    return value[:head] + "*" * (len(value) - head - 4) + value[-4:]
