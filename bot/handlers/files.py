"""Files the bot sends, served by signed link: ``GET /files/{key}/{name}?t=&e=&s=``.

Channels that cannot upload a reply's file (the web chat, WhatsApp through Twilio, SMS) send a
link to it instead: the bytes go to the FileStore (content-addressed, so a receipt sent twice is
kept once) and the link carries an HMAC over the key, the expiry, the type and the name. Nobody
can reach another stored file by changing the key, keep a link for ever, or make this origin
serve a file under another type (an agent's HTML file as a page of ours).

The secret is ISPBOT_FILE_LINK_SECRET; unset, one is made once per installation and kept in the
files directory, which every process that stores files for this server already shares (the web
app and the workers), so a link a worker sends is one the web app accepts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import unicodedata
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

from aiohttp import web

from bot.config import BotSettings
from bot.dialogs.contract import Attachment, Reply
from core.numbers import whole_number
from core.ports import Clock, FileStore

# The name is any segment: aiohttp's default pattern leaves out braces, and a file named
# "{" would get a link that is a 404.
PATH = "/files/{key}/{name:[^/]+}"
SECRET_FILE = ".link-secret"
# What the stores hand out: DiskFileStore's sha256 hex, the tests' short keys. Never a path.
KEY = re.compile(r"[A-Za-z0-9]{1,128}")
MEDIA_TYPE = re.compile(r"[A-Za-z0-9.+-]+/[A-Za-z0-9.+-]+")
# Shown in the browser rather than saved: types that cannot run script in our origin.
INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "image/gif", "application/pdf"})
NAME_MAX = 100
# 128 bits of HMAC-SHA256: plenty against forgery, and a shorter link to read in an SMS.
SIGNATURE_BYTES = 16


def link_signature(secret: bytes, key: str, expires: int, content_type: str, name: str) -> str:
    message = "\n".join((key, str(expires), content_type, name)).encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()[:SIGNATURE_BYTES]
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def signed_path(secret: bytes, key: str, expires: int, content_type: str, name: str) -> str:
    """The path and query of a link to stored file ``key``, good until ``expires`` (Unix time)."""
    signature = link_signature(secret, key, expires, content_type, name)
    query = urlencode({"t": content_type, "e": expires, "s": signature})
    return f"/files/{key}/{quote(name, safe='')}?{query}"


def link_valid(
    secret: bytes, key: str, expires: int, content_type: str, name: str, signature: str, now: int
) -> bool:
    expected = link_signature(secret, key, expires, content_type, name)
    return now <= expires and hmac.compare_digest(expected, signature)


def safe_name(filename: str) -> str:
    """A file name fit for one path segment and a header: no separators or control characters
    (a path segment cannot hold a slash, even encoded, and the name is only a label)."""
    kept = "".join(
        "_" if ch in '/\\"' or unicodedata.category(ch).startswith("C") else ch for ch in filename
    ).strip(" .")
    stem, dot, extension = kept.rpartition(".")
    if not dot or len(extension) > 10:
        stem, dot, extension = kept, "", ""
    # A long name is cut in its stem, so the type the name says survives.
    return (stem[: NAME_MAX - len(dot + extension)] + dot + extension) if stem else "file"


def content_disposition(name: str, *, inline: bool) -> str:
    """RFC 6266 with RFC 5987's ``filename*`` for names beyond ASCII, and a plain ASCII
    ``filename`` for the few clients that read only that."""
    kind = "inline" if inline else "attachment"
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    plain = re.sub(r"[^A-Za-z0-9._ -]", "_", plain).strip()
    stem, dot, extension = plain.rpartition(".")
    if not (stem if dot else plain).strip(" ._"):
        plain = f"file{dot}{extension}"
    header = f'{kind}; filename="{plain}"'
    if plain != name:
        header += f"; filename*=UTF-8''{quote(name, safe='')}"
    return header


def installation_secret(settings: BotSettings) -> bytes:
    """ISPBOT_FILE_LINK_SECRET, else this installation's own, made on first use."""
    if settings.file_link_secret is not None:
        return settings.file_link_secret.get_secret_value().encode()
    path = Path(settings.files_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f"{SECRET_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        draft.write_text(secrets.token_urlsafe(32))
        draft.chmod(0o600)
        try:
            # A hard link never replaces: when two processes start at once, the first wins.
            os.link(draft, path)
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


class FileLinks:
    """Stores a reply's file and gives its signed link; serves the link's bytes back."""

    def __init__(self, settings: BotSettings, files: FileStore, clock: Clock) -> None:
        self.settings = settings
        self.files = files
        self.clock = clock
        self.valid_for = timedelta(days=settings.file_link_days)
        self._secret: bytes | None = None

    @property
    def secret(self) -> bytes:
        # Read on first use, not at start-up: a process that never sends a file never makes one.
        if self._secret is None:
            self._secret = installation_secret(self.settings)
        return self._secret

    async def url(self, attachment: Attachment) -> str:
        key = await self.files.put(attachment.data, attachment.content_type, attachment.filename)
        expires = int((self.clock.now() + self.valid_for).timestamp())
        content_type = _media_type(attachment.content_type)
        name = safe_name(attachment.filename)
        return self.settings.base_url + signed_path(self.secret, key, expires, content_type, name)

    async def urls(self, replies: Sequence[Reply]) -> list[str | None]:
        """Each reply's file stored and linked, in order (None for a reply without one)."""
        return [await self.url(r.attachment) if r.attachment else None for r in replies]

    async def serve(self, request: web.Request) -> web.Response:
        key, name = request.match_info["key"], request.match_info["name"]
        if not KEY.fullmatch(key):
            raise web.HTTPNotFound()
        query = request.query
        content_type, signature = query.get("t", ""), query.get("s", "")
        if not MEDIA_TYPE.fullmatch(content_type):
            # Links carry only types _media_type let through; any other would go into a header.
            raise web.HTTPForbidden(text="this link is not valid, or has expired")
        expires = whole_number(query.get("e")) or 0
        now = int(self.clock.now().timestamp())
        if not link_valid(self.secret, key, expires, content_type, name, signature, now):
            raise web.HTTPForbidden(text="this link is not valid, or has expired")
        try:
            data = await self.files.get(key)
        except (KeyError, FileNotFoundError) as missing:
            raise web.HTTPNotFound() from missing
        inline = content_type in INLINE_TYPES
        return web.Response(
            body=data,
            headers={
                "Content-Type": content_type,
                "Content-Disposition": content_disposition(name, inline=inline),
                "X-Content-Type-Options": "nosniff",
                "Cache-Control": f"private, max-age={max(expires - now, 0)}",
            },
        )


def _media_type(content_type: str) -> str:
    bare = content_type.split(";", 1)[0].strip().lower()
    return bare if MEDIA_TYPE.fullmatch(bare) else "application/octet-stream"


def setup(app: web.Application, links: FileLinks) -> None:
    app.router.add_get(PATH, links.serve)
