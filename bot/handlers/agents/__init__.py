"""The agents' side of the hand-off: a Telegram forum supergroup with a topic per ticket.

It only translates: every read and write is the core's (core/handoff/: ``TopicBook``,
``DeskActions``, ``Handoff`` and the desk's queries), and the Telegram channel does not know it;
``setup`` adds it to the process's Telegram dispatcher (wiring.py).

- desk.py: the group as the ``AgentDesk`` (open, rename, close topics; post text and files).
- card.py: the summary card an agent sees first (personal data masked).
- sync.py: tickets → topics, and the subscriber's messages → their topic, after commit.
- router.py, commands.py: what agents write in a topic (answers, notes, commands).
- live.py: the engine's hook that passes a subscriber's messages on during a live hand-off.
- wiring.py: ``setup``, the above on the app's Telegram dispatcher.
"""

from bot.handlers.agents.wiring import setup

__all__ = ["setup"]
