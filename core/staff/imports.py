"""Imports of subscribers and plans from CSV started from the console: the importers the CLI
runs (core/imports), with an audit entry written inside the import's own transaction, so the
rows and the entry that records them are written together or not at all."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from core.config import Settings
from core.imports import plans, subscribers
from core.imports.report import ImportResult, Progress
from core.ports import Clock
from core.staff import audit
from core.staff.audit import Actor


class ImportKind(StrEnum):
    SUBSCRIBERS = "subscribers"
    PLANS = "plans"


COLUMNS: dict[ImportKind, tuple[str, ...]] = {
    ImportKind.SUBSCRIBERS: subscribers.COLUMNS,
    ImportKind.PLANS: plans.COLUMNS,
}


class StaffImports:
    def __init__(self, settings: Settings, clock: Clock, subscriptions: object) -> None:
        self.settings = settings
        self.clock = clock
        # core.billing.subscriptions.Subscriptions: gives an imported line its plan.
        self.subscriptions = subscriptions

    async def run(
        self, actor: Actor, kind: ImportKind, path: Path, progress: Progress | None = None
    ) -> ImportResult:
        """Import ``path``; raises ImportFileError when the file as a whole cannot be read."""

        async def recorded(result: ImportResult) -> None:
            await audit.record(
                actor,
                f"import.{kind.value}",
                "import",
                path.stem,
                self.clock.now(),
                after={
                    "created": result.created,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "rejected": len(result.rejected),
                },
            )

        if kind is ImportKind.SUBSCRIBERS:
            importer = subscribers.SubscriberImporter(self.settings, self.clock, self.subscriptions)
            return await importer.run(path, progress, recorded)
        return await plans.import_plans(path, progress, recorded)
