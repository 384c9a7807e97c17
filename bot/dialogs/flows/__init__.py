"""Every flow of the bot. Each module here lists its flows in ``FLOWS``; they are found by
walking the package, so adding a flow touches only its own module."""

from __future__ import annotations

import importlib
import pkgutil

from bot.dialogs.flow import Flow


def all_flows() -> list[Flow]:
    flows: list[Flow] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        flows += getattr(importlib.import_module(f"{__name__}.{module.name}"), "FLOWS", [])
    names = [flow.name for flow in flows]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"two flows share a name: {sorted(duplicates)}")
    return flows
