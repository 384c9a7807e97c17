"""What a person types to name their line (a username or a mobile), cleaned, and the
subscriber a typed username names: shared by logging in and the forgotten password."""

from __future__ import annotations

import re

from core.accounts.models import Subscriber
from core.accounts.phones import ascii_digits

_IDENTIFIER_MAX = 64
_COMPACT = re.compile(r"[\s\-\u200c\u200e\u200f]")


def clean_identifier(text: str) -> str:
    """A typed username or phone: Persian digits to ASCII; spaces and dashes dropped when
    what remains is a number."""
    value = ascii_digits(text or "").strip()
    compact = _COMPACT.sub("", value)
    if compact.lstrip("+").isdigit():
        value = compact
    return value[:_IDENTIFIER_MAX]


def without_leading_zero(name: str) -> str:
    """A line's username as it is stored when typed with the line's leading zero."""
    return name[1:] if name.isdigit() and name.startswith("0") else name


async def subscriber_named(name: str) -> Subscriber | None:
    """The subscriber whose username this is, also typed with the line's leading zero (the
    model, for the accounts' own services)."""
    if not name:
        return None
    subscriber = await Subscriber.get_or_none(username=name)
    if subscriber is None and without_leading_zero(name) != name:
        subscriber = await Subscriber.get_or_none(username=without_leading_zero(name))
    return subscriber
