"""The ``ispbot`` command: one click group, one module per command or group of commands.

Each module's commands read the settings when they run (bot/cli/context.py), keep their heavy
imports inside the command, and print through bot/cli/output.py.
"""

from __future__ import annotations

import click

from bot.cli.admin import admin
from bot.cli.alerts import alerts
from bot.cli.chat import chat_command
from bot.cli.database import demo_command, makemigrations_command, migrate_command
from bot.cli.email import email_group
from bot.cli.imports import import_command
from bot.cli.login_link import login_link_command
from bot.cli.payments import payments
from bot.cli.radius import radius, usage
from bot.cli.serve import serve_command, worker_command
from bot.cli.staff import staff
from bot.cli.telegram import telegram


@click.group(
    "ispbot",
    help="The ispbot command: the web app, the worker and the operators' jobs.",
    context_settings={"help_option_names": ["-h", "--help"]},
)
def cli() -> None:
    pass


for command in (
    migrate_command,
    demo_command,
    makemigrations_command,
    serve_command,
    chat_command,
    import_command,
    login_link_command,
    admin,
    staff,
    usage,
    radius,
    worker_command,
    alerts,
    telegram,
    payments,
    email_group,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Run one command. It returns when the command succeeds rather than exiting 0, so that a
    caller (a test, a script) can run several in one process; a failure exits with its code."""
    try:
        cli.main(args=argv, prog_name="ispbot")
    except SystemExit as stop:
        if stop.code not in (0, None):
            raise
