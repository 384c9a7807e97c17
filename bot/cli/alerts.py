"""``ispbot alerts run [--dry-run]``: write the alerts due now to the outbox (core/alerts)."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, TextIO

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import cells, plain_table, print_table, progress_bar
from bot.config import BotSettings

if TYPE_CHECKING:
    from core.alerts.sweep import SweepReport
    from core.ports import Clock


@click.group("alerts", help="alerts to subscribers")
def alerts() -> None:
    pass


@alerts.command("run", help="write the alerts due now to the outbox")
@click.option("--dry-run", is_flag=True, help="only show what would be sent, per kind and channel")
@pass_settings
def run_command(settings: BotSettings, dry_run: bool) -> None:
    asyncio.run(run_alerts(settings, dry_run=dry_run))


def configured_channels(settings: BotSettings) -> list[str]:
    """The channels the relays can send on with these settings (the web chat always)."""
    channels = ["telegram"] if settings.telegram_token is not None else []
    if settings.twilio_configured:
        channels += ["whatsapp", "sms"]
    if settings.email_configured:
        channels.append("email")
    return [*channels, "web"]


async def run_alerts(
    settings: BotSettings,
    *,
    dry_run: bool,
    clock: Clock | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> SweepReport:
    from core.alerts.sweep import AlertSweep

    async with opened(settings, clock=clock) as wiring:
        services = wiring.services
        sweep = AlertSweep(settings, services.clock, channels=configured_channels(settings))
        with progress_bar("selections", err) as progress:
            report = await sweep.run(
                dry_run=dry_run,
                progress=lambda done, total, alerts: progress(done, total, f"{alerts} alerts"),
            )
    print_report(report, dry_run=dry_run, file=out)
    return report


def print_report(report: SweepReport, *, dry_run: bool, file: TextIO | None = None) -> None:
    """How many alerts, then how many of each kind go to each channel first."""
    verb = "would be sent" if dry_run else "enqueued"
    click.echo(f"{report.total} alerts {verb} now", file=file)
    if report.total:
        table = plain_table()
        table.add_column()
        # A channel's column is as wide as the longest channel's name, however few are listed.
        table.add_column(min_width=len("whatsapp"))
        table.add_column()
        for (kind, channel), n in sorted(report.counts.items()):
            table.add_row(*cells(kind, channel, n))
        print_table(table, file, indent=2)
