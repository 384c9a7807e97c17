"""The billing's fixed vocabularies: plan kinds, subscription, order and wallet states.

Plain values, apart from the ORM models, so that channels and dialogs may name them."""

from __future__ import annotations

from enum import StrEnum


class PlanKind(StrEnum):
    SERVICE = "service"
    TRAFFIC = "traffic"
    # A pack valid only for a short period (``duration_days``).
    TIMED_TRAFFIC = "timed_traffic"
    # The monthly fee of a static IP; bought for N months.
    STATIC_IP = "static_ip"


class Billing(StrEnum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"


class SubscriptionSource(StrEnum):
    ONLINE = "online"
    ADMIN = "admin"
    SALES_AGENT = "sales_agent"
    FREE_CHARGE = "free_charge"


class SubscriptionStatus(StrEnum):
    ACTIVE = "active"
    # Bought ahead; becomes active when the current one ends.
    RESERVED = "reserved"
    ENDED = "ended"
    # Ended early by a change of service.
    REPLACED = "replaced"


class BucketKind(StrEnum):
    PLAN = "plan"
    EXTRA = "extra"
    TIMED = "timed"
    FREE_CHARGE = "free_charge"
    CAMPAIGN = "campaign"
    GIFT = "gift"


class OrderKind(StrEnum):
    BUY_SERVICE = "buy_service"
    RENEW_SERVICE = "renew_service"
    BUY_TRAFFIC = "buy_traffic"
    BUY_TIMED_TRAFFIC = "buy_timed_traffic"
    CHANGE_SERVICE = "change_service"
    STATIC_IP = "static_ip"
    # A new line's deposit and installation fee: paying it takes the line out of "isolated".
    DEPOSIT = "deposit"
    # A postpaid period's bill: paying it settles the bill (and opens a line it isolated).
    BILL = "bill"
    # Money put in the wallet ahead of purchases: paying it credits the wallet (no VAT: that is
    # charged on what the credit buys).
    WALLET_TOPUP = "wallet_topup"


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    APPLIED = "applied"
    FAILED = "failed"
    CANCELLED = "cancelled"


class BillState(StrEnum):
    """A postpaid bill's state (a prepaid purchase's period has none: its order paid it)."""

    OPEN = "open"
    PAID = "paid"
    # Past its last day to pay, unpaid; the line is isolated once the grace has passed too.
    OVERDUE = "overdue"


# The bills a payment is still owed for.
UNPAID_BILLS = (BillState.OPEN, BillState.OVERDUE)


class WalletEntryKind(StrEnum):
    PRORATION_CREDIT = "proration_credit"
    ORDER_PAYMENT = "order_payment"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"
    TOPUP = "topup"
    # The fee of pausing the service (core/billing/pauses.py), paid from the wallet.
    PAUSE_FEE = "pause_fee"


# Which plans each order kind sells.
PLAN_KIND_FOR: dict[OrderKind, PlanKind] = {
    OrderKind.BUY_SERVICE: PlanKind.SERVICE,
    OrderKind.RENEW_SERVICE: PlanKind.SERVICE,
    OrderKind.CHANGE_SERVICE: PlanKind.SERVICE,
    OrderKind.BUY_TRAFFIC: PlanKind.TRAFFIC,
    OrderKind.BUY_TIMED_TRAFFIC: PlanKind.TIMED_TRAFFIC,
    OrderKind.STATIC_IP: PlanKind.STATIC_IP,
}
