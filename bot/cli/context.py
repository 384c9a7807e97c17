"""What the commands share: the settings from the environment, and the database and the container
opened for one command's work."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from pydantic import ValidationError

from bot.cli.output import fail
from bot.config import BotSettings
from core.config import describe_error

if TYPE_CHECKING:
    from bot.wiring import Wiring
    from core.ports import Clock

P = ParamSpec("P")
R = TypeVar("R")


def load_settings() -> BotSettings:
    """Settings from the environment, or one clear line and exit 2."""
    from core.radius.config import RadiusSettings

    try:
        settings = BotSettings()
    except ValidationError as error:
        fail(describe_error(error))
    try:
        # Read by every process that builds the core's services (bot/bootstrap.py: My service
        # asks FreeRADIUS whether a line is online), so checked at start-up as the others are.
        RadiusSettings()
    except ValidationError as error:
        fail(describe_error(error, prefix="ISPBOT_RADIUS_"))
    return settings


def pass_settings(command: Callable[Concatenate[BotSettings, P], R]) -> Callable[P, R]:
    """Hand COMMAND the settings as its first argument. They are read when the command runs,
    after its arguments are parsed, so ``--help`` and a usage error need no settings."""

    @functools.wraps(command)
    def with_settings(*args: P.args, **kwargs: P.kwargs) -> R:
        return command(load_settings(), *args, **kwargs)

    return with_settings


@asynccontextmanager
async def opened(settings: BotSettings, *, clock: Clock | None = None) -> AsyncIterator[Wiring]:
    """The database open and a command's container built (bot/bootstrap.py); its clients, the
    payment providers' HTTP clients and the database closed after, however the command ends."""
    from bot.bootstrap import bootstrap
    from bot.payments.providers import close_gateways
    from core.db import database

    async with database(settings.database_url):
        wiring = bootstrap(settings, process="command", clock=clock)
        try:
            yield wiring
        finally:
            await close_gateways(wiring.services.orders.gateways.values())
            await wiring.close()
