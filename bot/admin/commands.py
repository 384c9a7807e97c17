"""The operators' commands: ``ispbot import subscribers|plans FILE.csv``, ``ispbot admin
create-token|revoke-token|list-tokens``, ``ispbot usage sync``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.admin.progress import ProgressBar
from bot.config import BotSettings
from core.imports import plans, subscribers
from core.imports.report import ImportFileError, ImportResult, write_rejects


def add_parsers(sub: argparse._SubParsersAction) -> None:
    add_import_parser(sub)
    admin = sub.add_parser("admin", help="admin API tokens")
    tokens = admin.add_subparsers(dest="admin_command", required=True)
    create = tokens.add_parser("create-token", help="create a token (printed once)")
    create.add_argument("--name", required=True, help="who or what will use it")
    revoke = tokens.add_parser("revoke-token", help="revoke a token by its name")
    revoke.add_argument("--name", required=True)
    tokens.add_parser("list-tokens", help="list the tokens (never the tokens themselves)")
    usage = sub.add_parser("usage", help="usage sessions from FreeRADIUS")
    usage.add_subparsers(dest="usage_command", required=True).add_parser(
        "sync", help="read new and updated radacct sessions (safe to run every minute)"
    )
    radius = sub.add_parser("radius", help="FreeRADIUS provisioning")
    radius.add_subparsers(dest="radius_command", required=True).add_parser(
        "provision", help="write passwords, expirations and blocked lines to radcheck"
    )


async def run(settings: BotSettings, args: argparse.Namespace) -> None:
    commands = {
        "import": import_command,
        "admin": admin_command,
        "usage": radius_command,
        "radius": radius_command,
    }
    await commands[args.command](settings, args)


async def admin_command(settings: BotSettings, args: argparse.Namespace) -> None:
    from core.db import database
    from core.errors import DomainError

    async with database(settings.database_url):
        try:
            await _token_command(args)
        except DomainError as error:
            print(f"ispbot: {error.code} {error.details}", file=sys.stderr)
            raise SystemExit(2) from None


async def _token_command(args: argparse.Namespace) -> None:
    from core.admin.tokens import AdminTokens
    from core.clock import SystemClock

    tokens = AdminTokens(SystemClock())
    if args.admin_command == "create-token":
        new = await tokens.create(args.name)
        print(f"ispbot: token {new.name!r} created; it is shown only this once:")
        print(new.token)
    elif args.admin_command == "revoke-token":
        await tokens.revoke(args.name)
        print(f"ispbot: token {args.name!r} revoked")
    else:
        for token in await tokens.list():
            state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            print(f"{token.name}  {token.prefix}...  {state}  last used {used}")


def add_import_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("import", help="import subscribers or plans from a CSV file")
    parser.add_argument("kind", choices=["subscribers", "plans"])
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--report",
        type=Path,
        default=None,
        help="where to write the rejected rows (default: FILE.rejected.csv)",
    )


async def import_command(settings: BotSettings, args: argparse.Namespace) -> None:
    from bot.bootstrap import build_services
    from core.db import database

    async with database(settings.database_url):
        bar = ProgressBar(f"importing {args.kind}")
        try:
            if args.kind == "subscribers":
                services = build_services(settings)
                importer = subscribers.SubscriberImporter(
                    settings, services.clock, services.billing
                )
                result = await importer.run(args.file, bar)
                columns = subscribers.COLUMNS
            else:
                result = await plans.import_plans(args.file, bar)
                columns = plans.COLUMNS
        except (ImportFileError, OSError) as error:
            bar.close()
            print(f"ispbot: {args.file}: {error}", file=sys.stderr)
            raise SystemExit(2) from None
    bar.close()
    report_rejects(result, args.file, args.report, columns)


def report_rejects(
    result: ImportResult, source: Path, report: Path | None, columns: tuple[str, ...]
) -> None:
    print(f"ispbot: {result.summary()}")
    if result.rejected:
        path = report or source.with_name(source.stem + ".rejected.csv")
        write_rejects(path, result.rejected, columns)
        print(f"ispbot: rejected rows and their reasons are in {path}")


async def radius_command(settings: BotSettings, args: argparse.Namespace) -> None:
    import asyncpg

    from core.db import database
    from core.radius.config import RadiusSettings

    radius_settings = RadiusSettings()
    if not radius_settings.database_url:
        print("ispbot: set ISPBOT_RADIUS_DATABASE_URL to FreeRADIUS's database", file=sys.stderr)
        raise SystemExit(2)
    async with database(settings.database_url):
        try:
            await _radius_run(settings, args, radius_settings)
        except (OSError, asyncpg.PostgresError) as error:
            print(f"ispbot: FreeRADIUS's database: {error}", file=sys.stderr)
            raise SystemExit(2) from None


async def _radius_run(settings: BotSettings, args: argparse.Namespace, radius_settings) -> None:
    from datetime import timedelta

    import asyncpg

    from bot.bootstrap import build_services
    from core.radius.accounting import AccountingSync
    from core.radius.provisioning import provision

    radius = await asyncpg.connect(radius_settings.database_url)
    try:
        if args.command == "usage":
            services = build_services(settings)
            overlap = timedelta(minutes=radius_settings.overlap_minutes)
            result = await AccountingSync(services.billing, services.clock, overlap).run(radius)
            print(
                f"ispbot: {result.read} radacct sessions read: {result.recorded} recorded, "
                f"{result.unchanged} unchanged, {result.unknown_users} of unknown users, "
                f"{result.refused} refused"
            )
        else:
            done = await provision(radius)
            print(
                f"ispbot: radcheck: {done.inserted} inserted, {done.updated} updated, "
                f"{done.deleted} deleted"
            )
    finally:
        await radius.close()
