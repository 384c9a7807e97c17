"""The main menu: the flows this chat may start now, in their order; and the option ids that
start a flow (``flow:<name>?<data>``), as the menu and the notices offer them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from bot.dialogs.contract import Option
from bot.dialogs.flow import Context, Flow
from core.numbers import whole_number

FLOW_PREFIX = "flow:"


@dataclass(frozen=True, slots=True)
class Menu:
    prompt: str
    options: tuple[Option, ...]


async def menu_options(
    ctx: Context, flows: Iterable[Flow], group: str | None = None
) -> tuple[Option, ...]:
    """The flows of a menu (the main one, or the submenu ``group``) this chat may start now."""
    audience = {"anyone", "subscriber" if ctx.subscriber else "guest"}
    shown = [
        flow
        for flow in sorted(flows, key=lambda f: (f.menu_order, f.name))
        if flow.menu_label
        and flow.menu_group == group
        and flow.audience in audience
        and await flow.offered(ctx)
    ]
    return tuple(Option(FLOW_PREFIX + f.name, ctx._(f.menu_label or "")) for f in shown)


async def main_menu(ctx: Context, flows: Iterable[Flow]) -> Menu:
    options = await menu_options(ctx, flows)
    if ctx.subscriber is not None:
        prompt = ctx._("%(name)s, what would you like to do?", name=ctx.subscriber.full_name)
    else:
        prompt = ctx._("Welcome! What would you like to do?")
    return Menu(prompt, options)


def flow_choice(name: str, **data: str | int) -> str:
    """The option id that starts flow ``name`` with ``data`` (a notice's "rate 5 for ticket
    123"). Flows must check what the data names: a client can send any option id."""
    return FLOW_PREFIX + name + ("?" + urlencode(data) if data else "")


def parse_flow_choice(choice: str) -> tuple[str, dict[str, Any]]:
    name, _, query = choice.removeprefix(FLOW_PREFIX).partition("?")
    data: dict[str, Any] = {
        key: number if (number := whole_number(value)) is not None else value
        for key, value in parse_qsl(query)
    }
    return name, data
