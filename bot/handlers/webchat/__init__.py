"""The web chat channel: a page at ``/`` and a WebSocket at ``/ws`` that speak to the engine.

A browser's chat is named by a random cookie set with the page; the socket refuses other
origins, so another site cannot drive a subscriber's chat with their cookie. Notices reach it
through its mailbox, from any process (bot/handlers/webchat/mail.py); a socket that opens shows
what waits there first, then where the conversation stands.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import secrets
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import WSCloseCode, WSMsgType, web

from bot.adapters.chat_bus import ChatBus
from bot.config import BotSettings
from bot.dialogs.contract import Attachment, Outcome, Reply, Turn
from bot.dialogs.engine import Engine
from bot.dialogs.state import ChatKey, KeyedLocks, StateStore
from bot.handlers.files import FileLinks
from bot.handlers.webchat.frames import reply_frame, reply_frames
from bot.handlers.webchat.mail import CHANNEL, WebChatSender, mailbox
from bot.wiring import Wiring

log = logging.getLogger(__name__)

__all__ = ["CHANNEL", "HUB", "WebChatHub", "WebChatSender", "reply_frame", "setup"]

COOKIE = "ispbot_chat"
# What ``index`` sets (``secrets.token_urlsafe``): a cookie of another shape was not ours, and
# never becomes a chat's id.
COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{16,64}")
STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"
# Base64 of the largest attachment we accept, plus the JSON around it.
MAX_FRAME_BYTES = 8 * 1024 * 1024
# Longer than any login link's token (core/accounts/login_links.py): the rest is not read.
MAX_LOGIN_TOKEN = 64
# How long a reading of a chat's mailbox waits for the one before it.
MAIL_WAIT_SECONDS = 30.0


class WebChatHub:
    """The open sockets of this process, by chat id. While it holds a chat it listens for the
    chat's calls (bot/adapters/chat_bus.py) and shows what the chat's mailbox holds on every
    open tab of it (bot/handlers/webchat/mail.py)."""

    def __init__(
        self, settings: BotSettings, links: FileLinks, store: StateStore, bus: ChatBus
    ) -> None:
        self.settings = settings
        self.links = links
        self.store = store
        self.bus = bus
        self._sockets: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        # One reading of a chat's mailbox at a time, so its notices show in their order.
        self._reading = KeyedLocks()

    async def add(self, chat_id: str, socket: web.WebSocketResponse) -> None:
        first = chat_id not in self._sockets
        self._sockets[chat_id].add(socket)
        if first:
            try:
                await self.bus.listen(chat_id, self.show_mail)
            except BaseException:
                # Not left behind as listening: the chat's next tab subscribes again.
                self._sockets.pop(chat_id, None)
                raise

    async def remove(self, chat_id: str, socket: web.WebSocketResponse) -> None:
        tabs = self._sockets.get(chat_id)
        if tabs is None:
            return
        tabs.discard(socket)
        if not tabs:
            del self._sockets[chat_id]
            await self.bus.stop(chat_id)

    async def show_mail(self, chat_id: str) -> None:
        """Show what waits in the chat's mailbox on every tab of it this process holds; what
        no tab took goes back to the mailbox."""
        async with self._reading.hold(chat_id, MAIL_WAIT_SECONDS, ChatKey(CHANNEL, chat_id)):
            if not self._sockets.get(chat_id):
                return
            notices = await self.store.take_mail(mailbox(chat_id))
            for position, notice in enumerate(notices):
                if not await self._push(chat_id, json.loads(notice)):
                    await self._keep(chat_id, notices[position:])
                    return

    async def _push(self, chat_id: str, frames: list[dict]) -> bool:
        delivered = False
        for socket in list(self._sockets.get(chat_id, ())):
            try:
                for frame in frames:
                    await socket.send_json(frame)
                delivered = True
            except ConnectionError:
                await self.remove(chat_id, socket)
        return delivered

    async def _keep(self, chat_id: str, notices: list[str]) -> None:
        for notice in notices:
            await self.store.add_mail(
                mailbox(chat_id),
                notice,
                limit=self.settings.webchat_mailbox_size,
                ttl_seconds=self.settings.webchat_mailbox_ttl_seconds,
            )

    async def frames(self, replies: Sequence[Reply]) -> list[dict]:
        """The replies as frames, each file stored and given its link."""
        return await reply_frames(self.links, replies)

    async def close_all(self) -> None:
        """Close every open socket as "going away" (1001): the server is stopping."""
        sockets = [socket for tabs in self._sockets.values() for socket in tabs]
        await asyncio.gather(
            *(socket.close(code=WSCloseCode.GOING_AWAY) for socket in sockets),
            return_exceptions=True,
        )


# The serve process's hub, for the app's shutdown and for tests.
HUB = web.AppKey("webchat_hub", WebChatHub)


def turn_from_frame(frame: dict, chat_id: str, language_hint: str | None) -> Turn | None:
    """The engine turn a browser frame stands for, or None for a frame we do not understand."""
    base = {
        "channel": CHANNEL,
        "chat_id": chat_id,
        "user_id": chat_id,
        "language_hint": language_hint,
    }
    kind = frame.get("type")
    if kind == "text" and isinstance(frame.get("text"), str) and frame["text"].strip():
        # Whole: the engine refuses a text longer than a turn carries, saying the limit.
        return Turn(**base, text=frame["text"])
    if kind == "choice" and isinstance(frame.get("id"), str):
        return Turn(**base, choice=frame["id"][:200])
    if kind == "file" and isinstance(frame.get("data"), str):
        try:
            data = base64.b64decode(frame["data"], validate=True)
        except (binascii.Error, ValueError):
            return None
        attachment = Attachment(
            filename=str(frame.get("name") or "file")[:200],
            content_type=str(frame.get("content_type") or "application/octet-stream")[:100],
            data=data,
        )
        return Turn(**base, attachment=attachment)
    return None


def same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    if origin is None:
        return True  # not a browser: no ambient cookie to abuse
    return urlsplit(origin).netloc == request.host


def chat_of(request: web.Request) -> str | None:
    """The browser's chat id: its cookie, when it is one the page set."""
    value = request.cookies.get(COOKIE, "")
    return value if COOKIE_VALUE.fullmatch(value) else None


