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
    # The order the provider's record of the payment names (Stripe's metadata), when it keeps
    # one: a payment of another order, of the same amount, is not this one's.
    tracking_number: str | None = None


class CheckableGateway(PaymentGateway, Protocol):
    """A real provider: it can be asked about a payment it started (callbacks and reconciling).
    ``amount`` is the order's own payable: ZarinPal's verify needs it."""

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck: ...

    async def unsettled_references(self) -> list[str]:
        """References the provider holds as paid but not yet confirmed by us (ZarinPal's
        unverified payments); empty where the provider has no such list."""
        ...


@dataclass(frozen=True, slots=True)
class CardSetupStart:
    """A page where the subscriber saves a card: the provider's customer (made for them, or the
    one they had), the page's reference and its address."""

    customer: str
    reference: str
    url: str


@dataclass(frozen=True, slots=True)
class CardSetupCheck:
    """What the provider says of a card-saving page: SAVED with the customer and payment method
    it attached, PENDING while it is open, FAILED when it expired or was given up."""

    state: PaymentState
    customer: str | None = None
    method: str | None = None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class SavedCardCharge:
    """A charge of a saved card without the subscriber present. ``idempotency_key``: the same
    for every try of one order, so the provider charges it once however often it is sent."""

    tracking_number: int
    amount: int
    currency: str
    customer: str
    method: str
    idempotency_key: str
    description: str


@dataclass(frozen=True, slots=True)
class SavedCardResult:
    """PAID (``reference``: the provider's payment, to be checked as any other), FAILED with
    the provider's ``code`` (card_declined, authentication_required, ...), or PENDING."""

    state: PaymentState
    reference: str | None = None
    code: str = ""


class CardGateway(CheckableGateway, Protocol):
    """A provider that keeps cards for payments made without the subscriber (Stripe)."""

    async def start_card_setup(
        self, subscriber_id: int, currency: str, customer: str | None
    ) -> CardSetupStart: ...

    async def check_card_setup(self, reference: str) -> CardSetupCheck: ...

    async def charge_saved_card(self, charge: SavedCardCharge) -> SavedCardResult: ...

    async def find_card_charge(
        self, tracking_number: int, customer: str, since: datetime
    ) -> str | None:
        """The provider's payment a saved card's charge of this order made, if any: among the
        customer's payments made since ``since``, the one carrying the order's number. Read
        from the provider's own records (never a search index that may lag), so None means
        there is none. Raises GatewayError."""
        ...

    async def forget_card(self, method: str) -> None: ...
