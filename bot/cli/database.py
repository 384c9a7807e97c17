"""``ispbot migrate``, ``ispbot makemigrations`` and ``ispbot demo``: the database's schema and
the demo's data."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import cells, plain_table, print_table
from bot.config import BotSettings


@click.command("migrate", help="apply the database migrations")
@pass_settings
def migrate_command(settings: BotSettings) -> None:
    asyncio.run(migrate(settings))


async def migrate(settings: BotSettings) -> None:
    from core.db import apply_migrations

    _ensure_sqlite_folder(settings.database_url)
    applied = await apply_migrations(settings.database_url)
    if not applied:
        click.echo("ispbot: database is up to date, no migration to apply")
        return
    for name in applied:
        click.echo(f"ispbot: applied migration {name}")
    click.echo(f"ispbot: database migrated ({len(applied)} applied)")


def _ensure_sqlite_folder(url: str) -> None:
    if url.startswith("sqlite://") and ":memory:" not in url:
        Path(url.removeprefix("sqlite://")).parent.mkdir(parents=True, exist_ok=True)


# Everything after the command goes to tortoise's own command line as it is.
@click.command(
    "makemigrations",
    help="write a migration for model changes",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("rest", nargs=-1, type=click.UNPROCESSED)
@pass_settings
def makemigrations_command(_settings: BotSettings, rest: tuple[str, ...]) -> None:
    from core.db import make_migrations

    make_migrations(rest)


@click.command("demo", help="add the demo's plans and subscribers, print their logins")
@pass_settings
def demo_command(settings: BotSettings) -> None:
    asyncio.run(demo(settings))


async def demo(settings: BotSettings) -> None:
    from core.demo import seed_demo

    async with opened(settings) as wiring:
        services = wiring.services
        logins = await seed_demo(settings, services.clock, services.files)
        await _demo_radius(services.clock.now())
    table = plain_table("username", "password", "language", "situation")
    for login in logins:
        table.add_row(*cells(login.username, login.password, login.language, login.description))
    print_table(table)


async def _demo_radius(now: datetime) -> None:
    """With FreeRADIUS's database set: radcheck provisioned, and the demo's online and refused
    lines written there (core/demo/radius.py), for the connection check."""
    import asyncpg

    from core.demo.radius import seed_radius
    from core.radius.config import RadiusSettings
    from core.radius.provisioning import provision

    url = RadiusSettings().database_url
    if not url:
        return
    try:
        connection = await asyncpg.connect(url)
        try:
            await provision(connection)
            written = await seed_radius(connection, now)
        finally:
            await connection.close()
    except (OSError, asyncpg.PostgresError) as error:
        # The demo stands without it: those two lines then show "nothing wrong".
        click.echo(f"ispbot: FreeRADIUS's database: {error}; its demo lines were not written")
        return
    if written:
        click.echo("ispbot: the demo's online and refused lines written to FreeRADIUS's database")
