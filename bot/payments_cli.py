"""`ispbot payments reconcile`: ask each provider about the pending orders older than
ISPBOT_RECONCILE_AFTER_MINUTES (and ZarinPal about its unverified payments), apply what was
paid, and fail what expired. Run it every few minutes (cron, a systemd timer)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.config import BotSettings


def add_parsers(sub: Any) -> None:
    payments = sub.add_parser("payments", help="payment jobs")
    jobs = payments.add_subparsers(dest="payments_command", required=True)
    jobs.add_parser("reconcile", help="settle pending orders with the payment providers")


async def run(settings: BotSettings, args: argparse.Namespace) -> None:
    from bot.bootstrap import build_services
    from bot.payments.providers import close_gateways
    from core.billing.reconcile import reconcile
    from core.db import database

    assert args.payments_command == "reconcile"
    async with database(settings.database_url):
        services = build_services(settings)
        try:
            report = await reconcile(services.billing, services.billing.gateways)
        finally:
            await close_gateways(services.billing.gateways.values())
    print(
        f"ispbot: {report.checked} pending orders checked, {report.applied} applied, "
        f"{report.failed} failed or expired, {report.errors} errors"
    )
    if report.errors:
        raise SystemExit(1)
