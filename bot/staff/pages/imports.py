"""Imports: subscribers or plans from a CSV file, with the CLI's importer, run in the background
(bot/staff/import_jobs.py). The job's page shows a progress bar that htmx refreshes until the
import ends, then what it did and the rejected rows' report to download."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader, web

from bot.staff.context import actor, current_texts
from bot.staff.guard import requires
from bot.staff.import_jobs import IMPORT_JOBS, ImportJob
from bot.staff.messages import message
from bot.staff.rendering import render
from bot.staff.sessions import PATH
from core.errors import NotFound
from core.staff.imports import ImportKind
from core.staff.roles import Permission

routes = web.RouteTableDef()

JOB = r"/imports/{job_id:[A-Za-z0-9_-]{1,32}}"
# A subscribers' file of a million lines is about 200 MB; the console takes files to this size
# (larger ones: `ispbot import` on the server).
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
CHUNK = 64 * 1024


@routes.get("/imports")
@requires(Permission.IMPORT)
async def imports_page(request: web.Request) -> web.StreamResponse:
    return _form(request, {}, {"kind": ImportKind.SUBSCRIBERS.value}, 200)


def _form(
    request: web.Request, errors: dict[str, str], shown: dict[str, str], status: int
) -> web.Response:
    context: dict[str, Any] = {"errors": errors, "shown": shown, "kinds": list(ImportKind)}
    return render(request, "imports.html", context, status=status)


@routes.post("/imports")
@requires(Permission.IMPORT)
async def start_import(request: web.Request) -> web.StreamResponse:
    """A multipart form: ``kind`` then ``file``. The file is streamed to disk (never held in
    memory whole) and the import started; the answer leads to the job's page."""
    texts = current_texts(request)
    jobs = request.app[IMPORT_JOBS]
    if not request.content_type.startswith("multipart/"):
        return _form(request, {"file": message(texts, "import_file_missing")}, {}, 400)
    kind_text, filename, saved = "", "", None
    job_id = jobs.new_id()
    reader = await request.multipart()
    try:
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "kind":
                kind_text = (await part.text())[:20]
            elif part.name == "file" and part.filename and saved is None:
                filename = part.filename[-120:]
                saved = await _save_upload(part, jobs.upload_path(job_id))
    except (ValueError, UnicodeDecodeError):
        return _form(request, {"file": message(texts, "import_file_missing")}, {}, 400)
    shown = {"kind": kind_text}
    errors: dict[str, str] = {}
    if kind_text not in {k.value for k in ImportKind}:
        errors["kind"] = message(texts, "import_kind_unknown")
    if saved is None:
        errors["file"] = message(texts, "import_file_missing")
    elif saved > MAX_UPLOAD_BYTES:
        errors["file"] = message(texts, "import_file_too_large", megabytes=MAX_UPLOAD_BYTES >> 20)
    if errors:
        jobs.upload_path(job_id).unlink(missing_ok=True)
        # htmx swaps in no answer of 4xx: the form it posted gets its errors with a 200.
        return _form(request, errors, shown, 200 if _htmx(request) else 422)
    await jobs.start(actor(request), ImportKind(kind_text), filename, jobs.upload_path(job_id))
    target = f"{PATH}/imports/{job_id}"
    if _htmx(request):
        return web.Response(status=204, headers={"HX-Redirect": target})
    raise web.HTTPSeeOther(target)


async def _save_upload(part: BodyPartReader, path: Path) -> int:
    """Write the part to ``path``; returns its size, stopping once past the limit."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    # Local disk, 64 KB at a time: a write costs less than a thread hop would.
    with path.open("wb") as out:
        while chunk := await part.read_chunk(CHUNK):
            size += len(chunk)
            if size > MAX_UPLOAD_BYTES:
                break
            out.write(chunk)
    return size


async def _job(request: web.Request) -> ImportJob:
    found = await request.app[IMPORT_JOBS].find(request.match_info["job_id"])
    if found is None:
        raise NotFound("import_not_found")
    return found


@routes.get(JOB)
@requires(Permission.IMPORT)
async def job_page(request: web.Request) -> web.StreamResponse:
    job = await _job(request)
    partial = _htmx(request)
    template = "import_progress.html" if partial else "import_job.html"
    return render(request, template, {"job": job})


@routes.get(JOB + "/report.csv")
@requires(Permission.IMPORT)
async def report(request: web.Request) -> web.StreamResponse:
    job = await _job(request)
    path = request.app[IMPORT_JOBS].report_path(job.id)
    if not job.rejected or not path.is_file():
        raise NotFound("import_report_not_found")
    name = Path(job.filename).stem or "import"
    return web.FileResponse(
        path,
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{_ascii(name)}.rejected.csv"',
        },
    )


def _ascii(name: str) -> str:
    """A file name safe in a header: letters, digits, dots, dashes and underscores."""
    kept = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    return kept[:80] or "import"


def _htmx(request: web.Request) -> bool:
    return request.headers.get("HX-Request") == "true"
