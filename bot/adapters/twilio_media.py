"""Media a subscriber sent on WhatsApp (a screenshot, a receipt), fetched from Twilio.

Twilio's media URLs need the account's credentials, so they are sent only to URLs under the
configured API base; the type is checked before downloading and the size while downloading,
so a large file is never read whole.
"""

from __future__ import annotations

import base64

import aiohttp

from bot.config import BotSettings


class MediaRefused(Exception):
    """The media cannot be taken: ``code`` is the core's attachment error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


async def fetch_media(settings: BotSettings, url: str, content_type: str) -> bytes:
    base = settings.twilio_api_base.rstrip("/") + "/"
    if not url.startswith(base):
        # Never hand the account's credentials to another host.
        raise MediaRefused("attachment_type_not_allowed")
    # Voice notes and videos too: the dialogs say the bot reads text, a ticket or a hand-off
    # takes them for the agent.
    allowed = (*settings.attachment_types, *settings.voice_and_video_types)
    if content_type.split(";")[0].strip().lower() not in allowed:
        raise MediaRefused("attachment_type_not_allowed")
    limit = settings.attachment_max_bytes
    assert settings.twilio_account_sid and settings.twilio_auth_token
    credentials = f"{settings.twilio_account_sid}:{settings.twilio_auth_token.get_secret_value()}"
    headers = {"Authorization": "Basic " + base64.b64encode(credentials.encode()).decode()}
    timeout = aiohttp.ClientTimeout(total=30)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(url, headers=headers) as response,
    ):
        if response.status != 200:
            raise MediaRefused("attachment_empty")
        if (response.content_length or 0) > limit:
            raise MediaRefused("attachment_too_large")
        data = bytearray()
        async for chunk in response.content.iter_chunked(64 * 1024):
            data += chunk
            if len(data) > limit:
                raise MediaRefused("attachment_too_large")
    if not data:
        raise MediaRefused("attachment_empty")
    return bytes(data)
