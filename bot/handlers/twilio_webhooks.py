"""What the WhatsApp and SMS channels share, owned by neither: Twilio's signature, redeliveries,
status callbacks (the REST client both send through is bot/adapters/twilio_messages.py).
Both channels import this module; it imports neither.

Twilio signs each webhook with the account's auth token over the URL it called and the form
parameters (``X-Twilio-Signature``). Behind a proxy the URL Twilio called is the public one, so
it is rebuilt from ``ISPBOT_PUBLIC_URL`` and the path, never from the Host header. A request
that fails the check gets 403 before anything reads its parameters into a turn.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from aiohttp import web
from multidict import MultiDict, MultiDictProxy
from redis.asyncio import Redis
from twilio.request_validator import RequestValidator

from bot.adapters.twilio_messages import STATUS_PATH
from bot.config import BotSettings
from bot.dialogs.state import ChatKey, StateStore
from bot.observability.metrics import Metrics
from bot.pacing import TAKE, Schedule
from bot.wiring import Wiring
from core.accounts.phones import country_of_number

log = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
# The delivery states Twilio reports in status callbacks, in the order a message goes through.
STATUSES = ("accepted", "queued", "sending", "sent", "delivered", "undelivered", "failed", "read")
STATUS_CHANNEL = "twilio-status"
# What Twilio writes in From: an E.164 number (after ``whatsapp:`` on WhatsApp) or a short
# code. Anything else names no phone, and never reaches a query as a chat's id.
SENDER = re.compile(r"\+?[0-9]{3,15}")
# Languages by the number's country, for a number that writes for the first time.
LANGUAGE_BY_COUNTRY = {"IR": "fa", "ID": "id"}


def language_of_number(number: str) -> str:
    return LANGUAGE_BY_COUNTRY.get(country_of_number(number) or "", "en")


def empty_twiml() -> web.Response:
    """Twilio's webhook answer when the replies go out through the REST API."""
    return web.Response(text=EMPTY_TWIML, content_type="text/xml")


