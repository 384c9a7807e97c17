"""What the core needs from the outside world, as small interfaces. Adapters live in bot/."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SmsSender(Protocol):
    async def send_sms(self, to: str, text: str) -> None: ...


class EmailNotSent(Exception):
    """An email did not go. ``permanent``: the receiving server refused the address for good
    (a 5xx at RCPT or DATA: a bounce); otherwise it may go later (a 4xx, no connection)."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class EmailCodeSender(Protocol):
    async def send_email_code(
        self, to: str, code: str, *, language: str, username: str, minutes: int
    ) -> None:
        """The code that confirms ``to`` as the subscriber's address, in their language;
        ``EmailNotSent`` when it did not go."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """Where a notification went: the channel and the address (chat id or phone number)."""

    channel: str
    address: str


@dataclass(frozen=True, slots=True)
class ChatRef:
    """One chat on one channel: where something was done, so its answer can go back there."""

    channel: str
    external_id: str


class DeliveryFailed(Exception):
    """A notifier's failure that names the channel it failed on (the outbox keeps it, so the
    console counts a report's failures per channel)."""

    def __init__(self, message: str, channel: str) -> None:
        super().__init__(message)
        self.channel = channel


class Notifier(Protocol):
    async def notify(self, subscriber_id: int, kind: str, params: dict) -> Delivery | None:
        """Tell a subscriber something; returns where it went, or None if nowhere could take it.
        May raise DeliveryFailed (or any error) to have it tried again later."""
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


class PaymentState(StrEnum):
    PAID = "paid"
    PENDING = "pending"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class PaymentCheck:
    """What a provider answers when asked about one payment (never what a callback claims)."""

    state: PaymentState
    # What the provider says was paid, in the currency's minor unit, and in which currency.
    amount: int | None = None
    currency: str | None = None
    # The provider's own receipt number (ZarinPal ref_id, Midtrans transaction_id, Stripe
    # payment intent), shown on the subscriber's receipt.
    receipt: str | None = None
    # The provider's code or status, for the log.
    detail: str = ""


class CheckableGateway(PaymentGateway, Protocol):
    """A real provider: it can be asked about a payment it started (callbacks and reconciling).
    ``amount`` is the order's own payable: ZarinPal's verify needs it."""

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck: ...

    async def unsettled_references(self) -> list[str]:
        """References the provider holds as paid but not yet confirmed by us (ZarinPal's
        unverified payments); empty where the provider has no such list."""
        ...
