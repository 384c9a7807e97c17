"""A notice's options answered by typing, where there are no buttons to press.

A notice (a ticket closed and its score from 1 to 5, an alert's next steps) lists its options,
but no question of the chat's dialog waits for them: the engine maps what is typed only to the
options of the question it asked last. So when a notice with options reaches a chat whose
conversation is idle (no flow, or one that timed out), its options are kept in the chat's state
beside the question's, for the next turn only; that turn matches a typed label to them first
("4" for a score, "Reply"). A typed number still picks the question's option of that place (the
main menu the chat shows), since channels list a notice's options without numbers. A chat in the
middle of a flow is left as it is: the notice's buttons still work where there are buttons. A
message the dialogs do not take (one passed on to an agent during a live hand-off) is the next
turn all the same: the options are forgotten with it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from bot.dialogs.contract import Reply
from bot.dialogs.normalize import label_match
from bot.dialogs.state import ChatKey, StateStore, flow_expired, reset_flow
from core.ports import Clock

log = logging.getLogger(__name__)

NOTICE_OPTIONS = "notice_options"
NOTICE_LABELS = "notice_labels"


class NoticeOffers:
    def __init__(self, store: StateStore, clock: Clock, flow_timeout_seconds: float) -> None:
        self.store = store
        self.clock = clock
        self.flow_timeout_seconds = flow_timeout_seconds

    async def remember(self, channel: str, chat_id: str, replies: Sequence[Reply]) -> None:
        """Keep the options of the notice's last reply with options, if the chat is idle. The
        notice was delivered already: a busy chat or a store that fails only loses the typing."""
        with_options = [reply for reply in replies if reply.options]
        if not with_options:
            return
        options = with_options[-1].options
        chat = ChatKey(channel, chat_id)
        try:
            async with self.store.hold(chat) as held:
                state = held.state
                now = self.clock.now().timestamp()
                if state.get("flow"):
                    if not flow_expired(state, now, self.flow_timeout_seconds):
                        return  # kept nothing: the chat is saved as it was
                    reset_flow(state)
                # An idle chat keeps its menu's options: a number typed still picks from it.
                state[NOTICE_OPTIONS] = [o.id for o in options]
                state[NOTICE_LABELS] = [o.label for o in options]
                held.keep(state)
        except Exception as error:
            log.warning("chat %s: a notice's options not kept for typing: %r", chat, error)


def forget_notice(state: dict[str, Any]) -> bool:
    """Drop the notice's options from ``state`` (a turn the dialogs did not take, such as a
    message to an agent, was the next turn all the same); whether there were any."""
    had = NOTICE_OPTIONS in state
    state.pop(NOTICE_OPTIONS, None)
    state.pop(NOTICE_LABELS, None)
    return had


def notice_pick(text: str | None, state: dict[str, Any]) -> str | None:
    """The option of the notice the chat got last that ``text`` names by its label; the notice's
    options are forgotten either way (they answer the next turn only)."""
    options: list[str] = state.get(NOTICE_OPTIONS) or []
    labels: list[str] = state.get(NOTICE_LABELS) or []
    forget_notice(state)
    return label_match(text, options, labels)
