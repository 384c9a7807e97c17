"""Files the subscribers sent (documents, tickets' attachments) served to staff through the
console's guard. Only the types uploads accept are shown in the browser (a picture inline, a
PDF in its viewer); anything else is a download, never rendered: ``nosniff`` and the guard's
Content-Security-Policy hold for every answer."""

from __future__ import annotations

from aiohttp import web
from aiohttp.helpers import content_disposition_header

from core.errors import NotFound
from core.ports import FileStore

SHOWN_INLINE = frozenset({"image/jpeg", "image/png", "image/webp", "application/pdf"})


async def stored_bytes(files: FileStore, key: str) -> bytes:
    """The file's bytes; ``file_missing`` when the store has lost it (a restored database
    without its files directory)."""
    try:
        return await files.get(key)
    except (OSError, KeyError):
        raise NotFound("file_missing") from None


def file_response(filename: str, content_type: str, data: bytes) -> web.Response:
    inline = content_type in SHOWN_INLINE
    disposition = content_disposition_header(
        "inline" if inline else "attachment", filename=filename or "file"
    )
    return web.Response(
        body=data,
        content_type=content_type if inline else "application/octet-stream",
        headers={"Content-Disposition": disposition},
    )
