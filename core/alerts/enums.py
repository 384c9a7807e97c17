"""The outages' fixed vocabulary.

Plain values, apart from the ORM models, so that channels and dialogs may name them."""

from __future__ import annotations

from enum import StrEnum


class OutageStage(StrEnum):
    STARTED = "started"
    PROGRESS = "progress"
    REPAIRED = "repaired"
