"""The load generator: posts Telegram update JSON to a webhook, in a process of its own.

Each update is a private text message (or, with ``--button``, a pressed inline button) from a
chat of its own within the run, so the reply the local Bot API server (bench/fake_bot_api.py)
records for that chat (a sendMessage, or the editMessageText of a press) is this update's reply.
Like Telegram, an answer other than 2xx (or no answer) is delivered again later, the same
update_id, until the run's deadline: after Retry-After or 1 s, doubling with each refusal of
that update up to 8 s (Telegram backs off too, though its schedule is not published).

- ``--mode saturate``: ``--concurrency`` updates in flight at all times for ``--duration``
  seconds (closed loop): replies a second is the capacity.
- ``--mode rate``: ``--rate`` new updates a second for ``--duration`` seconds (open loop), as
  Telegram sends them whatever the bot's pace. Like Telegram, at most ``--connections``
  requests at once (setWebhook's ``max_connections``, 40 unless set): an update that finds
  them all busy waits in line, oldest first, as Telegram's pending updates do. ``--connections
  0`` lifts the limit: every update is posted the moment it arrives, each on a connection of
  its own if need be, a load no Telegram webhook sees.

Prints one JSON object: replies, replies/s, latencies to the sendMessage (from the POST that
was accepted, from the first POST of the update, and from its arrival in line), duplicates,
lost updates, the bots' CPU time per reply.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import random
import time
import urllib.request
from collections import Counter

import aiohttp
from common import API_PORT, SECRET, cpu_seconds, percentile  # type: ignore[import-not-found]

STATS_URL = f"http://127.0.0.1:{API_PORT}"


def update(update_id: int, chat_id: int, text: str, button: str | None = None) -> bytes:
    """A typed ``text``; with ``button``, that button pressed under the bot's last message
    instead (a callback query, answered and then edited into the reply)."""
    person = {"id": chat_id, "is_bot": False, "first_name": "Bench", "language_code": "en"}
    chat = {"id": chat_id, "type": "private", "first_name": "Bench"}
    if button is not None:
        bot = {"id": 123456, "is_bot": True, "first_name": "Bench bot", "username": "bench_bot"}
        return json.dumps(
            {
                "update_id": update_id,
                "callback_query": {
                    "id": str(update_id),
                    "from": person,
                    "chat_instance": str(chat_id),
                    "data": button,
                    "message": {
                        "message_id": 1,
                        "date": int(time.time()) - 60,
                        "chat": chat,
                        "from": bot,
                        "text": "Bench, what would you like to do?",
                    },
                },
            }
        ).encode()
    return json.dumps(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": int(time.time()),
                "chat": chat,
                "from": person,
                "text": text,
            },
        }
    ).encode()


def api(path: str) -> dict:
    with urllib.request.urlopen(STATS_URL + path, data=b"" if path == "/reset" else None) as r:
        return json.loads(r.read())


class Run:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.targets = args.targets.split(",")
        self.arrived: dict[int, float] = {}
        self.first_post: dict[int, float] = {}
        self.accepted: dict[int, float] = {}
        self.statuses: Counter[int] = Counter()
        self.next_chat = args.first_chat
        self.sent = 0

    def take_chat(self) -> int:
        chat = self.next_chat
        if not self.chats_left():
            raise SystemExit("ran out of chats: give --chats more")
        self.next_chat += 1
        return chat

    def chats_left(self) -> bool:
        return self.next_chat < self.args.first_chat + self.args.chats

    def target_of(self, given: str | None) -> str:
        if given is None:
            given = self.targets[self.sent % len(self.targets)]
        self.sent += 1
        return given

    async def post(
        self, session: aiohttp.ClientSession, chat: int, target: str
    ) -> tuple[int, float]:
        """One delivery of ``chat``'s update: its status and the wait it was told."""
        body = update(self.args.update_base + chat, chat, self.args.text, self.args.button)
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
        posted = time.monotonic()
        self.first_post.setdefault(chat, posted)
        retry_after = 1.0
        try:
            async with session.post(target, data=body, headers=headers) as response:
                await response.read()
                status = response.status
                retry_after = float(response.headers.get("Retry-After", 1))
        except (aiohttp.ClientError, TimeoutError):
            status = 0
        self.statuses[status] += 1
        if 200 <= status < 300:
            self.accepted[chat] = posted
        return status, retry_after

    @staticmethod
    def backoff(retry_after: float, refusals: int) -> float:
        """After Retry-After or 1 s, doubling with each refusal of the update up to 8 s."""
        return max(retry_after, min(8.0, 2.0**refusals)) * random.uniform(1.0, 1.2)

    async def deliver(
        self, session: aiohttp.ClientSession, chat: int, deadline: float, target: str | None = None
    ) -> None:
        """Post ``chat``'s update until it is accepted or the run's deadline, waiting between."""
        target = self.target_of(target)
        self.arrived.setdefault(chat, time.monotonic())
        refusals = 0
        while True:
            status, retry_after = await self.post(session, chat, target)
            if 200 <= status < 300:
                return
            backoff = self.backoff(retry_after, refusals)
            refusals += 1
            if time.monotonic() + backoff > deadline:
                return
            await asyncio.sleep(backoff)

    async def saturate(self, session: aiohttp.ClientSession, until: float, deadline: float):
        async def worker(target: str) -> None:
            # With --chats as the budget, every chat once and then stop.
            while time.monotonic() < until and self.chats_left():
                await self.deliver(session, self.take_chat(), deadline, target)

        # --concurrency for each target: a worker keeps to one, as a load balancer would.
        workers = [t for t in self.targets for _ in range(self.args.concurrency)]
        await asyncio.gather(*(worker(target) for target in workers))

    async def open_loop(self, session: aiohttp.ClientSession, until: float, deadline: float):
        if self.args.connections > 0:
            await self.through_connections(session, until, deadline)
            return
        tasks: set[asyncio.Task] = set()
        started, launched = time.monotonic(), 0
        while time.monotonic() < until:
            due = int((time.monotonic() - started) * self.args.rate)
            for _ in range(due - launched):
                task = asyncio.create_task(self.deliver(session, self.take_chat(), deadline))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
            launched = max(launched, due)
            await asyncio.sleep(0.002)
        if tasks:
            await asyncio.gather(*tasks)

    async def through_connections(
        self, session: aiohttp.ClientSession, until: float, deadline: float
    ) -> None:
        """``--rate`` updates a second join the line; ``--connections`` workers post them one
        at a time each, the oldest first (a refused update is back in line after its backoff)."""
        loop = asyncio.get_running_loop()
        line: asyncio.PriorityQueue[tuple[float, int]] = asyncio.PriorityQueue()
        refusals: Counter[int] = Counter()
        unsettled = 0  # updates neither accepted nor given up
        settled = asyncio.Event()
        finished = math.inf, -1  # last in line: a worker that gets it stops

        def settle() -> None:
            nonlocal unsettled
            unsettled -= 1
            if unsettled == 0:
                settled.set()

        async def worker(target: str) -> None:
            while (item := await line.get()) != finished:
                chat = item[1]
                status, retry_after = await self.post(session, chat, target)
                if 200 <= status < 300:
                    settle()
                    continue
                backoff = self.backoff(retry_after, refusals[chat])
                refusals[chat] += 1
                if time.monotonic() + backoff > deadline:
                    settle()
                    continue
                loop.call_later(backoff, line.put_nowait, item)

        workers = [
            asyncio.create_task(worker(self.targets[i % len(self.targets)]))
            for i in range(self.args.connections)
        ]
        started = time.monotonic()
        while (now := time.monotonic()) < until:
            for _ in range(int((now - started) * self.args.rate) - len(self.arrived)):
                chat = self.take_chat()
                self.arrived[chat] = started + (len(self.arrived) + 1) / self.args.rate
                unsettled += 1
                settled.clear()
                line.put_nowait((self.arrived[chat], chat))
            await asyncio.sleep(0.002)
        if unsettled:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(settled.wait(), max(0.0, deadline - time.monotonic()))
        for _ in workers:
            line.put_nowait(finished)
        if unsettled:  # the deadline came first: what is still being posted is abandoned
            for task in workers:
                task.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def main(self) -> dict:
        args = self.args
        pids = [int(p) for p in args.pids.split(",") if p]
        api("/reset")
        cpu_before = sum(cpu_seconds(pid) for pid in pids)
        timeout = aiohttp.ClientTimeout(total=args.request_timeout)
        connector = aiohttp.TCPConnector(limit=args.connections if args.mode == "rate" else 0)
        start = time.monotonic()
        until = start + args.duration
        deadline = until + args.drain
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            if args.mode == "saturate":
                await self.saturate(session, until, deadline)
            else:
                await self.open_loop(session, until, deadline)
        # Replies still on their way (a bot that answers before handling, like PTB's).
        expected = len(self.accepted)
        while time.monotonic() < deadline:
            if len({chat for _, chat in api("/stats")["sends"]}) >= expected:
                break
            await asyncio.sleep(0.2)
        cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
        stats = api("/stats")
        return self.report(stats, start, until, cpu)

    def report(self, stats: dict, start: float, until: float, cpu: float) -> dict:
        replies: dict[int, list[float]] = {}
        for moment, chat in stats["sends"]:
            replies.setdefault(chat, []).append(moment)
        offered = set(self.arrived) | set(self.first_post)
        answered = {chat for chat in offered if chat in replies}
        warm = start + min(2.0, self.args.duration / 4)
        in_window = [m for m, chat in stats["sends"] if warm <= m <= until]
        handled = [replies[c][0] - self.accepted[c] for c in answered if c in self.accepted]
        from_first_post = [replies[c][0] - self.first_post[c] for c in answered]
        from_arrival = [replies[c][0] - self.arrived.get(c, self.first_post[c]) for c in answered]
        total = sum(len(replies[c]) for c in answered)
        return {
            "mode": self.args.mode,
            "offered": len(offered),
            "replies": total,
            "replies_per_s": round(len(in_window) / (until - warm), 1),
            "duplicates": sum(len(replies[c]) - 1 for c in answered),
            "lost": len(offered - answered),
            "statuses": dict(self.statuses),
            "p50_ms": round(percentile(handled, 0.50) * 1000, 1),
            "p99_ms": round(percentile(handled, 0.99) * 1000, 1),
            "max_ms": round(max(handled, default=float("nan")) * 1000, 1),
            "first_post_p50_ms": round(percentile(from_first_post, 0.50) * 1000, 1),
            "first_post_p99_ms": round(percentile(from_first_post, 0.99) * 1000, 1),
            "arrival_p50_ms": round(percentile(from_arrival, 0.50) * 1000, 1),
            "arrival_p99_ms": round(percentile(from_arrival, 0.99) * 1000, 1),
            "cpu_ms_per_reply": round(cpu * 1000 / total, 2) if total else None,
        }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--targets", required=True, help="webhook URLs, comma-separated")
    parser.add_argument("--mode", choices=["saturate", "rate"], default="saturate")
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--concurrency", type=int, default=16, help="per target (saturate)")
    parser.add_argument(
        "--connections",
        type=int,
        default=40,
        help="requests at once (rate), as setWebhook's max_connections; 0 for no limit",
    )
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--drain", type=float, default=30, help="seconds allowed after the run")
    parser.add_argument("--request-timeout", type=float, default=60)
    parser.add_argument("--first-chat", type=int, default=1)
    parser.add_argument("--chats", type=int, default=100_000)
    parser.add_argument("--update-base", type=int, default=0)
    parser.add_argument("--text", default="My service")
    parser.add_argument("--button", help="press the button of this callback_data instead")
    parser.add_argument("--pids", default="", help="the bot's processes, for CPU time")
    args = parser.parse_args()
    print(json.dumps(asyncio.run(Run(args).main())))


if __name__ == "__main__":
    main()
