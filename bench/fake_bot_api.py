"""A lean Bot API server for benchmarks, in a process of its own so it takes no CPU from the bot.

It answers ``/bot<token>/<method>`` like Telegram (getMe, setWebhook, sendMessage...), and for
every message sent records the moment (``time.monotonic()``: the same clock in every process on
this machine) and the chat. Plain asyncio with a minimal HTTP/1.1 parser: aiohttp's server costs
several times more CPU per request, and here every cycle counts.

With ``--limit R`` it plays Telegram's flood control: a send above R a second (a bucket of one
second's worth) gets 429 with ``retry_after``, and is counted. With ``--hold-sends`` a send
is never answered (the turn that made it stays in flight: bench/refusals.py keeps a bot's
webhook full that way).

Control (same port): ``GET /stats`` → {"sends": [[t, chat_id], ...], "refused": n};
``POST /reset`` clears both.

    python bench/fake_bot_api.py --port 8931 [--limit 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from urllib.parse import parse_qsl

SEND_METHODS = {b"sendmessage", b"editmessagetext", b"sendphoto", b"senddocument"}
BOT = {"id": 123456, "is_bot": True, "first_name": "ISP", "username": "isp_bench_bot"}


class Stats:
    def __init__(self, limit: float | None, hold_sends: bool = False) -> None:
        self.hold_sends = hold_sends
        self.sends: list[tuple[float, int]] = []
        self.refused = 0
        self.limit = limit
        self.tokens = limit or 0.0
        self.refilled = time.monotonic()
        self.message_ids = 1000

    def allow(self, now: float) -> bool:
        if self.limit is None:
            return True
        self.tokens = min(self.limit, self.tokens + (now - self.refilled) * self.limit)
        self.refilled = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        self.refused += 1
        return False


def _params(content_type: bytes, body: bytes) -> dict:
    if not body:
        return {}
    if content_type.startswith(b"application/json"):
        return json.loads(body)
    if content_type.startswith(b"multipart/form-data"):
        boundary = content_type.split(b"boundary=", 1)[1].strip(b'"')
        params = {}
        for part in body.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' in head:
                name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
                params[name] = value.removesuffix(b"\r\n").decode(errors="replace")
        return params
    return dict(parse_qsl(body.decode()))


def _answer(status: int, payload: object) -> bytes:
    body = json.dumps(payload).encode()
    reason = {200: b"OK", 404: b"Not Found", 429: b"Too Many Requests"}.get(status, b"OK")
    return (
        b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
        % (status, reason, len(body))
        + body
    )


class BotApiProtocol(asyncio.Protocol):
    def __init__(self, stats: Stats) -> None:
        self.stats = stats
        self.buffer = b""

    def connection_made(self, transport) -> None:  # type: ignore[override]
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            start = end + 4
            if headers.get(b"transfer-encoding", b"").lower() == b"chunked":
                body, used = _dechunk(self.buffer, start)
                if body is None:
                    return
                rest = self.buffer[used:]
            else:
                length = int(headers.get(b"content-length", b"0"))
                if len(self.buffer) < start + length:
                    return
                body, rest = self.buffer[start : start + length], self.buffer[start + length :]
            self.buffer = rest
            method, path = head[0].split(b" ")[:2]
            answer = self.respond(method, path, headers, body)
            if answer is not None:
                self.transport.write(answer)

    def respond(self, verb: bytes, path: bytes, headers: dict, body: bytes) -> bytes | None:
        stats = self.stats
        if path == b"/stats":
            return _answer(200, {"sends": stats.sends, "refused": stats.refused})
        if path == b"/reset":
            stats.sends, stats.refused = [], 0
            return _answer(200, {"ok": True})
        method = path.rsplit(b"/", 1)[-1].split(b"?")[0].lower()
        if method == b"getme":
            return _answer(200, {"ok": True, "result": BOT})
        if method not in SEND_METHODS:
            return _answer(200, {"ok": True, "result": True})
        if stats.hold_sends:
            return None
        now = time.monotonic()
        if not stats.allow(now):
            return _answer(
                429,
                {
                    "ok": False,
                    "error_code": 429,
                    "description": "Too Many Requests: retry after 1",
                    "parameters": {"retry_after": 1},
                },
            )
        params = _params(headers.get(b"content-type", b""), body)
        chat_id = int(params.get("chat_id", 0))
        stats.sends.append((now, chat_id))
        stats.message_ids += 1
        message = {
            "message_id": stats.message_ids,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private", "first_name": "Bench"},
            "text": params.get("text", ""),
        }
        return _answer(200, {"ok": True, "result": message})


def _dechunk(buffer: bytes, start: int) -> tuple[bytes | None, int]:
    body, at = b"", start
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None, 0
        size = int(buffer[at:line_end].split(b";")[0], 16)
        if len(buffer) < line_end + 2 + size + 2:
            return None, 0
        body += buffer[line_end + 2 : line_end + 2 + size]
        at = line_end + 2 + size + 2
        if size == 0:
            return body, at


async def serve(port: int, limit: float | None, hold_sends: bool = False) -> None:
    stats = Stats(limit, hold_sends)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: BotApiProtocol(stats), "127.0.0.1", port, backlog=1024
    )
    print(f"fake Bot API on 127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8931)
    parser.add_argument("--limit", type=float, default=None, help="sends a second before 429")
    parser.add_argument("--hold-sends", action="store_true", help="never answer a send")
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.port, args.limit, args.hold_sends))


if __name__ == "__main__":
    main()
