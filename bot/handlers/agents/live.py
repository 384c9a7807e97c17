"""The engine's hook for a live hand-off: while an agent holds the chat, what the subscriber
writes goes to the ticket (and so to the agents' topic) instead of the dialogs.

A button press still goes to the dialogs (a rating, the menu of a notice). Transport-free: the
hook calls the core's ``Handoff`` and answers with an Outcome like any turn.
"""

from __future__ import annotations

from bot.dialogs.contract import Outcome, Turn
from core.errors import DomainError
from core.handoff.service import Handoff


class LiveHandoff:
    def __init__(self, handoff: Handoff) -> None:
        self.handoff = handoff

    async def __call__(self, turn: Turn) -> Outcome | None:
        if turn.choice is not None or not (turn.text or turn.attachment):
            return None
        files = []
        if turn.attachment is not None:
            a = turn.attachment
            files.append((a.filename, a.content_type, a.data))
        try:
            number = await self.handoff.pass_on(turn.channel, turn.chat_id, turn.text, files)
        except DomainError:
            # A file the tickets refuse (type, size): the words still reach the agent.
            number = await self.handoff.pass_on(turn.channel, turn.chat_id, turn.text, [])
        if number is None:
            return None
        return Outcome()  # the agent answers in their own time, as a person does
