"""``ispbot login-link USERNAME``: a one-time link that logs a chat in without the password,
for an operator to hand over (the ISP's site asks the admin API for the same)."""

from __future__ import annotations

import asyncio

import click

from bot.cli.context import opened, pass_settings
from bot.cli.output import fail
from bot.config import BotSettings


@click.command("login-link", help="a one-time link that logs a subscriber's chat in")
@click.argument("username")
@click.option("--sms", is_flag=True, help="also send it by SMS to the registered mobile")
@pass_settings
def login_link_command(settings: BotSettings, username: str, sms: bool) -> None:
    asyncio.run(issue(settings, username, sms))


async def issue(settings: BotSettings, username: str, sms: bool) -> None:
    from bot.login_link_urls import login_link_urls
    from core.accounts.queries import subscriber_by_username
    from core.errors import DomainError, NotFound

    async with opened(settings) as wiring:
        try:
            subscriber = await subscriber_by_username(username)
            link = await wiring.services.login_links.issue(subscriber.id, send_sms=sms)
        except NotFound:
            fail(f"no subscriber {username!r}")
        except DomainError as error:
            fail("the line has no registered mobile" if error.code == "no_mobile" else error.code)
    minutes = settings.login_link_minutes
    click.echo(f"ispbot: a link for {username}, good once for {minutes} minutes:")
    for channel, url in login_link_urls(settings, link).items():
        click.echo(f"  {channel}: {url}")
    click.echo(f"  code (WhatsApp, SMS): {link.code}")
    if sms:
        click.echo("ispbot: sent by SMS to the registered mobile")
