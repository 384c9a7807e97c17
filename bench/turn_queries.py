"""The SQL of one "My service" turn of a logged-in Telegram subscriber, as the ORM sends it:
the count the inbound benchmark's "db_transactions_per_reply" stands for, statement by
statement (for bench/RESULTS.md's "where the time goes").

    .venv/bin/python bench/turn_queries.py [--username 2177889900]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections import Counter

from common import demo_database  # type: ignore[import-not-found]

DATABASE = "ispbot_bench_queries"


class Statements(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.sql: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.args:
            self.sql.append(
                str(record.args[0]) if isinstance(record.args, tuple) else str(record.args)
            )


async def run(database_url: str, username: str, chat: str) -> None:
    from bot.bootstrap import build_engine, build_services
    from bot.config import BotSettings
    from bot.dialogs.contract import Turn
    from bot.dialogs.state import MemoryStateStore
    from core.accounts.enums import Language
    from core.accounts.models import ChatIdentity, Subscriber
    from core.db import database

    settings = BotSettings(database_url=database_url)
    async with database(database_url):
        subscriber = await Subscriber.get(username=username)
        await ChatIdentity.create(
            channel="telegram", external_id=chat, subscriber=subscriber, language=Language.EN
        )
        engine = build_engine(build_services(settings), MemoryStateStore())

        async def turn(text: str, ref: str) -> None:
            await engine.handle(
                Turn(
                    channel="telegram",
                    chat_id=chat,
                    user_id=chat,
                    text=text,
                    language_hint="en",
                    message_ref=ref,
                )
            )

        await turn("menu", "1")
        statements = Statements()
        logger = logging.getLogger("tortoise.db_client")
        logger.setLevel(logging.DEBUG)
        logger.addHandler(statements)
        await turn("My service", "2")
        logger.removeHandler(statements)
        print(f"one 'My service' turn of {username}: {len(statements.sql)} statements")
        shapes = Counter(" ".join(sql.split())[:150] for sql in statements.sql)
        for sql, count in shapes.most_common():
            print(f"  {count} x {sql}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--username", action="append", help="demo usernames (default: two)")
    args = parser.parse_args()
    with demo_database(DATABASE) as database_url:
        for n, username in enumerate(args.username or ["2177889900", "2131770404"], start=1):
            asyncio.run(run(database_url, username, str(n)))


if __name__ == "__main__":
    main()
