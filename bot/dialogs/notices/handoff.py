"""What the bot says when an agent takes a subscriber's conversation and when it ends, and when
an agent gives the free charge or extends the service from the agents' group."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.dialogs.contract import Reply
from bot.dialogs.flows.free_charge import grant_text
from bot.dialogs.notices.renderer import Notice
from bot.i18n import Texts
from core.alerts import kinds


async def handoff_started(t: Texts, params: dict[str, Any]) -> list[Reply]:
    text = t.gettext(
        "You are now talking with %(agent)s from our support team (ticket %(number)s). "
        "Write here and your messages go straight to them.",
        agent=params.get("agent_name") or t.gettext("our support team"),
        number=t.digits(str(params["ticket_number"])),
    )
    return [Reply(text, language=t.language)]


async def handoff_ended(t: Texts, params: dict[str, Any]) -> list[Reply]:
    if params.get("reason") == "idle":
        text = t.gettext(
            "The conversation with our agent ended as there were no messages for a while. "
            "You are back with the bot; write agent to talk to a person again."
        )
    else:
        text = t.gettext(
            "The conversation with our agent has ended. You are back with the bot; write "
            "menu to see what I can do."
        )
    return [Reply(text, language=t.language)]


async def agent_free_charge(t: Texts, params: dict[str, Any]) -> list[Reply]:
    grant = grant_text(t, int(params.get("days") or 0), int(params.get("megabytes") or 0))
    text = t.gettext(
        "%(agent)s from our support team gave you a free charge of %(grant)s, until %(until)s "
        "(ticket %(number)s). Please renew your service before then.",
        agent=params["agent_name"],
        grant=grant,
        until=t.datetime(datetime.fromisoformat(params["until"])),
        number=t.digits(str(params["ticket_number"])),
    )
    return [Reply(text, language=t.language)]


async def agent_extension(t: Texts, params: dict[str, Any]) -> list[Reply]:
    days = int(params["days"])
    text = t.ngettext(
        "%(agent)s from our support team extended your service by %(n)s day: it now ends "
        "%(ends)s (ticket %(number)s).",
        "%(agent)s from our support team extended your service by %(n)s days: it now ends "
        "%(ends)s (ticket %(number)s).",
        days,
        agent=params["agent_name"],
        ends=t.datetime(datetime.fromisoformat(params["ends_at"])),
        number=t.digits(str(params["ticket_number"])),
    )
    return [Reply(text, language=t.language)]


NOTICES = (
    Notice(kinds.HANDOFF_STARTED, handoff_started),
    Notice(kinds.HANDOFF_ENDED, handoff_ended),
    Notice(kinds.AGENT_FREE_CHARGE, agent_free_charge),
    Notice(kinds.AGENT_EXTENSION, agent_extension),
)
