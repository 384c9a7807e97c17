"""The `ispbot` command."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError

from core.config import Settings, describe_error


def load_settings() -> Settings:
    """Settings from the environment, or one clear line and exit 2."""
    try:
        return Settings()
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


def _makemigrations(_settings: Settings, args: argparse.Namespace) -> None:
    from tortoise.cli.cli import main as tortoise_main

    sys.argv = ["tortoise", "-c", "core.db.TORTOISE_ORM", "makemigrations", *args.rest]
    tortoise_main()


COMMANDS: dict[str, Callable[[Settings, argparse.Namespace], Coroutine[Any, Any, None] | None]] = {
    "migrate": _migrate,
    "makemigrations": _makemigrations,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ispbot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply the database migrations")
    mk = sub.add_parser("makemigrations", help="write a migration for model changes")
    mk.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    settings = load_settings()
    result = COMMANDS[args.command](settings, args)
    if asyncio.iscoroutine(result):
        asyncio.run(result)


if __name__ == "__main__":
    main()
