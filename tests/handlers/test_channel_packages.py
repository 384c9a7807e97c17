"""Every channel is a package of bot/handlers, kept independent of the others by a contract."""

from __future__ import annotations

import tomllib
from pathlib import Path

import bot.handlers

CHANNELS = {"webchat", "telegram", "whatsapp", "sms", "console", "agents", "email"}


def test_every_channel_package_is_in_the_independence_contract():
    package = Path(bot.handlers.__file__).parent
    packages = {p.parent.name for p in package.glob("*/__init__.py")}
    assert packages == CHANNELS

    config = tomllib.loads((package.parent.parent / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    [independence] = [
        c
        for c in contracts
        if c["type"] == "independence" and c["modules"][0].startswith("bot.handlers.")
    ]
    assert set(independence["modules"]) == {f"bot.handlers.{name}" for name in CHANNELS}
