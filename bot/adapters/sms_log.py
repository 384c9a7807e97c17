"""An SMS sender for the demo and development: writes the message to the log instead."""

from __future__ import annotations

import logging

log = logging.getLogger("ispbot.sms")


class LoggingSmsSender:
    async def send_sms(self, to: str, text: str) -> None:
        log.warning("SMS to %s: %s", to, text)
