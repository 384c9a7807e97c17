"""Bounces that come back later, as a delivery status notification (RFC 3464): the mail
server took the message and could not deliver it afterwards. Such a report comes to the
From address; ``ispbot email bounce`` reads it (the mail server pipes it in) and marks each
address it says failed for good (a 5.x.x status). A delay report (4.x.x) changes nothing."""

from __future__ import annotations

import email
from dataclasses import dataclass
from email.message import Message
from email.policy import default


@dataclass(frozen=True, slots=True)
class Bounce:
    address: str
    reason: str


def permanent_failures(raw: bytes) -> list[Bounce]:
    """The recipients a delivery report says failed for good; empty for any other message."""
    message = email.message_from_bytes(raw, policy=default)
    bounces: list[Bounce] = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        # The first block describes the message, each of the others one recipient.
        blocks = payload[1:] if isinstance(payload, list) else []
        for block in blocks:
            bounce = _failure(block)
            if bounce is not None:
                bounces.append(bounce)
    return bounces


def _failure(block: Message) -> Bounce | None:
    action = str(block.get("Action", "")).strip().lower()
    status = str(block.get("Status", "")).strip()
    recipient = str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
    kind, _, address = recipient.partition(";")
    if action != "failed" or not status.startswith("5") or kind.strip().lower() != "rfc822":
        return None
    address = address.strip().strip("<>")
    if "@" not in address:
        return None
    diagnostic = " ".join(str(block.get("Diagnostic-Code", "")).split())
    return Bounce(address, f"{status} {diagnostic}".strip())
