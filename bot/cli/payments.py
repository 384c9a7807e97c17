"""``ispbot payments reconcile``: ask each provider about the pending orders older than
ISPBOT_RECONCILE_AFTER_MINUTES (and ZarinPal about its unverified payments), apply what was
paid, and fail what expired. Run it every few minutes (cron, a systemd timer)."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import opened, pass_settings
from bot.config import BotSettings


@click.group("payments", help="payment jobs")
def payments() -> None:
    pass


@payments.command("reconcile", help="settle pending orders with the payment providers")
@pass_settings
def reconcile_command(settings: BotSettings) -> None:
    asyncio.run(reconcile_payments(settings))


async def reconcile_payments(settings: BotSettings) -> None:
    """Exit 1 when a provider could not be asked about an order (it is asked again next run)."""
    from core.billing.reconcile import reconcile

    async with opened(settings) as wiring:
        services = wiring.services
        report = await reconcile(services.orders, services.orders.gateways)
    click.echo(
        f"ispbot: {report.checked} pending orders checked, {report.applied} applied, "
        f"{report.failed} failed or expired, {report.errors} errors; "
        f"card charges for staff: {len(report.unresolved)}"
    )
    if report.unresolved:
        # Never sent again nor failed by the job: a person looks them up at the provider and
        # settles them in the console (every run names them; the log said so once each).
        numbers = ", ".join(str(n) for n in report.unresolved)
        click.echo(
            "ispbot: card charges unknown to the provider, to settle in the console "
            f"(Billing, Card charges to settle): {numbers}"
        )
    if report.errors:
        raise SystemExit(1)
