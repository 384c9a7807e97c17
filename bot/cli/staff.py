"""``ispbot staff create|totp|list``: the staff console's accounts, made on the server (the
first admin has nobody to make them in the console)."""

from __future__ import annotations

import asyncio
import sys

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import cells, fail, plain_table, print_table
from bot.config import BotSettings

ROLES = ("admin", "operator", "billing", "agent")
LANGUAGES = ("fa", "id", "en")


@click.group("staff", help="the staff console's accounts")
def staff() -> None:
    pass


@staff.command("create", help="create a staff account (the password is asked for)")
@click.option("--username", required=True)
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--full-name", default="", help="shown in the console and the audit log")
@click.option("--language", default="en", type=click.Choice(LANGUAGES), show_default=True)
@click.option(
    "--password-stdin", is_flag=True, help="read the password from the first line of stdin"
)
@pass_settings
def create_command(
    settings: BotSettings,
    username: str,
    role: str,
    full_name: str,
    language: str,
    password_stdin: bool,
) -> None:
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    asyncio.run(create(settings, username, password, role, full_name, language))


@staff.command("totp", help="set up (or replace) a member's second factor; prints its URI")
@click.argument("username")
@pass_settings
def totp_command(settings: BotSettings, username: str) -> None:
    asyncio.run(set_up_totp(settings, username))


@staff.command("list", help="list the staff accounts")
@pass_settings
def list_command(settings: BotSettings) -> None:
    asyncio.run(list_staff(settings))


async def create(
    settings: BotSettings, username: str, password: str, role: str, full_name: str, language: str
) -> None:
    from core.errors import DomainError, FieldErrors
    from core.staff.audit import CLI_ACTOR

    async with opened(settings) as wiring:
        try:
            member = await wiring.staff.accounts.create(
                CLI_ACTOR, username, password, role, full_name=full_name, language=language
            )
        except FieldErrors as errors:
            fail("; ".join(f"{field}: {code}" for field, code in errors.details["fields"]))
        except DomainError as error:
            fail(f"{error.code} {error.details}")
    click.echo(f"ispbot: staff member {member.username!r} ({member.role}) created")
    click.echo(f"ispbot: the console is at {settings.base_url}/staff")


async def set_up_totp(settings: BotSettings, username: str) -> None:
    from core.errors import DomainError
    from core.staff.audit import CLI_ACTOR

    async with opened(settings) as wiring:
        try:
            uri = await wiring.staff.accounts.set_up_totp(CLI_ACTOR, username)
        except DomainError as error:
            fail(f"{error.code} {error.details}")
    click.echo("ispbot: add this to an authenticator app (it is shown only this once):")
    click.echo(uri)


async def list_staff(settings: BotSettings) -> None:
    from core.staff.queries import staff_list

    async with opened(settings):
        members = await staff_list()
    table = plain_table("username", "role", "language", "totp", "state")
    for m in members:
        state = "active" if m.active else "inactive"
        totp = "yes" if m.has_totp else "no"
        table.add_row(*cells(m.username, m.role.value, m.language.value, totp, state))
    print_table(table)
