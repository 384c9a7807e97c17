"""What the bot says when an agent takes a subscriber's conversation and when it ends."""

from __future__ import annotations

from typing import Any

from bot.dialogs.contract import Reply
from bot.dialogs.notices import notice
from bot.i18n import Texts


@notice("handoff_started")
async def handoff_started(t: Texts, params: dict[str, Any]) -> list[Reply]:
    text = t.gettext(
        "You are now talking with %(agent)s from our support team (ticket %(number)s). "
        "Write here and your messages go straight to them.",
        agent=params.get("agent_name") or t.gettext("our support team"),
        number=t.digits(str(params["ticket_number"])),
    )
    return [Reply(text, language=t.language)]


@notice("handoff_ended")
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
