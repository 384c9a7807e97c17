"""Files the subscribers sent (documents, tickets' attachments) served to staff through the
console's guard. A picture of a type uploads accept is shown inline; a PDF is handed to the
browser as a download of its own type (the guard's Content-Security-Policy, ``object-src
'none'``, would stop a browser's PDF viewer inside the console's origin), and anything else is
a plain download, never rendered (``nosniff``)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.helpers import content_disposition_header

from core.errors import NotFound
from core.ports import FileStore

SHOWN_INLINE = frozenset({"image/jpeg", "image/png", "image/webp"})
KEPT_TYPE = SHOWN_INLINE | {"application/pdf"}


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
        content_type=content_type if content_type in KEPT_TYPE else "application/octet-stream",
        headers={"Content-Disposition": disposition},
    )
