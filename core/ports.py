"""What the core needs from the outside world, as small interfaces. Adapters live in bot/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SmsSender(Protocol):
    async def send_sms(self, to: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a notification went: the channel and the address (chat id or phone number)."""

    channel: str
    address: str


class Notifier(Protocol):
    async def notify(self, subscriber_id: int, kind: str, params: dict) -> Delivery | None:
        """Tell a subscriber something; returns where it went, or None if nowhere could take it."""
        ...


class FileStore(Protocol):
    async def put(self, data: bytes, content_type: str, filename: str) -> str:
        """Store bytes; returns an opaque key."""
        ...

    async def get(self, key: str) -> bytes: ...


@dataclass(frozen=True, slots=True)
class PaymentRequest:
    tracking_number: int
    amount: int
    currency: str
    description: str
    subscriber_id: int


@dataclass(frozen=True, slots=True)
class PaymentStart:
    """A started payment: the provider's reference and where to send the payer."""

    provider: str
    reference: str
    pay_url: str


class PaymentGateway(Protocol):
    name: str

    async def start(self, request: PaymentRequest) -> PaymentStart: ...