async def index(request: web.Request) -> web.StreamResponse:
    response = web.FileResponse(STATIC_DIR / "index.html")
    if chat_of(request) is None:
        response.set_cookie(
            COOKIE, secrets.token_urlsafe(18), httponly=True, samesite="Lax", max_age=90 * 86400
        )
    return response


def static_files(folder: Path):
    """The page's own files, served by name only: a name that is not one of them is a 404
    before it reaches the disk (aiohttp's static route handed any name to the file system,
    where one too long for it was a 500)."""
    files = {path.name: path for path in folder.iterdir() if path.is_file()}

    async def static_file(request: web.Request) -> web.StreamResponse:
        path = files.get(request.match_info["name"])
        if path is None:
            raise web.HTTPNotFound()
        return web.FileResponse(path)

    return static_file


async def favicon(_request: web.Request) -> web.StreamResponse:
    return web.FileResponse(STATIC_DIR / "favicon.svg", headers={"Content-Type": "image/svg+xml"})


def socket_handler(engine: Engine, hub: WebChatHub):
    async def socket(request: web.Request) -> web.StreamResponse:
        if not same_origin(request):
            raise web.HTTPForbidden(text="cross-origin chat refused")
        chat_id = chat_of(request)
        if chat_id is None:
            raise web.HTTPBadRequest(text="open the chat page first")
        language_hint = request.query.get("lang")
        # A one-time login link the page was opened with (/?login=…): the greeting redeems it.
        login_token = request.query.get("login", "")[:MAX_LOGIN_TOKEN] or None
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
        await ws.prepare(request)
        await hub.add(chat_id, ws)
        try:
            # What was sent while the chat was away (a payment's confirmation), then the menu.
            await hub.show_mail(chat_id)
            await _greet(engine, hub, ws, chat_id, language_hint, login_token)
            async for message in ws:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    frame = json.loads(message.data)
                except ValueError:
                    log.info("web chat %s sent a frame that is not JSON", chat_id)
                    continue
                turn = (
                    turn_from_frame(frame, chat_id, language_hint)
                    if isinstance(frame, dict)
                    else None
                )
                if turn is None:
                    log.info("web chat %s sent an unknown frame", chat_id)
                    continue
                await _send_outcome(hub, ws, await engine.handle(turn))
        finally:
            await hub.remove(chat_id, ws)
        return ws

    return socket


async def _greet(
    engine,
    hub: WebChatHub,
    ws: web.WebSocketResponse,
    chat_id: str,
    language_hint: str | None,
    login_token: str | None = None,
) -> None:
    """A page load (or reload) shows where the conversation stands, after logging the chat in
    when the page was opened by a login link."""
    turn = Turn(
        channel=CHANNEL,
        chat_id=chat_id,
        user_id=chat_id,
        language_hint=language_hint,
        choice="engine:resume",
        login_token=login_token,
    )
    await _send_outcome(hub, ws, await engine.handle(turn))


async def _send_outcome(hub: WebChatHub, ws: web.WebSocketResponse, outcome: Outcome) -> None:
    for frame in await hub.frames(outcome.replies):
        await ws.send_json(frame)


def setup(app: web.Application, wiring: Wiring) -> None:
    """Serve the page and the socket; the process's hub shows the notices every process's
    notifier leaves for the chats it holds (``app[HUB]``)."""
    hub = WebChatHub(wiring.settings, wiring.links, wiring.store, wiring.chat_bus)
    app[HUB] = hub
    app.router.add_get("/", index)
    app.router.add_get("/ws", socket_handler(wiring.engine, hub))
    app.router.add_get("/static/{name}", static_files(STATIC_DIR))
    # Browsers ask for /favicon.ico whatever the page links to.
    app.router.add_get("/favicon.ico", favicon)

    async def close_sockets(_app: web.Application) -> None:
        await hub.close_all()

    # On shutdown, before aiohttp waits (up to a minute) for the handlers to end: an open
    # socket's handler ends only when its socket closes.
    app.on_shutdown.append(close_sockets)
