"""``ispbot usage sync`` and ``ispbot radius provision``: FreeRADIUS's accounting and radcheck."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import fail
from bot.config import BotSettings

if TYPE_CHECKING:
    import asyncpg

    from bot.dialogs.services import Services
    from core.radius.config import RadiusSettings

# A job on FreeRADIUS's database: the services, the radius settings and the open connection.
RadiusJob = Callable[["Services", "RadiusSettings", "asyncpg.Connection"], Awaitable[None]]


@click.group("usage", help="usage sessions from FreeRADIUS")
def usage() -> None:
    pass


@click.group("radius", help="FreeRADIUS provisioning")
def radius() -> None:
    pass


@usage.command("sync", help="read new and updated radacct sessions (safe to run every minute)")
@pass_settings
def sync_command(settings: BotSettings) -> None:
    asyncio.run(on_radius(settings, sync_usage))


@radius.command("provision", help="write passwords, expirations and blocked lines to radcheck")
@pass_settings
def provision_command(settings: BotSettings) -> None:
    asyncio.run(on_radius(settings, provision_radcheck))


async def on_radius(settings: BotSettings, job: RadiusJob) -> None:
    """JOB with our database and FreeRADIUS's open; FreeRADIUS's unreachable or failing
    database is one line and exit 2."""
    import asyncpg

    from core.radius.config import RadiusSettings

    radius_settings = RadiusSettings()
    if not radius_settings.database_url:
        fail("set ISPBOT_RADIUS_DATABASE_URL to FreeRADIUS's database")
    async with opened(settings) as wiring:
        services = wiring.services
        try:
            connection = await asyncpg.connect(radius_settings.database_url)
            try:
                await job(services, radius_settings, connection)
            finally:
                await connection.close()
        except (OSError, asyncpg.PostgresError) as error:
            fail(f"FreeRADIUS's database: {error}")


async def sync_usage(
    services: Services, radius_settings: RadiusSettings, connection: asyncpg.Connection
) -> None:
    from datetime import timedelta

    from core.radius.accounting import AccountingSync

    overlap = timedelta(minutes=radius_settings.overlap_minutes)
    stale_after = timedelta(minutes=radius_settings.stale_after_minutes)
    sync = AccountingSync(services.usage, services.clock, overlap, stale_after)
    result = await sync.run(connection)
    click.echo(
        f"ispbot: {result.read} radacct sessions read: {result.recorded} recorded, "
        f"{result.unchanged} unchanged, {result.unknown_users} of unknown users, "
        f"{result.refused} refused"
    )


async def provision_radcheck(
    _services: Services, _radius_settings: RadiusSettings, connection: asyncpg.Connection
) -> None:
    from core.radius.provisioning import provision

    done = await provision(connection)
    click.echo(
        f"ispbot: radcheck: {done.inserted} inserted, {done.updated} updated, "
        f"{done.deleted} deleted"
    )
