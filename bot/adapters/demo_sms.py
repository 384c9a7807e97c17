"""The demo's SMS: with no SMS provider configured, messages are written to a file that stands
in for the subscribers' phones (the demo's new passwords are read there). The log says only
that a message was written, never what it says: it carries passwords."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from pathlib import Path

log = logging.getLogger("ispbot.sms")


class DemoSmsOutbox:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    async def send_sms(self, to: str, text: str) -> None:
        stamp = datetime.now(UTC).isoformat(timespec="seconds")

        def append() -> None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as outbox:
                outbox.write(f"--- {stamp} to {to}\n{text}\n")

        await asyncio.to_thread(append)
        log.warning(
            "no SMS provider is configured: an SMS of %d characters was written to %s",
            len(text),
            self.path,
        )
