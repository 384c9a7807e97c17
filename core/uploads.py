"""What a subscriber may upload (a ticket's screenshot, a document for review): one check for
every upload, so each kind of file is held to the same rules."""

from __future__ import annotations

from core.config import Settings
from core.errors import InvalidInput

# The first bytes of each type we know, so a renamed executable is not taken for a screenshot.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "audio/ogg": (b"OggS",),
    "audio/amr": (b"#!AMR",),
    "video/webm": (b"\x1aE\xdf\xa3",),
}
# ISO media files (mp4, 3gp, m4a) name their brand at bytes 4-8.
_ISO_MEDIA = {"audio/mp4", "video/mp4", "video/3gpp"}


def media_type(content_type: str | None) -> str:
    """``"image/JPEG; name=x"`` → ``"image/jpeg"``."""
    return (content_type or "").split(";", 1)[0].strip().lower()


def _matches_signature(kind: str, data: bytes) -> bool:
    if kind == "image/webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if kind in _ISO_MEDIA:
        return data[4:8] == b"ftyp"
    signatures = _SIGNATURES.get(kind)
    return signatures is None or data.startswith(signatures)


def check_upload(
    settings: Settings,
    filename: str,
    content_type: str | None,
    data: bytes,
    *,
    voice_and_video: bool = False,
) -> str:
    """The file's media type, once it is not empty, not above the size limit, of an allowed type
    (voice notes and videos too when ``voice_and_video``: a ticket's, not a document's) and its
    bytes begin as that type's do. Codes: ``attachment_empty``, ``attachment_too_large``,
    ``attachment_type_not_allowed``."""
    kind = media_type(content_type)
    if not data:
        raise InvalidInput("attachment_empty", filename=filename)
    if len(data) > settings.attachment_max_bytes:
        raise InvalidInput(
            "attachment_too_large",
            filename=filename,
            size=len(data),
            max_bytes=settings.attachment_max_bytes,
        )
    allowed = [t.lower() for t in settings.attachment_types]
    if voice_and_video:
        allowed += [t.lower() for t in settings.voice_and_video_types]
    if kind not in allowed or not _matches_signature(kind, data):
        raise InvalidInput(
            "attachment_type_not_allowed",
            filename=filename,
            content_type=content_type or "",
            allowed=allowed,
        )
    return kind
