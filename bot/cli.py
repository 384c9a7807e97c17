"""The `ispbot` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError

from bot.config import BotSettings
from core.config import Settings, describe_error


def load_settings() -> BotSettings:
    """Settings from the environment, or one clear line and exit 2."""
    try:
        return BotSettings()
    except ValidationError as error:
        print(f"ispbot: {describe_error(error)}", file=sys.stderr)
        raise SystemExit(2) from None


async def _migrate(settings: Settings, _args: argparse.Namespace) -> None:
    from core.db import apply_migrations

    _ensure_sqlite_folder(settings.database_url)
    await apply_migrations(settings.database_url)
    print("ispbot: database is up to date")


def _ensure_sqlite_folder(url: str) -> None:
    from pathlib import Path

    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


async def _demo(settings: Settings, _args: argparse.Namespace) -> None:
    from core.clock import SystemClock
    from core.db import close_database, open_database
    from core.demo import seed_demo

    await open_database(settings.database_url)
    try:
        logins = await seed_demo(settings, SystemClock())
    finally:
        await close_database()
    rows = [("username", "password", "language", "situation")]
    rows += [(x.username, x.password, x.language, x.description) for x in logins]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for *cells, situation in rows:
        padded = (cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
        print(*padded, situation, sep="  ")


def _makemigrations(_settings: Settings, args: argparse.Namespace) -> None:
    from tortoise.cli.cli import main as tortoise_main

    sys.argv = ["tortoise", "-c", "core.db.TORTOISE_ORM", "makemigrations", *args.rest]
    tortoise_main()


def _serve(settings: BotSettings, _args: argparse.Namespace) -> None:
    import logging

    from aiohttp import web

    from bot.app import init_app

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    print(f"ispbot: the web chat is at {settings.base_url}/", flush=True)
    web.run_app(init_app(settings), host=settings.host, port=settings.port, print=None)


async def _chat(settings: BotSettings, args: argparse.Namespace) -> None:
    import getpass

    from bot.bootstrap import build_engine, build_services
    from bot.console import chat_loop, terminal_reader
    from bot.dialogs.state import open_state_store
    from core.db import close_database, open_database

    await open_database(settings.database_url)
    services = build_services(settings)
    store = open_state_store(settings)
    try:
        chat_id = args.chat_id or f"console-{getpass.getuser()}"
        await chat_loop(
            build_engine(services, store), chat_id, args.lang, read_line=terminal_reader
        )
    finally:
        await store.close()
        await close_database()


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None] | None]] = {
    "migrate": _migrate,
    "makemigrations": _makemigrations,
    "demo": _demo,
    "serve": _serve,
    "chat": _chat,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ispbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations")
    sub.add_parser("demo", help="add the demo's plans and subscribers, print their logins")
    mk = sub.add_parser("makemigrations", help="write a migration for model changes")
    mk.add_argument("rest", nargs=argparse.REMAINDER)
    sub.add_parser("serve", help="serve the web chat and the payment pages")
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", default=None, help="fa, id or en (asked when not given)")
    chat.add_argument("--chat-id", default=None, help="the console chat's id (default: per user)")
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    result = COMMANDS[args.command](settings, args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


if __name__ == "__main__":
    main()
