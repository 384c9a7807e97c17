"""The wait before trying a failed thing again, doubling up to a cap: one rule for the outbox's
messages and the agents' topics, which are retried from the database at a later tick (a send
refused with a 429 waits what the platform asks instead: bot/pacing.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class Backoff:
    first: timedelta
    longest: timedelta

    def after(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failed attempt: first, twice that, four times...,
        never more than ``longest``."""
        return min(self.first * (2 ** max(attempts - 1, 0)), self.longest)
