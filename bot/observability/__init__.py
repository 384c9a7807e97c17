"""Watching the bot in production: request ids, JSON logs that never carry secrets, metrics,
and the health and readiness endpoints."""
