"""What the web chat's socket carries to the browser: a reply as a JSON frame."""

from __future__ import annotations

from collections.abc import Sequence

from bot.dialogs.contract import Reply
from bot.handlers.files import FileLinks
from bot.i18n import text_direction


async def reply_frames(links: FileLinks, replies: Sequence[Reply]) -> list[dict]:
    """The replies as frames, each file stored and given its link."""
    urls = await links.urls(replies)
    return [reply_frame(reply, url) for reply, url in zip(replies, urls, strict=True)]


def reply_frame(reply: Reply, file_url: str | None = None) -> dict:
    attachment = reply.attachment
    file = None
    if attachment is not None and file_url is not None:
        file = {
            "name": attachment.filename,
            "type": attachment.content_type,
            "size": attachment.size,
            "url": file_url,
        }
    return {
        "type": "reply",
        "text": reply.text,
        "options": [{"id": o.id, "label": o.label} for o in reply.options],
        "links": [{"url": link.url, "label": link.label} for link in reply.links],
        "language": reply.language,
        "dir": text_direction(reply.language),
        "secret": reply.expects_secret,
        "file": file,
    }
