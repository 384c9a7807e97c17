"""A local HTTP server that speaks the Telegram Bot API, for tests and benchmarks.

It serves ``/bot<token>/<method>`` as Telegram does (form or JSON parameters in, ``{"ok": ...}``
out), records every call in ``calls``, keeps files for ``getFile`` and ``/file/bot<token>/...``,
hands queued updates to ``getUpdates`` (long polling), and answers 429 or 403 on demand::

    async with FakeBotApi() as api:
        settings.telegram_api_base = api.base_url
        api.fail_next("sendMessage", 429, retry_after=2)
        ...
        assert api.texts(chat_id=42) == [...]

Builders for update JSON (``message_update``, ``callback_update``...) sit at the end, so tests
post the same payloads Telegram posts.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField

TOKEN = "123456:TEST-token-for-the-fake-bot-api"
BOT_ID = 123456
JSON_FIELDS = {"reply_markup", "allowed_updates", "entities", "link_preview_options", "media"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    # Uploaded files by field name: (filename, bytes).
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    # What the fake answered (the Message of a send: its ``message_id``), None for an error.
    result: Any = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [button for row in markup.get("inline_keyboard", []) for button in row]

    def button(self, label_part: str) -> dict[str, Any]:
        for button in self.buttons:
            if label_part.casefold() in button["text"].casefold():
                return button
        labels = [b["text"] for b in self.buttons]
        raise AssertionError(f"no button like {label_part!r} in {labels}")


@dataclass
class _Failure:
    status: int
    description: str
    retry_after: int | None = None


class FakeBotApi:
    """The Bot API on a free local port. Use as ``async with FakeBotApi() as api``."""

    def __init__(self, token: str = TOKEN, *, bot_id: int = BOT_ID) -> None:
        self.token = token
        self.bot_id = bot_id
        self.calls: list[Call] = []
        self.files: dict[str, tuple[str, bytes]] = {}  # file_id -> (file_path, data)
        self.webhook: dict[str, Any] | None = None
        self._failures: dict[str, deque[_Failure]] = defaultdict(deque)
        self._raw: dict[str, deque[tuple[bytes, float]]] = defaultdict(deque)
        self._updates: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._message_ids = itertools.count(1000)
        self._called = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        # Forum topics made by createForumTopic: thread id -> name (editForumTopic renames).
        self.topics: dict[int, str] = {}
        self.closed_topics: set[int] = set()
        self._thread_ids = itertools.count(70)
        # getChatMember's status per (chat id, user id); "member" for anyone not listed.
        self.members: dict[tuple[int, int], str] = {}

    # ---- lifecycle ------------------------------------------------------------------------

    async def start(self) -> FakeBotApi:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._method)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeBotApi:
        return await self.start()

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    # ---- what tests arrange -----------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        status: int,
        *,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> None:
        """The next call of ``method`` gets this error (429 with ``retry_after``, 403...)."""
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                403: "Forbidden: bot was blocked by the user",
                400: "Bad Request: message can't be edited",
            }.get(status, "Error")
        self._failures[method].append(_Failure(status, description, retry_after))

    def answer_next(self, method: str, body: bytes, *, after: float = 0.0) -> None:
        """The next call of ``method`` gets ``body`` as it is (200, JSON's content type),
        ``after`` seconds late."""
        self._raw[method].append((body, after))

    def add_file(self, file_id: str, data: bytes, file_path: str | None = None) -> None:
        self.files[file_id] = (file_path or f"photos/{file_id}.jpg", data)

    def queue_update(self, update: dict[str, Any]) -> None:
        """An update for the next ``getUpdates`` (polling mode)."""
        self._updates.put_nowait(update)

    # ---- what tests read ----------------------------------------------------------------------

    def calls_of(self, method: str, *, chat_id: int | None = None) -> list[Call]:
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent(self, chat_id: int | None = None) -> list[Call]:
        """Everything that showed a message in a chat: sends and edits that succeeded."""
        shown = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
        return [
            c
            for c in self.calls
            if c.method in shown
            and not c.params.get("_failed")
            and (chat_id is None or c.chat_id == chat_id)
        ]

    def in_topic(self, chat_id: int, thread_id: int) -> list[str]:
        """What was shown in one forum topic (texts and captions)."""
        return [
            c.params.get("text") or c.params.get("caption") or ""
            for c in self.sent(chat_id)
            if str(c.params.get("message_thread_id")) == str(thread_id)
        ]

    def texts(self, chat_id: int | None = None) -> list[str]:
        return [c.params.get("text") or c.params.get("caption") or "" for c in self.sent(chat_id)]

    def last(self, chat_id: int | None = None) -> Call:
        sent = self.sent(chat_id)
        assert sent, "nothing was sent"
        return sent[-1]

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(self, method: str, count: int = 1, *, within: float = 5) -> list[Call]:
        """Wait until ``method`` succeeded ``count`` times (for polling and background sends)."""

        def enough() -> bool:
            done = [c for c in self.calls_of(method) if not c.params.get("_failed")]
            return len(done) >= count

        async with asyncio.timeout(within), self._called:
            await self._called.wait_for(enough)
        return [c for c in self.calls_of(method) if not c.params.get("_failed")]

    # ---- the API --------------------------------------------------------------------------------

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params, files = await _read_params(request)
        call = Call(method, params, files)
        if method != "getUpdates":
            self.calls.append(call)
        raw = self._raw.get(method)
        if raw:
            body, after = raw.popleft()
            await asyncio.sleep(after)
            await self._notify()
            return web.Response(body=body, content_type="application/json")
        failures = self._failures.get(method)
        if failures:
            failure = failures.popleft()
            call.params["_failed"] = failure.status
            await self._notify()
            extra = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, extra)
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            await self._notify()
            return _error(404, "Not Found: method not found")
        result = await handler(call)
        if isinstance(result, web.Response):
            await self._notify()
            return result
        call.result = result
        await self._notify()
        return web.json_response({"ok": True, "result": result})

    async def _notify(self) -> None:
        async with self._called:
            self._called.notify_all()

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        path = request.match_info["path"]
        for file_path, data in self.files.values():
            if file_path == path:
                return web.Response(body=data, content_type="application/octet-stream")
        return web.Response(status=404)

    def _message(self, call: Call, **content: Any) -> dict[str, Any]:
        chat_id = int(call.params["chat_id"])
        if call.params.get("message_thread_id") is not None:
            content.update(
                message_thread_id=int(call.params["message_thread_id"]), is_topic_message=True
            )
        return {
            "message_id": next(self._message_ids),
            "date": 1764000000,
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
            "from": {"id": self.bot_id, "is_bot": True, "first_name": "ISP"},
            **content,
        }

    async def _api_getMe(self, _call: Call) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "ISP", "username": "isp_bot"}

    async def _api_sendMessage(self, call: Call) -> dict[str, Any]:
        return self._message(call, text=call.params.get("text", ""))

    async def _api_sendPhoto(self, call: Call) -> dict[str, Any]:
        photo = {"file_id": "sent-photo", "file_unique_id": "sp", "width": 1, "height": 1}
        return self._message(call, photo=[photo], caption=call.params.get("caption"))

    async def _api_sendDocument(self, call: Call) -> dict[str, Any]:
        name = next(iter(call.files.values()), ("file", b""))[0]
        document = {"file_id": "sent-doc", "file_unique_id": "sd", "file_name": name}
        return self._message(call, document=document, caption=call.params.get("caption"))

    async def _api_editMessageText(self, call: Call) -> dict[str, Any]:
        message = self._message(call, text=call.params.get("text", ""))
        message["message_id"] = int(call.params["message_id"])
        return message

    async def _api_editMessageReplyMarkup(self, call: Call) -> dict[str, Any]:
        message = self._message(call, text="")
        message["message_id"] = int(call.params["message_id"])
        return message

    async def _api_createForumTopic(self, call: Call) -> dict[str, Any]:
        thread_id = next(self._thread_ids)
        self.topics[thread_id] = call.params["name"]
        return {"message_thread_id": thread_id, "name": call.params["name"], "icon_color": 0}

    async def _api_editForumTopic(self, call: Call) -> bool | web.Response:
        thread_id = int(call.params["message_thread_id"])
        if thread_id not in self.topics:
            return _error(400, "Bad Request: TOPIC_ID_INVALID")
        if call.params.get("name"):
            self.topics[thread_id] = call.params["name"]
        return True

    async def _api_closeForumTopic(self, call: Call) -> bool:
        self.closed_topics.add(int(call.params["message_thread_id"]))
        return True

    async def _api_reopenForumTopic(self, call: Call) -> bool:
        self.closed_topics.discard(int(call.params["message_thread_id"]))
        return True

    async def _api_getChatMember(self, call: Call) -> dict[str, Any]:
        user_id = int(call.params["user_id"])
        status = self.members.get((int(call.params["chat_id"]), user_id), "member")
        member: dict[str, Any] = {"status": status, "user": user(user_id)}
        if status == "administrator":
            member.update(
                can_be_edited=False,
                is_anonymous=False,
                can_manage_chat=True,
                can_delete_messages=True,
                can_manage_video_chats=True,
                can_restrict_members=True,
                can_promote_members=False,
                can_change_info=True,
                can_invite_users=True,
                can_post_stories=False,
                can_edit_stories=False,
                can_delete_stories=False,
                can_send_welcome_messages=False,
            )
        elif status == "creator":
            member.update(is_anonymous=False)
        return member

    async def _api_answerCallbackQuery(self, _call: Call) -> bool:
        return True

    async def _api_deleteMessage(self, _call: Call) -> bool:
        return True

    async def _api_getFile(self, call: Call) -> dict[str, Any] | web.Response:
        file_id = call.params.get("file_id", "")
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        file_path, data = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"u-{file_id}",
            "file_size": len(data),
            "file_path": file_path,
        }

    async def _api_setWebhook(self, call: Call) -> bool:
        self.webhook = dict(call.params)
        return True

    async def _api_deleteWebhook(self, _call: Call) -> bool:
        self.webhook = None
        return True

    async def _api_getUpdates(self, call: Call) -> list[dict[str, Any]] | web.Response:
        if self.webhook is not None:
            return _error(409, "Conflict: can't use getUpdates method while webhook is active")
        timeout = float(call.params.get("timeout") or 0)
        updates: list[dict[str, Any]] = []
        try:
            async with asyncio.timeout(min(timeout, 1.0) or 0.01):
                updates.append(await self._updates.get())
        except TimeoutError:
            return []
        while not self._updates.empty():
            updates.append(self._updates.get_nowait())
        return updates


def _error(status: int, description: str, parameters: dict | None = None) -> web.Response:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=status)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, tuple[str, bytes]]]:
    params: dict[str, Any] = {}
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type == "application/json":
        params = await request.json()
        return params, files
    if request.query:
        params.update(request.query)
    if request.can_read_body:
        form = await request.post()
        for key, value in form.items():
            if isinstance(value, FileField):
                files[key] = (value.filename, value.file.read())
            elif key in JSON_FIELDS:
                params[key] = json.loads(value)
            else:
                params[key] = value
    for key, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[key] = files.get(value.removeprefix("attach://"), ("", b""))[0]
    return params, files


# ---- update builders: the JSON Telegram posts ----------------------------------------------------

_update_ids = itertools.count(900_000_000)
_message_ids = itertools.count(1)


def next_update_id() -> int:
    return next(_update_ids)


def user(user_id: int, language_code: str | None = "en", first_name: str = "Sara") -> dict:
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if language_code is not None:
        person["language_code"] = language_code
    return person


def _message(user_id: int, language_code: str | None, **content: Any) -> dict[str, Any]:
    return {
        "message_id": next(_message_ids),
        "date": 1764000000,
        "chat": {"id": user_id, "type": "private", "first_name": "Sara"},
        "from": user(user_id, language_code),
        **content,
    }


def message_update(
    user_id: int, text: str, *, language_code: str | None = "en", update_id: int | None = None
) -> dict[str, Any]:
    return {
        "update_id": update_id if update_id is not None else next_update_id(),
        "message": _message(user_id, language_code, text=text),
    }


def topic_message_update(
    chat_id: int, thread_id: int, user_id: int, text: str, *, first_name: str = "Reza"
) -> dict[str, Any]:
    """A message in a forum topic of a supergroup, as an agent writes it."""
    return {
        "update_id": next_update_id(),
        "message": {
            "message_id": next(_message_ids),
            "message_thread_id": thread_id,
            "is_topic_message": True,
            "date": 1764000000,
            "chat": {"id": chat_id, "type": "supergroup", "title": "Support", "is_forum": True},
            "from": user(user_id, "en", first_name=first_name),
            "text": text,
        },
    }


def contact_update(
    user_id: int,
    phone: str,
    *,
    contact_user_id: int | None = None,
    language_code: str | None = "en",
) -> dict[str, Any]:
    contact = {"phone_number": phone, "first_name": "Sara", "user_id": contact_user_id or user_id}
    return {
        "update_id": next_update_id(),
        "message": _message(user_id, language_code, contact=contact),
    }


def photo_update(
    user_id: int, file_id: str, size: int, *, caption: str | None = None
) -> dict[str, Any]:
    sizes = [
        {"file_id": f"{file_id}-small", "file_unique_id": "s", "width": 90, "height": 90},
        {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "width": 1280,
            "height": 960,
            "file_size": size,
        },
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return {"update_id": next_update_id(), "message": _message(user_id, "en", **content)}


def document_update(
    user_id: int, file_id: str, file_name: str, mime_type: str, size: int
) -> dict[str, Any]:
    document = {
        "file_id": file_id,
        "file_unique_id": f"u{file_id}",
        "file_name": file_name,
        "mime_type": mime_type,
        "file_size": size,
    }
    return {"update_id": next_update_id(), "message": _message(user_id, "en", document=document)}


def callback_update(
    user_id: int,
    data: str,
    *,
    message_id: int,
    language_code: str | None = "en",
    update_id: int | None = None,
) -> dict[str, Any]:
    """A press of an inline button with ``data`` on the bot's message ``message_id``."""
    return {
        "update_id": update_id if update_id is not None else next_update_id(),
        "callback_query": {
            "id": f"cb{next(_message_ids)}",
            "from": user(user_id, language_code),
            "chat_instance": "ci-1",
            "data": data,
            "message": {
                "message_id": message_id,
                "date": 1764000000,
                "chat": {"id": user_id, "type": "private", "first_name": "Sara"},
                "from": {"id": BOT_ID, "is_bot": True, "first_name": "ISP"},
                "text": "menu",
            },
        },
    }


def group_callback_update(
    chat_id: int, thread_id: int | None, user_id: int, data: str, *, message_id: int
) -> dict[str, Any]:
    """A press of an inline button on the bot's message in a forum group (a topic's, or the
    General topic's when ``thread_id`` is None), as an agent presses it."""
    message: dict[str, Any] = {
        "message_id": message_id,
        "date": 1764000000,
        "chat": {"id": chat_id, "type": "supergroup", "title": "Support", "is_forum": True},
        "from": {"id": BOT_ID, "is_bot": True, "first_name": "ISP"},
        "text": "documents",
    }
    if thread_id is not None:
        message.update(message_thread_id=thread_id, is_topic_message=True)
    return {
        "update_id": next_update_id(),
        "callback_query": {
            "id": f"cb{next(_message_ids)}",
            "from": user(user_id, "en", first_name="Reza"),
            "chat_instance": "ci-group",
            "data": data,
            "message": message,
        },
    }


def _member(member: dict[str, Any], status: str) -> dict[str, Any]:
    # A banned member carries until_date (0: for ever), as Telegram sends it.
    return {**member, "status": status, **({"until_date": 0} if status == "kicked" else {})}


def blocked_update(user_id: int, status: str = "kicked") -> dict[str, Any]:
    """Telegram's notice that the user blocked (``kicked``) or restarted (``member``) the bot."""
    member = {"user": {"id": BOT_ID, "is_bot": True, "first_name": "ISP"}}
    return {
        "update_id": next_update_id(),
        "my_chat_member": {
            "chat": {"id": user_id, "type": "private", "first_name": "Sara"},
            "from": user(user_id),
            "date": 1764000000,
            "old_chat_member": _member(member, "member" if status == "kicked" else "kicked"),
            "new_chat_member": _member(member, status),
        },
    }


class TelegramUser:
    """A person in a private chat with the bot: posts updates through ``post`` (the webhook, or
    the fake's update queue) and reads what the bot showed in the chat since the last action."""

    def __init__(self, api: FakeBotApi, post, user_id: int, language_code: str | None = "en"):
        self.api = api
        self.post = post
        self.user_id = user_id
        self.language_code = language_code
        self._mark = 0

    async def _deliver(self, update: dict[str, Any]) -> Any:
        self._mark = len(self.api.calls)
        return await self.post(update)

    async def say(self, text: str) -> Any:
        return await self._deliver(
            message_update(self.user_id, text, language_code=self.language_code)
        )

    async def share_contact(self, phone: str, *, contact_user_id: int | None = None) -> Any:
        return await self._deliver(
            contact_update(
                self.user_id,
                phone,
                contact_user_id=contact_user_id,
                language_code=self.language_code,
            )
        )

    async def send_photo(self, file_id: str, data: bytes) -> Any:
        self.api.add_file(file_id, data)
        return await self._deliver(photo_update(self.user_id, file_id, len(data)))

    async def press(self, label_part: str) -> Any:
        """Press the button like ``label_part`` on the newest message that has buttons."""
        shown = [c for c in self.api.sent(self.user_id) if c.buttons]
        assert shown, "no message with buttons in this chat"
        message = shown[-1]
        button = message.button(label_part)
        return await self._deliver(
            callback_update(
                self.user_id,
                button["callback_data"],
                message_id=message.result["message_id"],
                language_code=self.language_code,
            )
        )

    @property
    def calls(self) -> list[Call]:
        """What the bot did in this chat since the last action."""
        return [c for c in self.api.calls[self._mark :] if c.chat_id == self.user_id]

    @property
    def shown(self) -> list[Call]:
        """Messages shown in the chat (sent or edited) since the last action."""
        kinds = {"sendMessage", "editMessageText", "sendPhoto", "sendDocument"}
        return [c for c in self.calls if c.method in kinds and not c.params.get("_failed")]

    @property
    def text(self) -> str:
        return "\n\n".join(
            c.params.get("text") or c.params.get("caption") or "" for c in self.shown
        )

    @property
    def labels(self) -> list[str]:
        with_buttons = [c for c in self.shown if c.buttons]
        return [b["text"] for b in with_buttons[-1].buttons] if with_buttons else []
