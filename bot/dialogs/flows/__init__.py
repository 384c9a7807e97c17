"""Every flow of the bot, listed here: adding a flow adds its module's ``FLOWS`` below."""

from __future__ import annotations

from bot.dialogs.flow import Flow
from bot.dialogs.flows import (
    account,
    agent,
    auto_renew,
    bills,
    buy,
    closure,
    connection_check,
    deposit,
    documents,
    free_charge,
    history,
    inbox,
    language,
    line_status,
    login,
    notifications,
    password_reset,
    passwords,
    pause,
    profile,
    registration,
    status,
    ticket_thread,
    topup,
    usage,
)

_MODULES = (
    account,
    agent,
    auto_renew,
    bills,
    buy,
    closure,
    connection_check,
    deposit,
    documents,
    free_charge,
    history,
    inbox,
    language,
    line_status,
    login,
    notifications,
    password_reset,
    passwords,
    pause,
    profile,
    registration,
    status,
    ticket_thread,
    topup,
    usage,
)


def all_flows() -> list[Flow]:
    flows = [flow for module in _MODULES for flow in module.FLOWS]
    names = [flow.name for flow in flows]
    duplicates = {name for name in names if names.count(name) > 1}
    if duplicates:
        raise RuntimeError(f"two flows share a name: {sorted(duplicates)}")
    return flows
