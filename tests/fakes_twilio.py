"""A local HTTP server that speaks Twilio's Messages API, and webhooks signed as Twilio signs them.

``FakeTwilio`` answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (HTTP basic auth with
the account SID and auth token, as Twilio checks it), records every message, refuses on demand
with Twilio's error JSON, and serves media URLs behind the same basic auth. ``twilio_signature``
is Twilio's webhook signature written out from Twilio's documentation (HMAC-SHA1 of the URL
followed by each parameter's name and value, sorted by name, base64), independent of the
``twilio`` package whose validator the app uses. Reusable by any test or benchmark.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import itertools
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field

import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.dialogs.state import MemoryStateStore

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "fake-twilio-auth-token-0001"


def twilio_signature(
    auth_token: str, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]
) -> str:
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    data = url + "".join(name + value for name, value in sorted(pairs))
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


@dataclass
class SentMessage:
    sid: str
    to: str
    from_: str | None
    body: str | None
    content_sid: str | None
    content_variables: str | None
    messaging_service_sid: str | None
    status_callback: str | None
    form: dict[str, str] = field(default_factory=dict)
    # Every MediaUrl the request gave (the API takes the parameter once per file).
    media_urls: list[str] = field(default_factory=list)

    @property
    def channel(self) -> str:
        return "whatsapp" if self.to.startswith("whatsapp:") else "sms"

    @property
    def number(self) -> str:
        return self.to.removeprefix("whatsapp:")


@dataclass
class _Refusal:
    status: int
    code: int
    message: str


class FakeTwilio:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.messages: list[SentMessage] = []
        self.media: dict[str, tuple[str, bytes]] = {}
        self.media_requests = 0
        self._next_errors: list[_Refusal] = []
        self._next_delays: list[float] = []
        self._refused: dict[str, _Refusal] = {}
        self._numbers = itertools.count(1)
        self._server: TestServer | None = None

    # ---- running ---------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application()
        base = "/2010-04-01/Accounts/{account}"
        app.router.add_post(base + "/Messages.json", self._create_message)
        app.router.add_get(base + "/Messages/{message}/Media/{media}", self._media)
        return app

    async def start(self) -> str:
        self._server = TestServer(self.app(), host="127.0.0.1")
        await self._server.start_server()
        return self.url

    async def close(self) -> None:
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None, "start() first"
        return str(self._server.make_url("")).rstrip("/")

    # ---- what tests ask of it --------------------------------------------------------------

    def fail_next(self, code: int = 30001, status: int = 400, message: str = "Queue overflow"):
        """The next message is refused with this Twilio error."""
        self._next_errors.append(_Refusal(status, code, message))

    def delay_next(self, seconds: float) -> None:
        """The next message is answered (and recorded) only after ``seconds``."""
        self._next_delays.append(seconds)

    def refuse(self, to: str, code: int, status: int = 400, message: str = "Refused") -> None:
        """Every message to ``to`` (``+62...`` or ``whatsapp:+62...``) is refused."""
        self._refused[to] = _Refusal(status, code, message)

    def add_media(self, content_type: str, data: bytes) -> str:
        message = "MM" + secrets.token_hex(16)
        media = "ME" + secrets.token_hex(16)
        path = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message}/Media/{media}"
        self.media[path] = (content_type, data)
        return self.url + path

    def to(self, number: str, channel: str | None = None) -> list[SentMessage]:
        return [
            m
            for m in self.messages
            if m.number == number and (channel is None or m.channel == channel)
        ]

    def bodies(self, number: str, channel: str | None = None) -> list[str]:
        return [m.body or "" for m in self.to(number, channel)]

    def sign(self, url: str, params: Mapping[str, str]) -> str:
        return twilio_signature(self.auth_token, url, params)

    # ---- the API ---------------------------------------------------------------------------

    def _authorised(self, request: web.Request) -> bool:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(f"{user}:{password}", f"{self.account_sid}:{self.auth_token}")

    @staticmethod
    def _error(refusal: _Refusal) -> web.Response:
        return web.json_response(
            {
                "code": refusal.code,
                "message": refusal.message,
                "more_info": f"https://www.twilio.com/docs/errors/{refusal.code}",
                "status": refusal.status,
            },
            status=refusal.status,
        )

    async def _create_message(self, request: web.Request) -> web.Response:
        if request.match_info["account"] != self.account_sid or not self._authorised(request):
            return self._error(_Refusal(401, 20003, "Authentication Error - invalid username"))
        posted = await request.post()
        form = {k: v for k, v in posted.items() if isinstance(v, str)}
        media_urls = [v for v in posted.getall("MediaUrl", []) if isinstance(v, str)]
        to = form.get("To", "")
        if not to:
            return self._error(_Refusal(400, 21604, "A 'To' phone number is required."))
        if not (form.get("Body") or form.get("ContentSid") or form.get("MediaUrl")):
            return self._error(_Refusal(400, 21602, "Message body is required."))
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(_Refusal(400, 21603, "A 'From' phone number is required."))
        if len(media_urls) > 10:
            return self._error(_Refusal(400, 21623, "Number of media files exceeds allowed limit"))
        if not all(url.startswith(("https://", "http://")) for url in media_urls):
            return self._error(_Refusal(400, 21620, "Invalid media URL(s)"))
        if self._next_delays:
            await asyncio.sleep(self._next_delays.pop(0))
        refusal = self._refused.get(to) or self._refused.get(to.removeprefix("whatsapp:"))
        if refusal is None and self._next_errors:
            refusal = self._next_errors.pop(0)
        if refusal is not None:
            return self._error(refusal)
        sid = f"SM{next(self._numbers):032x}"
        self.messages.append(
            SentMessage(
                sid=sid,
                to=to,
                from_=form.get("From"),
                body=form.get("Body"),
                content_sid=form.get("ContentSid"),
                content_variables=form.get("ContentVariables"),
                messaging_service_sid=form.get("MessagingServiceSid"),
                status_callback=form.get("StatusCallback"),
                form=form,
                media_urls=media_urls,
            )
        )
        return web.json_response(
            {
                "sid": sid,
                "account_sid": self.account_sid,
                "to": to,
                "from": form.get("From"),
                "body": form.get("Body", ""),
                "status": "queued",
                "num_segments": "1",
                "num_media": str(len(media_urls)),
                "direction": "outbound-api",
                "api_version": "2010-04-01",
                "messaging_service_sid": form.get("MessagingServiceSid"),
                "date_created": "Tue, 24 Nov 2026 07:00:00 +0000",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status=201,
        )

    async def _media(self, request: web.Request) -> web.Response:
        self.media_requests += 1
        if not self._authorised(request):
            return self._error(_Refusal(401, 20003, "Authenticate"))
        found = self.media.get(request.path)
        if found is None:
            return self._error(_Refusal(404, 20404, "The requested resource was not found"))
        content_type, data = found
        return web.Response(body=data, content_type=content_type)


# ---- fixtures and a webhook client for the app's Twilio channels -------------------------------

PUBLIC_URL = "https://bot.example"  # behind a proxy: Twilio signs the public URL
SMS_FROM = "+15005550006"
WHATSAPP_FROM = "+14155238886"
TEMPLATES = {"fa": "HXfa0000000000000000000000000000", "en": "HXen0000000000000000000000000000"}


@pytest.fixture
async def twilio_fake() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio()
    await fake.start()
    yield fake
    await fake.close()


def twilio_settings(fake: FakeTwilio, **overrides) -> BotSettings:
    values = dict(
        _env_file=None,
        argon2_memory_kib=1024,
        argon2_time_cost=1,
        public_url=PUBLIC_URL,
        file_link_secret="fake-file-link-secret",
        twilio_account_sid=fake.account_sid,
        twilio_auth_token=fake.auth_token,
        twilio_api_base=fake.url,
        twilio_sms_from=SMS_FROM,
        twilio_whatsapp_from=WHATSAPP_FROM,
        twilio_whatsapp_templates=TEMPLATES,
    )
    values.update(overrides)
    return BotSettings(**values)


class TwilioWebhooks:
    """Posts webhooks to the app as Twilio does: form-encoded, signed over the public URL."""

    def __init__(self, client: TestClient, fake: FakeTwilio) -> None:
        self.client = client
        self.fake = fake
        self._sids = itertools.count(1)

    def new_sid(self) -> str:
        return f"SM{next(self._sids):032d}"

    async def post(
        self, path: str, params: Mapping[str, str], *, signature: str | None = None
    ) -> ClientResponse:
        if signature is None:
            signature = self.fake.sign(PUBLIC_URL + path, params)
        headers = {"X-Twilio-Signature": signature} if signature else {}
        return await self.client.post(path, data=dict(params), headers=headers)

    async def sms(
        self, number: str, body: str, *, sid: str | None = None, **extra: str
    ) -> ClientResponse:
        """``extra``: more of Twilio's parameters (``OptOutType="STOP"``...)."""
        params = {
            "MessageSid": sid or self.new_sid(),
            "AccountSid": self.fake.account_sid,
            "From": number,
            "To": SMS_FROM,
            "Body": body,
            "NumMedia": "0",
            **extra,
        }
        response = await self.post("/twilio/sms", params)
        assert response.status == 200, await response.text()
        return response

    async def whatsapp(
        self,
        number: str,
        body: str = "",
        *,
        sid: str | None = None,
        media: tuple[str, str] | None = None,
    ) -> ClientResponse:
        params = {
            "MessageSid": sid or self.new_sid(),
            "AccountSid": self.fake.account_sid,
            "From": f"whatsapp:{number}",
            "To": f"whatsapp:{WHATSAPP_FROM}",
            "Body": body,
            "ProfileName": "Sara",
            "NumMedia": "1" if media else "0",
        }
        if media:
            params.update(MediaUrl0=media[0], MediaContentType0=media[1])
        response = await self.post("/twilio/whatsapp", params)
        assert response.status == 200, await response.text()
        return response


@pytest.fixture
async def twilio_app(services, twilio_fake) -> AsyncIterator[TwilioWebhooks]:
    app = init_app(
        bootstrap(services.settings, services=services, store=MemoryStateStore()),
        manage_database=False,
    )
    async with TestClient(TestServer(app)) as client:
        yield TwilioWebhooks(client, twilio_fake)