async def signed_form(request: web.Request, settings: BotSettings) -> MultiDictProxy[str]:
    """The webhook's form parameters, or 403 when Twilio's signature does not match them."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        log.warning("twilio webhook %s refused: no signature", request.path)
        raise web.HTTPForbidden(text="bad signature")
    params = await _form(request)
    assert settings.twilio_auth_token is not None
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    url = settings.base_url + request.rel_url.path_qs
    if not validator.validate(url, params, signature):
        log.warning("twilio webhook %s refused: bad signature", request.path)
        raise web.HTTPForbidden(text="bad signature")
    return params


async def _form(request: web.Request) -> MultiDictProxy[str]:
    """The form Twilio posts (always URL-encoded UTF-8), read strictly: another content type, a
    body that is not UTF-8 or a parameter that decodes to a lone surrogate is a 400, never a
    500. aiohttp's ``request.post()`` would parse multipart too and raise on broken input."""
    if request.content_type != "application/x-www-form-urlencoded":
        raise web.HTTPBadRequest(text="expected a URL-encoded form")
    try:
        text = (await request.read()).decode("utf-8")
        pairs = parse_qsl(text.rstrip(), keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeError:
        log.warning("twilio webhook %s refused: the form is not UTF-8", request.path)
        raise web.HTTPBadRequest(text="the form is not UTF-8") from None
    if any("\x00" in name or "\x00" in value for name, value in pairs):
        # No phone sends a NUL, and PostgreSQL refuses one in any text it is given.
        log.warning("twilio webhook %s refused: the form holds a NUL", request.path)
        raise web.HTTPBadRequest(text="the form holds a NUL")
    return MultiDictProxy(MultiDict(pairs))


def sender_number(request: web.Request, params: MultiDictProxy[str], prefix: str = "") -> str:
    """The number a signed message is from (``From`` without ``prefix``), or 400 when it
    names no phone."""
    number = params.get("From", "").removeprefix(prefix)
    if not SENDER.fullmatch(number):
        log.warning("twilio webhook %s refused: From is not a phone number", request.path)
        raise web.HTTPBadRequest(text="From is not a phone number")
    return number


async def first_delivery(
    store: StateStore, settings: BotSettings, message_sid: str, channel: str, metrics: Metrics
) -> bool:
    """False when Twilio delivers a message we already handled (its retry after a timeout).

    Twilio never retries an inbound message that got a 5xx, so when the store cannot be asked
    the message is answered unguarded (a rare double answer beats a lost message), logged and
    counted in ``ispbot_unguarded_deliveries``."""
    if not message_sid:
        return True
    try:
        return not await store.seen(f"twilio:{message_sid}", settings.dedup_ttl_seconds)
    except Exception:
        log.exception(
            "%s message %s answered unguarded: the state store is down", channel, message_sid
        )
        metrics.unguarded_deliveries.labels(channel).inc()
        return True


class InboundLimits:
    """How many messages a number, and all numbers together, may send a channel a minute
    (``ISPBOT_INBOUND_PER_NUMBER_PER_MINUTE``, ``ISPBOT_INBOUND_PER_MINUTE``): a flood from one
    number, or from many, must not become as many answers, each an SMS paid for.

    The buckets are bot/pacing.py's: in Redis (its token bucket script) when the process has
    Redis, so every process counts together; else in this process (its ``Schedule``). A
    bucket holds a minute's messages and refills at that pace. When Redis cannot be asked the
    message is let in: Twilio does not deliver a refused message again."""

    def __init__(
        self,
        settings: BotSettings,
        redis: Redis | None,
        *,
        now: Callable[[], float] = time.monotonic,
    ) -> None:
        self.prefix = settings.redis_prefix
        self.per_number = settings.inbound_per_number_per_minute
        self.total = settings.inbound_per_minute
        self.redis = redis
        self.now = now
        self._take = redis.register_script(TAKE) if redis is not None else None
        self._numbers = Schedule(self.per_number / 60, burst=self.per_number)
        self._channels = Schedule(self.total / 60, burst=self.total)
        self._swept_at = now()

    async def admit(self, channel: str, number: str) -> bool:
        """Count one message from ``number``: False when it is over either limit."""
        if self._take is not None:
            try:
                return await self._take_in_redis(
                    f"inbound:{channel}:{number}", self.per_number
                ) and await self._take_in_redis(f"inbound:{channel}", self.total)
            except Exception:
                log.exception("inbound limit for %s %s not checked: Redis is down", channel, number)
                return True
        at = self.now()
        if at - self._swept_at > 60:
            # Numbers quiet for a minute are forgotten: memory stays bounded by the traffic.
            self._numbers.forget_before(at)
            self._swept_at = at
        return self._numbers.admit(f"{channel}:{number}", at) and self._channels.admit(channel, at)

    async def _take_in_redis(self, key: str, per_minute: int) -> bool:
        assert self._take is not None
        keys = [f"{self.prefix}{key}", f"{self.prefix}{key}:paused"]
        wait_ms = await self._take(keys=keys, args=[per_minute / 60, per_minute, 1, ""])
        return int(wait_ms) == 0


async def admitted(limits: InboundLimits, channel: str, number: str, metrics: Metrics) -> bool:
    """False, counted in ``ispbot_inbound_refused``, when ``number`` is over a limit: the
    webhook then answers an empty TwiML (200, so that Twilio does not retry)."""
    if await limits.admit(channel, number):
        return True
    log.warning("%s message from %s refused: over the inbound limit", channel, number)
    metrics.inbound_refused.labels(channel).inc()
    return False


class DeliveryStatuses:
    """Twilio's status callbacks, kept by message SID in the state store (shared by every
    process when it is Redis), so a message's fate can be looked up and failures are logged."""

    def __init__(self, store: StateStore) -> None:
        self.store = store

    async def record(self, params: MultiDictProxy[str]) -> None:
        sid = params.get("MessageSid", "")
        status = params.get("MessageStatus", "")
        if not sid or status not in STATUSES:
            return
        key = ChatKey(STATUS_CHANNEL, sid)
        entry = await self.store.load(key) or {"history": []}
        entry.update(status=status, to=params.get("To", ""), error=params.get("ErrorCode"))
        entry["history"].append(status)
        await self.store.save(key, entry)
        if status in ("failed", "undelivered"):
            log.warning(
                "twilio message %s to %s %s (error %s)",
                sid,
                params.get("To"),
                status,
                params.get("ErrorCode"),
            )

    async def of(self, sid: str) -> dict | None:
        return await self.store.load(ChatKey(STATUS_CHANNEL, sid))


STATUSES_KEY = web.AppKey("twilio_statuses", DeliveryStatuses)
# WhatsApp's and SMS's senders, by channel name.
SENDERS_KEY = web.AppKey("twilio_senders", dict)


def setup(app: web.Application, wiring: Wiring) -> None:
    """Serve /twilio/status when the process has Twilio's REST client (the container closes
    it when the app stops)."""
    if wiring.twilio is None:
        return
    settings = wiring.settings
    statuses = DeliveryStatuses(wiring.store)
    app[STATUSES_KEY] = statuses
    app[SENDERS_KEY] = {
        channel: sender
        for channel, sender in wiring.senders.items()
        if channel in ("whatsapp", "sms")
    }

    async def status(request: web.Request) -> web.Response:
        params = await signed_form(request, settings)
        await statuses.record(params)
        return web.Response(status=204)

    app.router.add_post(STATUS_PATH, status)
