"""Imports started from the console run in a background task the app owns (cancelled when it
stops), and keep where they are in the state store (memory or Redis), so the page polling any
process of the app sees the same progress. The uploaded file and the report of rejected rows
(the CLI's CSV) are kept under the files directory, named by the job's random id.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from aiohttp import web

from bot.dialogs.state import ChatKey, StateStore
from core.imports.report import ImportFileError, write_rejects
from core.ports import Clock
from core.staff.audit import Actor
from core.staff.imports import COLUMNS, ImportKind, StaffImports

log = logging.getLogger(__name__)

# Jobs are kept in the store under this "channel", apart from every chat's.
STORE_CHANNEL = "staff-import"
RUNNING, DONE, REFUSED, FAILED = "running", "done", "refused", "failed"
# The progress is saved about this many times over a file, not at every row.
SAVES_PER_FILE = 100


@dataclass(frozen=True, slots=True)
class ImportJob:
    id: str
    kind: str
    filename: str
    started_by: str
    started_at: float
    status: str = RUNNING
    done: int = 0
    total: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    # Why the file as a whole was refused (the importer's words, as the CLI prints them).
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.status != RUNNING

    @property
    def percent(self) -> int:
        if self.finished:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0


class ImportJobs:
    def __init__(
        self, store: StateStore, clock: Clock, imports: StaffImports, files_dir: str
    ) -> None:
        self.store = store
        self.clock = clock
        self.imports = imports
        self.folder = Path(files_dir) / "imports"
        self.tasks: set[asyncio.Task[None]] = set()

    def upload_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.csv"

    def report_path(self, job_id: str) -> Path:
        return self.folder / f"{job_id}.rejected.csv"

    async def start(self, actor: Actor, kind: ImportKind, filename: str, upload: Path) -> str:
        """Run the import of ``upload`` (written to ``upload_path``) in the background."""
        job = ImportJob(
            id=upload.stem,
            kind=kind.value,
            filename=filename,
            started_by=actor.name,
            started_at=self.clock.now().timestamp(),
        )
        await self._save(job)
        task = asyncio.create_task(self._run(actor, kind, job))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return job.id

    def new_id(self) -> str:
        return secrets.token_urlsafe(12)

    async def find(self, job_id: str) -> ImportJob | None:
        if not job_id or len(job_id) > 32:
            return None
        state = await self.store.load(ChatKey(STORE_CHANNEL, job_id))
        if not state:
            return None
        try:
            return ImportJob(**state)
        except TypeError:  # written by another version of the app
            return None

    async def _run(self, actor: Actor, kind: ImportKind, job: ImportJob) -> None:
        latest = job

        async def progress(done: int, total: int) -> None:
            nonlocal latest
            if done == total or done % max(1, total // SAVES_PER_FILE) == 0:
                latest = replace(latest, done=done, total=total)
                await self._save(latest)

        path = self.upload_path(job.id)
        try:
            result = await self.imports.run(actor, kind, path, progress)
        except ImportFileError as refused:
            await self._save(replace(latest, status=REFUSED, error=str(refused)))
            return
        except asyncio.CancelledError:
            await self._save(replace(latest, status=FAILED))
            raise
        except Exception:
            log.exception("import %s of %s failed", job.id, kind.value)
            await self._save(replace(latest, status=FAILED))
            return
        if result.rejected:
            await asyncio.to_thread(
                write_rejects, self.report_path(job.id), result.rejected, COLUMNS[kind]
            )
        finished = replace(
            latest,
            status=DONE,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            rejected=len(result.rejected),
        )
        await self._save(finished)

    async def _save(self, job: ImportJob) -> None:
        await self.store.save(ChatKey(STORE_CHANNEL, job.id), asdict(job))

    async def close(self) -> None:
        """The app stops: imports still running are cancelled (their transaction is not
        committed, so nothing of them is written) and marked failed."""
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


IMPORT_JOBS = web.AppKey("staff_import_jobs", ImportJobs)
