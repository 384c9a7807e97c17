"""Which lines are paused at a moment (core/billing/pauses.py), as a filter the selections that
skip them share: alerts and automatic renewal. Its own module, free of the pauses' service, so
that the alerts can import it without importing the inbox they are imported by."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tortoise.expressions import Q


def not_paused(now: datetime, prefix: str = "subscriber__") -> Q:
    """A filter of the lines whose service is not paused at ``now`` (``prefix``: the path to
    the subscriber). Written as a filter, not an exclude: NOT over a NULL column drops it."""
    unset: dict[str, Any] = {f"{prefix}paused_until__isnull": True}
    over: dict[str, Any] = {f"{prefix}paused_until__lte": now}
    return Q(**unset) | Q(**over)
