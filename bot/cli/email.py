"""``ispbot email bounce``: a delivery report that came back to ISPBOT_EMAIL_FROM marks the
addresses it says failed for good, so no notice goes there again (bot/handlers/email)."""

from __future__ import annotations

import asyncio
from typing import BinaryIO

import click

from bot.cli.context import opened, pass_settings
from bot.config import BotSettings


@click.group("email", help="the email channel")
def email_group() -> None:
    pass


@email_group.command(
    "bounce",
    help="read a delivery report (RFC 3464) from REPORT (standard input when absent), as a mail "
    "server's pipe gives it, and mark the addresses that failed for good",
)
@click.argument("report", type=click.File("rb"), default="-")
@pass_settings
def bounce_command(settings: BotSettings, report: BinaryIO) -> None:
    asyncio.run(mark_bounces(settings, report.read()))


async def mark_bounces(settings: BotSettings, raw: bytes) -> None:
    from bot.handlers.email.reports import permanent_failures

    bounces = permanent_failures(raw)
    if not bounces:
        click.echo("ispbot: no address failed for good in this message; nothing marked")
        return
    async with opened(settings) as wiring:
        for bounce in bounces:
            marked = await wiring.services.email_addresses.mark_bounced(
                bounce.address, bounce.reason
            )
            click.echo(f"ispbot: {bounce.address}: {marked} subscriber(s) marked ({bounce.reason})")
