"""The wallet (panel credit): an append-only ledger whose sum is the balance; an operator's
correction. Orders debit and credit it when they are applied (``fulfilment``)."""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.billing import state
from core.billing.enums import WalletEntryKind
from core.billing.models import WalletEntry
from core.billing.read_models import WalletLine
from core.billing.subscriptions import lock_subscriber
from core.errors import DomainError, InvalidInput
from core.ports import Clock


class Wallet:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def adjust(self, subscriber_id: int, amount: int, note: str = "") -> WalletLine:
        """An operator's correction of the panel credit; it never takes the balance below zero.

        Errors: subscriber_not_found, invalid_amount {amount}, wallet_insufficient {balance,
        amount}."""
        if isinstance(amount, bool) or not isinstance(amount, int) or amount == 0:
            raise InvalidInput("invalid_amount", amount=amount)
        now = self.clock.now()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            balance = await state.wallet_balance(subscriber_id)
            if balance + amount < 0:
                raise DomainError("wallet_insufficient", balance=balance, amount=amount)
            entry = await WalletEntry.create(
                subscriber_id=subscriber_id,
                amount=amount,
                currency=subscriber.currency,
                kind=WalletEntryKind.ADJUSTMENT,
                note=note[:200],
                created_at=now,
            )
        return WalletLine.of(entry, None)  # an operator's correction belongs to no order
