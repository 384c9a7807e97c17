"""Twilio's Messages API (SMS and WhatsApp) through the ``twilio`` package, without blocking.

The package's Client is synchronous unless given its aiohttp-based AsyncTwilioHttpClient; we
always give it one and call ``create_async``. The API base (``ISPBOT_TWILIO_API_BASE``) replaces
the Api domain's ``base_url``, so tests and a proxy reach Twilio's API at another address.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
from dataclasses import dataclass

from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client

from bot.config import BotSettings
from bot.pacing import time_to_send

log = logging.getLogger(__name__)

STATUS_PATH = "/twilio/status"
# Twilio's error for a recipient who replied STOP (https://www.twilio.com/docs/api/errors/21610).
UNSUBSCRIBED_RECIPIENT = 21610
# Twilio's limit on one message's body; longer texts go as several messages.
BODY_MAX_CHARS = 1600


class TwilioSendError(Exception):
    """Twilio refused a message (``code`` is Twilio's error code, when it gave one)."""

    def __init__(self, message: str, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass(frozen=True, slots=True)
class Sent:
    sid: str
    status: str


class TwilioMessages:
    """Sends SMS and WhatsApp messages. ``pooled`` keeps one HTTP session for the process
    (open it in the running loop, close it at shutdown); unpooled opens one per request, for
    rare senders such as password resets that have no lifecycle of their own."""

    def __init__(self, settings: BotSettings, *, pooled: bool = True) -> None:
        if not settings.twilio_configured:
            raise ValueError("Twilio needs ISPBOT_TWILIO_ACCOUNT_SID and ISPBOT_TWILIO_AUTH_TOKEN")
        self.settings = settings
        self.pooled = pooled
        self._client: Client | None = None
        self._http: AsyncTwilioHttpClient | None = None

    def _api(self) -> Client:
        if self._client is None:
            settings = self.settings
            assert settings.twilio_auth_token is not None
            # A pooled session must be made inside the running loop: here, on first use.
            self._http = AsyncTwilioHttpClient(pool_connections=self.pooled, timeout=30)
            client = Client(
                settings.twilio_account_sid,
                settings.twilio_auth_token.get_secret_value(),
                http_client=self._http,
            )
            client.api.base_url = settings.twilio_api_base.rstrip("/")
            self._client = client
        return self._client

    async def close(self) -> None:
        if self._http is not None:
            await self._http.close()
        self._client = self._http = None

    async def send_sms(self, to: str, body: str) -> Sent:
        return await self._create(to, self.settings.twilio_sms_from, body=body)

    async def send_whatsapp(
        self,
        to: str,
        body: str | None = None,
        *,
        media_url: str | None = None,
        content_sid: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> Sent:
        sender = self.settings.twilio_whatsapp_from
        return await self._create(
            f"whatsapp:{to}",
            f"whatsapp:{sender}" if sender else None,
            body=body,
            media_url=media_url,
            content_sid=content_sid,
            variables=variables,
        )

    async def _create(
        self,
        to: str,
        from_: str | None,
        *,
        body: str | None = None,
        media_url: str | None = None,
        content_sid: str | None = None,
        variables: dict[str, str] | None = None,
    ) -> Sent:
        params: dict[str, object] = {
            "to": to,
            "status_callback": self.settings.base_url + STATUS_PATH,
        }
        if from_:
            params["from_"] = from_
        if self.settings.twilio_messaging_service_sid:
            params["messaging_service_sid"] = self.settings.twilio_messaging_service_sid
        if body is not None:
            params["body"] = body
        if media_url is not None:
            # A public address Twilio fetches the file from (WhatsApp takes one a message).
            params["media_url"] = [media_url]
        if content_sid is not None:
            params["content_sid"] = content_sid
            params["content_variables"] = json.dumps(variables or {}, ensure_ascii=False)
        # Inside a turn's replies the chat is held until a deadline (bot/pacing.py): a send
        # that outlived it would let the chat's next answer overtake this one.
        left = time_to_send()
        if left <= 0:
            raise TwilioSendError("no time left in the turn")
        try:
            async with asyncio.timeout(None if left == math.inf else left):
                message = await self._api().messages.create_async(**params)  # type: ignore[arg-type]
        except TwilioRestException as error:
            raise TwilioSendError(str(error.msg), error.code, error.status) from error
        except (TwilioException, OSError, TimeoutError) as error:
            raise TwilioSendError(str(error)) from error
        log.info("twilio message %s to %s: %s", message.sid, to, message.status)
        return Sent(str(message.sid), str(message.status))


class TwilioSmsSender:
    """The core's SmsSender port (password resets) over Twilio SMS."""

    def __init__(self, settings: BotSettings) -> None:
        self.messages = TwilioMessages(settings, pooled=False)

    async def send_sms(self, to: str, text: str) -> None:
        await self.messages.send_sms(to, text)
