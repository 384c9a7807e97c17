"""Memory: the RSS of one `ispbot serve` process after 1,000 and after more distinct chats have
each had a "My service" turn (their state in Redis, their identities in PostgreSQL). A process
that kept something per chat would grow with the number of chats; the target is < 20 %.

    .venv/bin/python bench/memory.py --chats 1000,100000
"""

from __future__ import annotations

import argparse
import asyncio
import json

from common import (  # type: ignore[import-not-found]
    ROOT,
    create_database,
    drop_database,
    drop_redis_prefix,
    ispbot,
    machine,
    rss_mib,
    start,
    start_fake_api,
    stop,
)
from inbound import (  # type: ignore[import-not-found]
    ISPBOT_PORTS,
    PREFIX,
    Phases,
    ispbot_env,
    seed_chats,
    seed_states,
    state_of,
    webhook,
)

DATABASE = "ispbot_bench_memory"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chats", default="1000,100000", help="checkpoints, comma-separated")
    args = parser.parse_args()
    checkpoints = sorted(int(n) for n in args.chats.split(","))
    print(f"machine: {machine()}", flush=True)
    database_url = asyncio.run(create_database(DATABASE))
    port = ISPBOT_PORTS[0]
    env = ispbot_env(database_url, port)
    api = start_fake_api()
    server = None
    try:
        asyncio.run(drop_redis_prefix(PREFIX))
        ispbot(["migrate"], env)
        ispbot(["demo"], env)
        total = checkpoints[-1] + 20
        asyncio.run(seed_chats(database_url, total))
        server = start(
            [str(ROOT / ".venv/bin/ispbot"), "serve"],
            env=env,
            port=port,
            log=str(ROOT / "var/bench-memory.log"),
        )
        phases = Phases(pool=total)
        target, pids = [webhook(port)], [server.pid]
        phases.load(target, pids, mode="rate", rate=1, duration=1.5, chats=10, text="menu")
        asyncio.run(seed_states(asyncio.run(state_of(phases.next_chat - 10)), 11, total - 11))
        done, figures = 0, {}
        print(f"RSS at start: {rss_mib(server.pid):.1f} MiB", flush=True)
        for checkpoint in checkpoints:
            result = phases.load(
                target,
                pids,
                mode="saturate",
                concurrency=32,
                duration=100_000,
                chats=checkpoint - done,
            )
            done = checkpoint
            figures[checkpoint] = {
                "rss_mib": round(rss_mib(server.pid), 1),
                "replies": result["replies"],
                "lost": result["lost"],
            }
            print(f"after {checkpoint} chats: {json.dumps(figures[checkpoint])}", flush=True)
        first, last = figures[checkpoints[0]]["rss_mib"], figures[checkpoints[-1]]["rss_mib"]
        print(
            f"memory: RSS {first} MiB after {checkpoints[0]} chats, {last} MiB after "
            f"{checkpoints[-1]}: growth {last / first - 1:.1%} (target < 20 %)"
        )
    finally:
        if server is not None:
            stop(server)
        stop(api)
        asyncio.run(drop_redis_prefix(PREFIX))
        asyncio.run(drop_database(DATABASE))


if __name__ == "__main__":
    main()
