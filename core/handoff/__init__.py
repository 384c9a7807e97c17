"""Agent hand-off: each ticket mirrored to a topic of the agents' group, and live conversations
between an agent and a subscriber on the subscriber's own channel."""
