"""``ispbot admin create-token|revoke-token|list-tokens``: the admin API's tokens."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import cells, fail, plain_table, print_table
from bot.config import BotSettings


@click.group("admin", help="admin API tokens")
def admin() -> None:
    pass


@admin.command("create-token", help="create a token (printed once)")
@click.option("--name", required=True, help="who or what will use it")
@pass_settings
def create_token_command(settings: BotSettings, name: str) -> None:
    asyncio.run(create_token(settings, name))


@admin.command("revoke-token", help="revoke a token by its name")
@click.option("--name", required=True)
@pass_settings
def revoke_token_command(settings: BotSettings, name: str) -> None:
    asyncio.run(revoke_token(settings, name))


@admin.command("list-tokens", help="list the tokens (never the tokens themselves)")
@pass_settings
def list_tokens_command(settings: BotSettings) -> None:
    asyncio.run(list_tokens(settings))


async def create_token(settings: BotSettings, name: str) -> None:
    from core.errors import DomainError

    async with opened(settings) as wiring:
        try:
            new = await wiring.admin.tokens.create(name)
        except DomainError as error:
            fail(f"{error.code} {error.details}")
    click.echo(f"ispbot: token {new.name!r} created; it is shown only this once:")
    click.echo(new.token)


async def revoke_token(settings: BotSettings, name: str) -> None:
    from core.errors import DomainError

    async with opened(settings) as wiring:
        try:
            await wiring.admin.tokens.revoke(name)
        except DomainError as error:
            fail(f"{error.code} {error.details}")
    click.echo(f"ispbot: token {name!r} revoked")


async def list_tokens(settings: BotSettings) -> None:

    async with opened(settings) as wiring:
        tokens = await wiring.admin.tokens.list()
    table = plain_table()
    for token in tokens:
        state = f"revoked {token.revoked_at:%Y-%m-%d}" if token.revoked_at else "live"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        table.add_row(*cells(token.name, f"{token.prefix}...", state, f"last used {used}"))
    print_table(table)
