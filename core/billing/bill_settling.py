"""A paid ``bill`` order settling its postpaid bill, inside the transaction that applies it
(``fulfilment``), the subscriber's row locked: the order moved to PAID once, so once."""

from __future__ import annotations

from datetime import datetime

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.accounts.models import Subscriber
from core.billing.enums import UNPAID_BILLS, BillState
from core.billing.models import Bill, Order

# The line-status history's reason when an unpaid bill isolates the line.
UNPAID_BILL_REASON = "unpaid bill"


async def recount_isolating_bills(subscriber_id: int) -> int:
    """Keep the line's ``unpaid_bills_due``: what its unpaid bills that isolated it owe.
    Inside the caller's transaction, the subscriber's row locked."""
    isolating = await Bill.filter(
        subscriber_id=subscriber_id, state__in=UNPAID_BILLS, isolated_at__isnull=False
    ).only("id", "total")
    owed = sum(bill.total for bill in isolating)
    await Subscriber.filter(id=subscriber_id).update(unpaid_bills_due=owed)
    return owed


async def check_bill_order(order: Order) -> str | None:
    """Why the order cannot settle its bill as quoted (then its money goes to the wallet):
    the bill was paid meanwhile, or a later order was placed for it."""
    bill = await Bill.filter(order_id=order.id, state__in=UNPAID_BILLS).first()
    if bill is None or bill.total != order.subtotal + order.vat:
        return "bill_changed"
    return None


async def settle_bill(order: Order, subscriber: Subscriber, now: datetime) -> None:
    """The bill is paid; a line its being unpaid isolated opens once no other unpaid bill
    isolates it and no deposit is owed."""
    bill = await Bill.get(order_id=order.id, state__in=UNPAID_BILLS)
    await Bill.filter(id=bill.id).update(state=BillState.PAID, paid_at=now)
    if bill.isolated_at is None:
        return
    still_isolating = await recount_isolating_bills(subscriber.id)
    owes_deposit = subscriber.deposit_due + subscriber.installation_fee_due > 0
    if not still_isolating and not owes_deposit:
        await change_line_status(
            subscriber.id,
            LineStatus.IN_OPERATION,
            f"bill paid:{order.tracking_number}",
            now,
            only_from=LineStatus.ISOLATED,
        )
