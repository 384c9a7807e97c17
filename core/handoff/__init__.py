"""Agent hand-off: each ticket mirrored to a topic of the agents' group, and live conversations
between an agent and a subscriber on the subscriber's own channel.

- queries.py: the desk's reads (a ticket, its topic, its card's facts), as frozen dataclasses.
- topics.py: ``TopicBook``, which ticket has which topic, its claims and retries, what it shows.
- actions.py: ``DeskActions``, what an agent does to a ticket (answer, close, triage, billing).
- service.py: ``Handoff``, the live sessions; office_hours.py, masking.py: plain rules.
"""
