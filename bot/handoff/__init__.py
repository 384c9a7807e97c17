"""The agents' side of the hand-off: a Telegram forum supergroup with a topic per ticket.

- desk.py: the group as the ``AgentDesk`` (open, rename, close topics; post text and files).
- card.py: the summary card an agent sees first (personal data masked).
- sync.py: tickets → topics, and the subscriber's messages → their topic, after commit.
- router.py, commands.py: what agents write in a topic (answers, notes, commands).
- live.py: the engine's hook that passes a subscriber's messages on during a live hand-off.
"""
