"""Pricing rules as plain integer arithmetic: no database, no floats, every division rounds down.

Amounts are integers in the currency's minor unit. Percentages are ``Decimal`` (9 % VAT is
``Decimal("9")``) and are applied exactly (through ``Fraction``), then floored.

A quote (the pre-invoice) is built in this order, as the seed's change-of-service invoice shows:

    total     = subtotal + vat(subtotal) + subscription_fee
    due       = total - proration_credit
    due <= 0  -> payable 0, wallet_used 0, wallet_credit = -due   (the excess goes to the wallet)
    due  > 0  -> wallet_used = min(wallet balance, due), payable = due - wallet_used

so the wallet applies only to what remains after the proration credit, and every quote balances:

    subtotal + vat + subscription_fee - proration_credit - wallet_used - payable
        + wallet_credit == 0

Seed: 8,000,000 + 720,000 + 0 - 1,928,767 - 0 = 6,791,233 payable.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction


def _non_negative(**values: int) -> None:
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 0:
            raise ValueError(f"{name} cannot be negative: {value}")


def prorated_remaining_value(price: int, remaining_days: int, total_days: int) -> int:
    """What is left of a service: price x remaining days / total days, rounded down.

    2,000,000 for a one-year service with 352 days left -> 1,928,767.
    """
    _non_negative(price=price, remaining_days=remaining_days, total_days=total_days)
    if total_days == 0:
        raise ValueError("total_days must be positive")
    if remaining_days > total_days:
        raise ValueError(f"remaining_days {remaining_days} exceeds total_days {total_days}")
    return price * remaining_days // total_days


def vat(amount: int, percent: Decimal) -> int:
    """Value added tax on an amount, rounded down: 8,000,000 at 9 % -> 720,000."""
    _non_negative(amount=amount)
    rate = Fraction(percent)
    if rate < 0 or rate > 100:
        raise ValueError(f"VAT percent out of range: {percent}")
    return int(amount * rate / 100)  # int() of a non-negative Fraction floors


def postpaid_amount(monthly_price: int, base_days: int, period_days: int) -> int:
    """A postpaid period's bill: the daily rate x the period's days, rounded down.

    215,000 for a 30-day month -> 222,166 for a 31-day month.
    """
    _non_negative(monthly_price=monthly_price, base_days=base_days, period_days=period_days)
    if base_days == 0:
        raise ValueError("base_days must be positive")
    return monthly_price * period_days // base_days


def traffic_with_bonus(nbytes: int, bonus_percent: int) -> int:
    """Traffic plus its bonus ("+10 % extra volume"), the bonus rounded down to whole bytes."""
    _non_negative(nbytes=nbytes, bonus_percent=bonus_percent)
    return nbytes + nbytes * bonus_percent // 100


def price_for_months(monthly_price: int, months: int) -> int:
    """A monthly fee bought for N months (a static IP: 50,000 a month x 2 -> 100,000)."""
    _non_negative(monthly_price=monthly_price, months=months)
    return monthly_price * months


@dataclass(frozen=True, slots=True)
class Quote:
    """A pre-invoice. Amounts in minor units of ``currency``; see the module's docstring."""

    subtotal: int
    vat: int
    subscription_fee: int
    proration_credit: int
    wallet_used: int
    wallet_credit: int
    payable: int
    currency: str

    @property
    def total(self) -> int:
        """What the purchase costs before any credit: subtotal + VAT + subscription fee."""
        return self.subtotal + self.vat + self.subscription_fee

    @property
    def credits(self) -> int:
        """What pays for it besides the payment: the proration credit and the wallet."""
        return self.proration_credit + self.wallet_used

    def balances(self) -> bool:
        """The books close: no negative line, the identity holds, and an excess credit
        (wallet_credit) only appears when nothing is paid and nothing is taken from the wallet."""
        amounts = (
            self.subtotal,
            self.vat,
            self.subscription_fee,
            self.proration_credit,
            self.wallet_used,
            self.wallet_credit,
            self.payable,
        )
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 0 for a in amounts):
            return False
        identity = (
            self.subtotal
            + self.vat
            + self.subscription_fee
            - self.proration_credit
            - self.wallet_used
            - self.payable
            + self.wallet_credit
        )
        if identity != 0:
            return False
        return self.wallet_credit == 0 or (self.payable == 0 and self.wallet_used == 0)


def quote_purchase(
    subtotal: int,
    vat_percent: Decimal,
    wallet_balance: int,
    *,
    currency: str,
    subscription_fee: int = 0,
    proration_credit: int = 0,
) -> Quote:
    """The pre-invoice of any purchase. VAT is on the subtotal; the wallet (never below zero)
    covers only what remains after the proration credit."""
    _non_negative(
        subtotal=subtotal,
        subscription_fee=subscription_fee,
        proration_credit=proration_credit,
    )
    if isinstance(wallet_balance, bool) or not isinstance(wallet_balance, int):
        raise TypeError("wallet_balance must be an int")
    tax = vat(subtotal, vat_percent)
    due = subtotal + tax + subscription_fee - proration_credit
    if due <= 0:
        wallet_used, wallet_credit, payable = 0, -due, 0
    else:
        wallet_used = min(max(wallet_balance, 0), due)
        wallet_credit, payable = 0, due - wallet_used
    return Quote(
        subtotal=subtotal,
        vat=tax,
        subscription_fee=subscription_fee,
        proration_credit=proration_credit,
        wallet_used=wallet_used,
        wallet_credit=wallet_credit,
        payable=payable,
        currency=currency,
    )


def quote_change_service(
    new_price: int,
    vat_percent: Decimal,
    subscription_fee: int,
    remaining_value: int,
    wallet_balance: int,
    *,
    currency: str = "IRR",
) -> Quote:
    """The seed's change-of-service invoice: the new price plus VAT and fee, less what is left of
    the active service, less the panel credit. 8,000,000 / 9 % / 0 / 1,928,767 / 0 -> 6,791,233."""
    return quote_purchase(
        new_price,
        vat_percent,
        wallet_balance,
        currency=currency,
        subscription_fee=subscription_fee,
        proration_credit=remaining_value,
    )
