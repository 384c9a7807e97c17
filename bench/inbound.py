"""Inbound turns: how many "My service" turns (the days and traffic left of a logged-in
subscriber) the real app answers a second on PostgreSQL and Redis, against bare echo bots on
the same harness; latency at a fixed rate; what happens above capacity.

Processes: the lean Bot API server (bench/fake_bot_api.py), the bot (`ispbot serve`, or an
echo bot), the load generator (bench/load.py). The bot's CPU time per update is read from
/proc: the steadiest figure on a shared machine.

    .venv/bin/python bench/inbound.py [--duration 12] [--overload-duration 20] [--skip-echo]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time

import asyncpg
from common import (  # type: ignore[import-not-found]
    API_PORT,
    PORT_OFFSET,
    PYTHON,
    REDIS_URL,
    ROOT,
    SECRET,
    TOKEN,
    create_database,
    drop_database,
    drop_redis_prefix,
    instance_name,
    ispbot,
    machine,
    start,
    start_fake_api,
    stop,
)
from redis.asyncio import Redis

DATABASE = instance_name("ispbot_bench_inbound")
PREFIX = instance_name("ispbench") + ":"
CHATS = 60_000
ISPBOT_PORTS = [8951 + PORT_OFFSET, 8952 + PORT_OFFSET]
ECHO_AIOGRAM_PORT, ECHO_PTB_PORT = 8941 + PORT_OFFSET, 8942 + PORT_OFFSET
API = f"http://127.0.0.1:{API_PORT}"
# Overload is posted twice: through 40 connections at most, as Telegram does (setWebhook's
# max_connections, 40 unless set), and with no limit at all, each update posted the moment it
# arrives (0), the issue's harsher load, under which a bare bot's latency has no bound.
OVERLOAD_CONNECTIONS = (40, 0)
# The main menu's "My service" button (its callback_data).
BUTTON = "flow:status"


def ispbot_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        "ISPBOT_DATABASE_URL": database_url,
        "ISPBOT_REDIS_URL": REDIS_URL,
        "ISPBOT_REDIS_PREFIX": PREFIX,
        "ISPBOT_PORT": str(port),
        "ISPBOT_TELEGRAM_TOKEN": TOKEN,
        "ISPBOT_TELEGRAM_API_BASE": API,
        "ISPBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
        # Replies to many chats at once: Telegram's 30 a second is for broadcasts, and the
        # benchmark measures the bot, not Telegram's pace (the alerts benchmark does that).
        "ISPBOT_TELEGRAM_MESSAGES_PER_SECOND": "100000",
        **extra,
    }


async def seed_chats(database_url: str, count: int = CHATS, seen_minutes_ago: float = 0) -> None:
    """CHATS Telegram chats, logged in to the demo's subscribers in turn, in English, last
    seen ``seen_minutes_ago`` (0: just now, so a turn within the minute writes no
    ``last_seen_at``; more: each chat's first turn of the run writes it, as after a pause)."""
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        ids = [row["id"] for row in await connection.fetch("SELECT id FROM subscriber ORDER BY id")]
        await connection.execute(
            """
            INSERT INTO chat_identity (channel, external_id, subscriber_id, language, unreachable,
                                       opted_out, created_at, last_seen_at, logged_in_at)
            SELECT 'telegram', g::text, ($1::int[])[1 + g % cardinality($1::int[])], 'en',
                   false, false, now(), now() - make_interval(secs => $3), now()
            FROM generate_series(1, $2) AS g
            """,
            ids,
            count,
            seen_minutes_ago * 60,
        )
    finally:
        await connection.close()


async def seed_states(template: bytes, first: int, count: int) -> None:
    """Every chat where chat 0 is after one turn: the main menu shown (its options remembered)."""
    redis = Redis.from_url(REDIS_URL)
    try:
        for start_at in range(first, first + count, 5000):
            async with redis.pipeline(transaction=False) as pipe:
                for chat in range(start_at, min(first + count, start_at + 5000)):
                    pipe.set(f"{PREFIX}state:telegram:{chat}", template, ex=7 * 24 * 3600)
                await pipe.execute()
    finally:
        await redis.aclose()


async def state_of(chat: int) -> bytes:
    redis = Redis.from_url(REDIS_URL)
    try:
        value = await redis.get(f"{PREFIX}state:telegram:{chat}")
    finally:
        await redis.aclose()
    if value is None:
        raise RuntimeError(f"chat {chat} has no state: did the bot answer? see var/bench-*.log")
    return value


async def database_transactions(database_url: str) -> int:
    connection = await asyncpg.connect(database_url.replace("postgres://", "postgresql://"))
    try:
        return await connection.fetchval(
            "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1",
            DATABASE,
        )
    finally:
        await connection.close()


class Phases:
    """Each phase takes fresh chats and update ids, so a reply names its update."""

    def __init__(self, pool: int = CHATS) -> None:
        self.pool = pool
        self.next_chat = 1
        self.round = 0

    def load(self, targets: list[str], pids: list[int], **options) -> dict:
        chats = int(options.pop("chats", 20_000))
        if self.next_chat + chats > self.pool:
            self.next_chat = 1
        self.round += 1
        args = [PYTHON, "bench/load.py", "--targets", ",".join(targets)]
        args += ["--pids", ",".join(map(str, pids)), "--first-chat", str(self.next_chat)]
        args += ["--chats", str(chats), "--update-base", str(self.round * 10_000_000)]
        for name, value in options.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.next_chat += chats
        done = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed:\n{done.stderr}")
        return json.loads(done.stdout)


def webhook(port: int) -> str:
    return f"http://127.0.0.1:{port}/telegram/webhook"


def show(label: str, result: dict) -> None:
    print(f"{label:<44} {json.dumps(result)}", flush=True)


def run_ispbot(args, phases: Phases, results: dict, database_url: str) -> None:
    servers = [
        start(
            [str(ROOT / ".venv/bin/ispbot"), "serve"],
            env=ispbot_env(database_url, port),
            port=port,
            log=str(ROOT / f"var/bench-ispbot-{port}.log"),
        )
        for port in ISPBOT_PORTS
    ]
    try:
        one = [webhook(ISPBOT_PORTS[0])]
        both = [webhook(port) for port in ISPBOT_PORTS]
        pid_one, pids = [servers[0].pid], [s.pid for s in servers]
        # One turn in the clear gives the state every chat starts from (the menu shown).
        phases.load(one, pid_one, mode="rate", rate=1, duration=1.5, chats=10, text="menu")
        asyncio.run(seed_states(asyncio.run(state_of(phases.next_chat - 10)), 1, CHATS))
        phases.load(both, pids, mode="saturate", concurrency=8, duration=3)  # warm up
        if args.rates:
            # Latency at fixed rates alone, on a process no saturation ran through before.
            for rate in (float(r) for r in args.rates.split(",")):
                fixed = phases.load(one, pid_one, mode="rate", rate=rate, duration=args.duration)
                show(f"ispbot, 1 serve, {rate:g} updates/s", fixed)
                results[f"ispbot_rate_{rate:g}"] = fixed
            return
        profiler = None
        if args.profile:
            profiler = subprocess.Popen(
                [
                    str(ROOT / ".venv/bin/py-spy"),
                    "record",
                    "--format",
                    "raw",
                    "--nonblocking",
                    "-r",
                    "200",
                    "-d",
                    str(int(args.duration)),
                    "-o",
                    args.profile,
                    "-p",
                    str(servers[0].pid),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        transactions = asyncio.run(database_transactions(database_url))
        sat = phases.load(one, pid_one, mode="saturate", concurrency=16, duration=args.duration)
        time.sleep(1.5)  # PostgreSQL publishes a backend's counts within a second of idling
        transactions = asyncio.run(database_transactions(database_url)) - transactions
        # Every ORM query outside a transaction block is a transaction of its own.
        sat["db_transactions_per_reply"] = round(transactions / sat["replies"], 1)
        if profiler is not None:
            profiler.wait()
        show("ispbot, 1 serve, saturation", sat)
        results["ispbot_saturation_1"] = sat
        # The same turn from the button under the menu, the way most turns arrive: the press
        # answered (answerCallbackQuery) and the menu's message edited into the reply.
        press = phases.load(
            one, pid_one, mode="saturate", concurrency=16, duration=args.duration, button=BUTTON
        )
        show("ispbot, 1 serve, button presses, saturation", press)
        results["ispbot_button_saturation_1"] = press
        if args.profile_only:
            return
        two = phases.load(both, pids, mode="saturate", concurrency=16, duration=args.duration)
        show("ispbot, 2 serve, saturation", two)
        results["ispbot_saturation_2"] = two
        fixed = phases.load(one, pid_one, mode="rate", rate=200, duration=args.duration)
        show("ispbot, 1 serve, 200 updates/s", fixed)
        results["ispbot_rate_200"] = fixed
        half_rate = round(sat["replies_per_s"] / 2)
        half = phases.load(one, pid_one, mode="rate", rate=half_rate, duration=args.duration)
        show(f"ispbot, 1 serve, {half_rate} updates/s (half load)", half)
        results["ispbot_rate_half"] = {"rate": half_rate, **half}
        for connections in OVERLOAD_CONNECTIONS:
            results[f"ispbot_overload_{connections}"] = overload(
                args,
                phases,
                one,
                pid_one,
                sat,
                drain=120,
                label="ispbot, 1 serve",
                connections=connections,
            )
    finally:
        for server in servers:
            stop(server)


def overload(
    args,
    phases: Phases,
    target: list[str],
    pids: list[int],
    sat: dict,
    *,
    drain: float,
    label: str,
    connections: int,
) -> dict:
    """Three times the saturation rate for ``--overload-duration``, each update a new chat,
    through ``connections`` connections at most (0: as many as the updates in flight)."""
    rate = round(3 * sat["replies_per_s"])
    over = phases.load(
        target,
        pids,
        mode="rate",
        rate=rate,
        duration=args.overload_duration,
        drain=drain,
        chats=int(rate * args.overload_duration) + 1000,
        connections=connections,
    )
    through = f"{connections} connections" if connections else "no connection limit"
    show(f"{label}, overload {rate}/s, {through}", over)
    return {"rate": rate, "connections": connections, **over}


def run_echo(args, phases: Phases, results: dict, name: str, script: str, port: int) -> None:
    bot = start(
        [PYTHON, script, "--port", str(port), "--api", API],
        port=port,
        log=str(ROOT / f"var/bench-{name}.log"),
    )
    try:
        target, pids = [webhook(port)], [bot.pid]
        phases.load(target, pids, mode="saturate", concurrency=16, duration=2)  # warm up
        sat = phases.load(target, pids, mode="saturate", concurrency=32, duration=args.duration)
        show(f"{name}, saturation", sat)
        results[f"{name}_saturation"] = sat
        fixed = phases.load(target, pids, mode="rate", rate=200, duration=args.duration)
        show(f"{name}, 200 updates/s", fixed)
        results[f"{name}_rate_200"] = fixed
        if name == "echo_aiogram" and not args.skip_overload_echo:
            for connections in OVERLOAD_CONNECTIONS:
                results[f"{name}_overload_{connections}"] = overload(
                    args,
                    phases,
                    target,
                    pids,
                    sat,
                    drain=240,
                    label=name,
                    connections=connections,
                )
    finally:
        stop(bot)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=12)
    parser.add_argument("--overload-duration", type=float, default=20)
    parser.add_argument("--skip-echo", action="store_true")
    parser.add_argument("--profile", help="py-spy's collapsed stacks of the saturation run here")
    parser.add_argument("--profile-only", action="store_true", help="stop after profiling")
    parser.add_argument("--skip-overload-echo", action="store_true")
    parser.add_argument("--rates", help="only these open-loop rates (comma-separated), then stop")
    parser.add_argument(
        "--seen-minutes-ago",
        type=float,
        default=0,
        help="the chats' last_seen_at at the start (0: fresh, no write in their first turn)",
    )
    parser.add_argument("--json", default=str(ROOT / "var/bench-inbound.json"))
    args = parser.parse_args()
    (ROOT / "var").mkdir(exist_ok=True)
    print(f"machine: {machine()}", flush=True)
    started = time.monotonic()
    database_url = asyncio.run(create_database(DATABASE))
    env = ispbot_env(database_url, ISPBOT_PORTS[0])
    results: dict = {}
    api = start_fake_api()
    try:
        asyncio.run(drop_redis_prefix(PREFIX))
        ispbot(["migrate"], env)
        ispbot(["demo"], env)
        asyncio.run(seed_chats(database_url, seen_minutes_ago=args.seen_minutes_ago))
        phases = Phases()
        run_ispbot(args, phases, results, database_url)
        if not args.skip_echo:
            run_echo(
                args, phases, results, "echo_aiogram", "bench/echo_aiogram.py", ECHO_AIOGRAM_PORT
            )
            run_echo(args, phases, results, "echo_ptb", "bench/echo_ptb.py", ECHO_PTB_PORT)
            summary(results)
    finally:
        stop(api)
        asyncio.run(drop_redis_prefix(PREFIX))
        asyncio.run(drop_database(DATABASE))
    with open(args.json, "w") as out:
        json.dump(results, out, indent=1)
    print(f"inbound: done in {time.monotonic() - started:.0f} s; figures in {args.json}")


def summary(results: dict) -> None:
    """ispbot against each echo bot by CPU per update in this run, the steadiest figure. Not
    by replies a second: with its defaults PTB answers every POST at once and handles the
    updates one by one, so its closed-loop replies/s follow the run's budget, not the bot."""
    typed = results["ispbot_saturation_1"]["cpu_ms_per_reply"]
    pressed = results["ispbot_button_saturation_1"]["cpu_ms_per_reply"]
    for name in ("echo_aiogram", "echo_ptb"):
        echo = results[f"{name}_saturation"]["cpu_ms_per_reply"]
        print(
            f"CPU per update, ispbot typed {typed} ms, pressed {pressed} ms, {name} {echo} ms: "
            f"the echo is {echo / typed:.0%} of a typed turn, {echo / pressed:.0%} of a press"
        )


if __name__ == "__main__":
    sys.exit(main())
