"""`ispbot alerts run [--dry-run]` and `ispbot worker`."""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from bot.admin.progress import ProgressBar
from bot.config import BotSettings
from core.alerts.sweep import AlertSweep, SweepReport
from core.clock import SystemClock
from core.ports import Clock


def configured_channels(settings: BotSettings) -> list[str]:
    """The channels the relays can send on with these settings (the web chat always)."""
    channels = ["telegram"] if settings.telegram_token is not None else []
    if settings.twilio_configured:
        channels += ["whatsapp", "sms"]
    return [*channels, "web"]


def report_table(report: SweepReport, *, dry_run: bool) -> str:
    verb = "would be sent" if dry_run else "enqueued"
    lines = [f"{report.total} alerts {verb} now"]
    if report.total:
        rows = sorted(report.counts.items())
        width = max(len(kind) for (kind, _), _ in rows)
        lines += [f"  {kind.ljust(width)}  {channel:<9} {n}" for (kind, channel), n in rows]
    return "\n".join(lines)


async def run_alerts(
    settings: BotSettings,
    args: argparse.Namespace,
    *,
    clock: Clock | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> SweepReport:
    from core.db import database

    out, err = out or sys.stdout, err or sys.stderr
    async with database(settings.database_url):
        sweep = AlertSweep(settings, clock or SystemClock(), channels=configured_channels(settings))
        bar = ProgressBar("selections", err)
        try:
            report = await sweep.run(
                dry_run=args.dry_run,
                progress=lambda done, total, alerts: bar(done, total, f"{alerts} alerts"),
            )
        finally:
            bar.close()
    print(report_table(report, dry_run=args.dry_run), file=out)
    return report


def run_worker(settings: BotSettings, _args: argparse.Namespace) -> None:
    from bot.observability.logs import configure_logging
    from bot.worker import build_worker

    configure_logging()
    build_worker(settings).run()


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sub.add_parser("worker", help="run the scheduled alerts and send the outbox (arq, Redis)")
    alerts = sub.add_parser("alerts", help="alerts to subscribers")
    actions = alerts.add_subparsers(dest="alerts_command", required=True)
    run = actions.add_parser("run", help="write the alerts due now to the outbox")
    run.add_argument(
        "--dry-run", action="store_true", help="only show what would be sent, per kind and channel"
    )
