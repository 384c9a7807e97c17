"""The `ispbot` command."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError

from bot.config import BotSettings
from core.config import Settings, describe_error

log = logging.getLogger(__name__)


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
    from core.db import database
    from core.demo import seed_demo

    async with database(settings.database_url):
        logins = await seed_demo(settings, SystemClock())
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


def _serve(settings: BotSettings, args: argparse.Namespace) -> None:
    from aiohttp import web

    from bot.app import init_app
    from bot.observability.logs import AccessLog, configure_logging

    configure_logging()
    if getattr(args, "telegram_polling", False):
        settings = settings.model_copy(update={"telegram_polling": True})
    loop = _event_loop()
    log.info("event loop: %s", type(loop).__module__.split(".")[0])
    print(f"ispbot: the web chat is at {settings.base_url}/", flush=True)
    web.run_app(
        init_app(settings),
        host=settings.host,
        port=settings.port,
        print=None,
        loop=loop,
        access_log_class=AccessLog,
    )


def _event_loop() -> asyncio.AbstractEventLoop:
    """uvloop where it is installed (a dependency except on Windows), asyncio's loop else."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


async def _chat(settings: BotSettings, args: argparse.Namespace) -> None:
    import getpass

    from bot.bootstrap import build_engine, build_services
    from bot.console import chat_loop, terminal_reader
    from bot.dialogs.state import open_state_store
    from core.db import database

    async with database(settings.database_url):
        services = build_services(settings)
        store = open_state_store(settings)
        try:
            chat_id = args.chat_id or f"console-{getpass.getuser()}"
            await chat_loop(
                build_engine(services, store), chat_id, args.lang, read_line=terminal_reader
            )
        finally:
            await store.close()


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None] | None]] = {
    "migrate": _migrate,
    "makemigrations": _makemigrations,
    "demo": _demo,
    "serve": _serve,
    "chat": _chat,
    # The operators' commands (bot/admin/commands.py), imported only when used.
    "import": lambda settings, args: _admin_commands().run(settings, args),
    "admin": lambda settings, args: _admin_commands().run(settings, args),
    "usage": lambda settings, args: _admin_commands().run(settings, args),
    "radius": lambda settings, args: _admin_commands().run(settings, args),
    # The alerts and their worker (bot/alerts_cli.py), imported only when used.
    "worker": lambda settings, args: _alerts_cli().run_worker(settings, args),
    "alerts": lambda settings, args: _alerts_cli().run_alerts(settings, args),
    "telegram": lambda settings, args: _telegram_cli().run(settings, args),
    "payments": lambda settings, args: _payments_cli().run(settings, args),
}


def _telegram_cli():
    from bot.handlers import telegram_cli

    return telegram_cli


def _alerts_cli():
    from bot import alerts_cli

    return alerts_cli


def _payments_cli():
    from bot import payments_cli

    return payments_cli


def _admin_commands():
    from bot.admin import commands

    return commands


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ispbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations")
    sub.add_parser("demo", help="add the demo's plans and subscribers, print their logins")
    mk = sub.add_parser("makemigrations", help="write a migration for model changes")
    mk.add_argument("rest", nargs=argparse.REMAINDER)
    serve = sub.add_parser("serve", help="serve the web chat and the payment pages")
    serve.add_argument(
        "--telegram-polling",
        action="store_true",
        help="read Telegram by long polling instead of the webhook (no public URL needed)",
    )
    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--lang", default=None, help="fa, id or en (asked when not given)")
    chat.add_argument("--chat-id", default=None, help="the console chat's id (default: per user)")
    _admin_commands().add_parsers(sub)
    _alerts_cli().add_parsers(sub)
    _telegram_cli().add_parsers(sub)
    _payments_cli().add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    result = COMMANDS[args.command](settings, args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


if __name__ == "__main__":
    main()
