"""The embedded SQLite database takes two processes writing at once (the demo's console and web
chat): a writer waits its turn instead of failing with "database is locked"."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap

from tortoise import connections
from tortoise.transactions import in_transaction

from core.db import database

# Each transaction reads before it writes, as the core's services do (read the order, then mark
# it paid): the kind SQLite refuses outright when another process wrote in between.
WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from tortoise.transactions import in_transaction
    from core.db import database

    async def main(url, who, rounds):
        async with database(url):
            for n in range(rounds):
                async with in_transaction() as conn:
                    await conn.execute_query("SELECT count(*) FROM turns")
                    await asyncio.sleep(0.001)
                    await conn.execute_query(
                        "INSERT INTO turns (who, n) VALUES (?, ?)", [who, n]
                    )

    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    """
)
ROUNDS = 150


async def test_two_processes_write_to_the_same_sqlite_file_at_once(tmp_path):
    url = f"sqlite://{tmp_path}/demo.sqlite3"
    async with database(url):
        await connections.get("default").execute_script(
            "CREATE TABLE turns (id INTEGER PRIMARY KEY, who TEXT, n INTEGER)"
        )
    writers = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", WRITER, url, who, str(ROUNDS), stderr=subprocess.PIPE
        )
        for who in ("console", "webchat")
    ]
    results = await asyncio.gather(*(w.communicate() for w in writers))
    for writer, (_, stderr) in zip(writers, results, strict=True):
        assert writer.returncode == 0, stderr.decode()
        assert b"locked" not in stderr
    async with database(url), in_transaction() as conn:
        _, rows = await conn.execute_query("SELECT who, count(*) FROM turns GROUP BY who")
    assert {row[0]: row[1] for row in rows} == {"console": ROUNDS, "webchat": ROUNDS}
