"""The web chat's socket fuzzed (issue 19): frames that are not JSON, JSON of any shape, binary
and oversize frames, uploads (file frames) of any name, type and size, and odd cookies and
languages; never an error logged, the socket still answers after any frame it can read, and
a frame it ignores changes nothing."""

from __future__ import annotations

import asyncio
import base64
import json
from typing import Any

from aiohttp import WSCloseCode, WSMsgType
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.webchat import COOKIE, COOKIE_VALUE, MAX_FRAME_BYTES
from tests.ops.fuzz_app import REQUESTS, fuzz_settings
from tests.ops.fuzz_strategies import (
    header_value,
    json_values,
    odd_text,
    percent,
    spoiled,
    within_a_line,
)

FILE_SIZES = (0, 1, 5 * 1024 * 1024 + 1)
uploads = st.builds(
    lambda name, content_type, data: {
        "type": "file",
        "name": name,
        "content_type": content_type,
        "data": base64.b64encode(data).decode(),
    },
    st.one_of(st.sampled_from(("receipt.pdf", "../../etc/passwd", "a.exe")), odd_text),
    st.one_of(st.sampled_from(("application/pdf", "image/jpeg", "text/html")), odd_text),
    st.one_of(st.binary(max_size=64), st.sampled_from(FILE_SIZES).map(lambda n: b"%" * n)),
)
TEMPLATES = (
    {"type": "text", "text": "menu"},
    {"type": "choice", "id": "menu:status"},
    {"type": "file", "name": "bill.pdf", "content_type": "application/pdf", "data": "JVBERg=="},
)
# A frame as the browser sends it: text (JSON or not) or binary.
frames = st.one_of(
    odd_text.map(lambda text: ("text", text)),
    json_values.map(lambda value: ("text", json.dumps(value))),
    st.one_of(*(spoiled(t) for t in TEMPLATES)).map(lambda frame: ("text", json.dumps(frame))),
    st.builds(lambda t: ("text", json.dumps({"type": "text", "text": t})), odd_text),
    st.builds(lambda i: ("text", json.dumps({"type": "choice", "id": i})), odd_text),
    uploads.map(lambda frame: ("text", json.dumps(frame))),
    st.binary(max_size=64).map(lambda data: ("binary", data)),
    st.just(("text", "x" * (MAX_FRAME_BYTES + 1))),
)
TIMEOUT = 10


async def read_until(ws, kind: WSMsgType) -> list[Any]:
    """The frames before the first of ``kind`` (or the close)."""
    messages = []
    while True:
        message = await asyncio.wait_for(ws.receive(), timeout=TIMEOUT)
        if message.type in (kind, WSMsgType.CLOSE, WSMsgType.CLOSED, WSMsgType.CLOSING):
            return [*messages, message]
        messages.append(message)


@fuzz_settings
@given(
    frame=frames,
    cookie=st.one_of(st.from_regex(COOKIE_VALUE, fullmatch=True), odd_text.filter(bool)),
    language=st.one_of(st.none(), odd_text),
)
async def test_the_socket_survives_any_frame(production_app, frame, cookie, language):
    client, errors = production_app.client, production_app.errors
    errors.records.clear()
    path = "/ws" if language is None else within_a_line(f"/ws?lang={percent(language)}")
    headers = {"Cookie": f"{COOKIE}={header_value(cookie)}"}
    if not COOKIE_VALUE.fullmatch(header_value(cookie)):
        # Not a cookie the page sets: no socket, and nothing changed.
        status, _ = await production_app.send("GET /ws (odd cookie)", "GET", path, headers=headers)
        assert status == 400
        return
    kind, data = frame
    oversize = len(data) > MAX_FRAME_BYTES
    async with client.ws_connect(path, headers=headers, autoping=False) as ws:
        greeting = await read_until(ws, WSMsgType.TEXT)
        assert greeting[-1].type == WSMsgType.TEXT, (greeting, errors.told())
        async with production_app.quiet:
            before = await production_app.snapshot()
            try:
                await (ws.send_str(data) if kind == "text" else ws.send_bytes(data))
            except ConnectionError as lost:
                raise AssertionError(f"the socket closed: {errors.told()}") from lost
            REQUESTS["WS /ws (oversize)" if oversize else f"WS /ws ({kind})"] += 1
            if oversize:
                closing = await read_until(ws, WSMsgType.CLOSE)
                assert ws.close_code == WSCloseCode.MESSAGE_TOO_BIG, closing
            else:
                await ws.ping()
                answered = await read_until(ws, WSMsgType.PONG)
                assert answered[-1].type == WSMsgType.PONG, answered
                if len(answered) == 1:  # the frame was ignored: it changed nothing
                    assert await production_app.snapshot() == before, frame
        if not oversize:
            # And the chat goes on.
            await ws.send_str(json.dumps({"type": "text", "text": "menu"}))
            assert (await read_until(ws, WSMsgType.TEXT))[-1].type == WSMsgType.TEXT
    assert not errors.records, errors.told()
