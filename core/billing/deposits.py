"""What a new line owes at installation: its deposit and installation fee, set by staff.

A line that owes them is isolated (Indonesian "isolir"): installed but blocked until they are
paid, by one "deposit" order (``Orders.place_deposit_order``; ``fulfilment`` opens the line).
Staff setting them to zero waives them, and an isolated line that owed them opens at once.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.accounts.models import Subscriber
from core.accounts.queries import SubscriberView
from core.billing.subscriptions import lock_subscriber
from core.errors import Conflict, InvalidInput
from core.ports import Clock

# PostgreSQL's bigint, and below it.
MAX_AMOUNT = 10**15
# A line in one of these is isolated when it comes to owe something; the others (closed, cut
# for documents) keep their status, and the amount waits for them.
ISOLATED_FROM = (LineStatus.IN_OPERATION, LineStatus.IN_COLLECTION_LIST)


class Deposits:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    async def set_owed(
        self, subscriber_id: int, deposit: int, installation_fee: int
    ) -> SubscriberView:
        """Set what the line owes (minor units of its currency), in one transaction with the
        line's status: owing anything isolates it, owing nothing any more opens an isolated line
        that owed before. Each change of status is in the line's history.

        Errors: invalid_amount {field, max}, subscriber_not_found, line_closed."""
        for name, amount in (("deposit", deposit), ("installation_fee", installation_fee)):
            if isinstance(amount, bool) or not isinstance(amount, int):
                raise InvalidInput("invalid_amount", field=name, max=MAX_AMOUNT)
            if not 0 <= amount <= MAX_AMOUNT:
                raise InvalidInput("invalid_amount", field=name, max=MAX_AMOUNT)
        now = self.clock.now()
        async with in_transaction():
            line = await lock_subscriber(subscriber_id)
            if line.line_status == LineStatus.CLOSED:
                raise Conflict("line_closed", subscriber_id=subscriber_id)
            owed_before = line.deposit_due + line.installation_fee_due
            await Subscriber.filter(id=subscriber_id).update(
                deposit_due=deposit, installation_fee_due=installation_fee
            )
            if deposit + installation_fee > 0:
                if line.line_status in ISOLATED_FROM:
                    await change_line_status(subscriber_id, LineStatus.ISOLATED, "deposit due", now)
            elif owed_before > 0:
                await change_line_status(
                    subscriber_id,
                    LineStatus.IN_OPERATION,
                    "deposit waived",
                    now,
                    only_from=LineStatus.ISOLATED,
                )
            await line.refresh_from_db()
        return SubscriberView.of(line)
