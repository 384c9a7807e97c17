"""Postpaid bills: a line billed after each calendar month from its activation (BAAB) date.

A bill is issued once its month has ended: the plan's daily rate (price / duration days) x the
month's days, rounded down (215,000 for 30 days -> 222,166 for 31), the partial month of the
activation carried onto the first bill, plus VAT; its last day to pay is
``bill_due_days`` after the month. Each bill has a unique key (subscriber, month), so issuing
again, or from two workers at once, issues nothing twice (``bill_periods`` has the calendar).
Paying one is an order of kind ``bill`` (``Orders.place_bill_order``; ``fulfilment`` settles it).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.enums import LineStatus
from core.accounts.line_status import change_line_status
from core.accounts.models import Subscriber
from core.accounts.profile import subscriber_zone
from core.alerts import kinds
from core.billing.bill_periods import local_midnight, periods_from, uses_jalali
from core.billing.bill_settling import UNPAID_BILL_REASON, recount_isolating_bills
from core.billing.deposits import ISOLATED_FROM
from core.billing.enums import UNPAID_BILLS, Billing, BillState, PlanKind
from core.billing.models import Bill, Plan, PostpaidLine
from core.billing.pricing import vat
from core.billing.read_models import BillView, bill_view
from core.billing.subscriptions import lock_subscriber
from core.config import Settings
from core.errors import Conflict, InvalidInput, NotFound
from core.inbox.models import OutboxMessage
from core.ports import Clock

log = logging.getLogger(__name__)

# How far back an activation date may be set (a line imported with years of history would
# issue every month's bill at once).
MAX_BACKDATE_DAYS = 400


class Bills:
    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def enrol(
        self, subscriber_id: int, plan_code: str, activated_on: date
    ) -> BillView | None:
        """Bill the line after each month on a postpaid plan, from its activation (BAAB) date
        (a local calendar day, today at the latest); bills whose month has ended are issued at
        once. Returns the open bill, if any.

        Errors: subscriber_not_found, plan_not_found, plan_not_postpaid, currency_mismatch,
        line_closed, invalid_activation_date {earliest, latest}, already_postpaid."""
        now = self.clock.now()
        async with in_transaction():
            line = await lock_subscriber(subscriber_id)
            if line.line_status == LineStatus.CLOSED:
                raise Conflict("line_closed", subscriber_id=subscriber_id)
            plan = await Plan.get_or_none(code=plan_code)
            if plan is None:
                raise NotFound("plan_not_found", plan_code=plan_code)
            if plan.billing != Billing.POSTPAID or plan.kind != PlanKind.SERVICE:
                raise InvalidInput("plan_not_postpaid", plan_code=plan_code)
            if plan.currency != line.currency:
                raise InvalidInput("currency_mismatch", plan_code=plan_code)
            today = now.astimezone(subscriber_zone(line, self.settings)).date()
            earliest = today - timedelta(days=MAX_BACKDATE_DAYS)
            if not earliest <= activated_on <= today:
                raise InvalidInput(
                    "invalid_activation_date",
                    earliest=earliest.isoformat(),
                    latest=today.isoformat(),
                )
            if await PostpaidLine.exists(subscriber_id=subscriber_id):
                raise Conflict("already_postpaid", subscriber_id=subscriber_id)
            await PostpaidLine.create(
                subscriber_id=subscriber_id, plan=plan, activated_on=activated_on, created_at=now
            )
        await self.issue_due(subscriber_id)
        return await self.open_bill(subscriber_id)

    async def issue_due(self, subscriber_id: int) -> list[BillView]:
        """Issue the line's bills whose month has ended and that are not issued yet; returns
        those issued now (none when run again). A closed line is billed no more."""
        postpaid = (
            await PostpaidLine.filter(subscriber_id=subscriber_id)
            .select_related("plan", "subscriber")
            .first()
        )
        if postpaid is None or postpaid.subscriber.line_status == LineStatus.CLOSED:
            return []
        line: Subscriber = postpaid.subscriber
        plan: Plan = postpaid.plan
        zone = subscriber_zone(line, self.settings)
        now = self.clock.now()
        issued_keys = set(
            await Bill.filter(subscriber_id=subscriber_id, period_key__isnull=False).values_list(
                "period_key", flat=True
            )
        )
        issued: list[BillView] = []
        for period in periods_from(postpaid.activated_on, uses_jalali(line.currency)):
            ends_at = local_midnight(period.ends_before, zone)
            if ends_at > now:
                break
            if period.key in issued_keys:
                continue
            amount = period.amount(plan.price, plan.duration_days)
            tax = vat(amount, self.settings.vat_percent)
            try:
                async with in_transaction():
                    bill = await Bill.create(
                        subscriber_id=subscriber_id,
                        plan=plan,
                        starts_at=local_midnight(period.starts_on, zone),
                        ends_at=ends_at,
                        days=period.days,
                        amount=amount,
                        vat=tax,
                        total=amount + tax,
                        currency=line.currency,
                        state=BillState.OPEN,
                        period_key=period.key,
                        issued_at=now,
                        due_at=local_midnight(
                            period.ends_before + timedelta(days=self.settings.bill_due_days), zone
                        ),
                    )
            except IntegrityError:
                continue  # issued meanwhile by another worker
            bill.plan = plan
            issued.append(bill_view(bill, zone))
        return issued

    async def issue_all_due(self) -> int:
        """The worker's job: every postpaid line's bills due up to now. Returns how many."""
        issued = 0
        lines = await PostpaidLine.all().order_by("subscriber_id").only("id", "subscriber_id")
        for postpaid in lines:
            issued += len(await self.issue_due(postpaid.subscriber_id))
        return issued

    async def bills_of(self, subscriber_id: int, limit: int | None = None) -> list[BillView]:
        """The line's postpaid bills, the newest month first."""
        line = await Subscriber.get_or_none(id=subscriber_id)
        if line is None:
            raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
        query = (
            Bill.filter(subscriber_id=subscriber_id, state__isnull=False)
            .select_related("plan", "order")
            .order_by("-starts_at", "-id")
        )
        if limit is not None:
            query = query.limit(limit)
        zone = subscriber_zone(line, self.settings)
        return [bill_view(b, zone) for b in await query]

    async def open_bill(self, subscriber_id: int) -> BillView | None:
        """The oldest bill still to pay (open or overdue), the one "Pay the bill" pays."""
        unpaid = [b for b in await self.bills_of(subscriber_id) if b.payable]
        return unpaid[-1] if unpaid else None

    async def is_postpaid(self, subscriber_id: int) -> bool:
        return await PostpaidLine.exists(subscriber_id=subscriber_id)


class BillDueDates:
    """The worker's upkeep of unpaid bills: a reminder before the last day to pay (once a
    bill, by the outbox's key), overdue after it, and the line isolated once the grace has
    passed too (once a bill; paying it opens the line, ``bill_settling``)."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock

    async def run(self) -> tuple[int, int, int]:
        """(reminders written, bills become overdue, lines isolated)."""
        reminded = await self.remind()
        overdue = await self.mark_overdue()
        isolated = await self.isolate()
        return reminded, overdue, isolated

    async def remind(self) -> int:
        s, now = self.settings, self.clock.now()
        ahead = now + timedelta(days=s.bill_reminder_days_before)
        due = await Bill.filter(
            state=BillState.OPEN, due_at__gt=now, due_at__lte=ahead
        ).select_related("subscriber")
        written = 0
        for bill in due:
            zone = subscriber_zone(bill.subscriber, s)
            local = now.astimezone(zone).time()
            if not s.alert_day_start <= local < s.alert_day_end:
                continue  # no reminder at night: the next run in the day writes it
            message = await OutboxMessage.get_or_none(dedup_key=kinds.bill_due_key(bill.id))
            if message is not None:
                continue
            await OutboxMessage.bulk_create(
                [
                    OutboxMessage(
                        subscriber_id=bill.subscriber_id,
                        kind=kinds.BILL_DUE,
                        params=_bill_params(bill, zone),
                        dedup_key=kinds.bill_due_key(bill.id),
                        created_at=now,
                    )
                ],
                ignore_conflicts=True,
            )
            written += 1
        return written

    async def mark_overdue(self) -> int:
        now = self.clock.now()
        return await Bill.filter(state=BillState.OPEN, due_at__lte=now).update(
            state=BillState.OVERDUE
        )

    async def isolate(self) -> int:
        """Lines with a bill unpaid past its last day and the grace: isolated, with the reason
        in the line's history, and told so (once a bill)."""
        now = self.clock.now()
        late = now - timedelta(days=self.settings.bill_grace_days)
        ids = await Bill.filter(
            state=BillState.OVERDUE, isolated_at__isnull=True, due_at__lte=late
        ).values_list("id", "subscriber_id")
        isolated = 0
        for bill_id, subscriber_id in ids:
            async with in_transaction():
                line = await lock_subscriber(subscriber_id)
                won = await Bill.filter(
                    id=bill_id, state__in=UNPAID_BILLS, isolated_at__isnull=True
                ).update(isolated_at=now)
                if not won:
                    continue  # paid meanwhile, or another worker got here first
                owed = await recount_isolating_bills(subscriber_id)
                if line.line_status in ISOLATED_FROM:
                    await change_line_status(
                        subscriber_id, LineStatus.ISOLATED, UNPAID_BILL_REASON, now
                    )
                    isolated += 1
                bill = await Bill.get(id=bill_id)
                zone = subscriber_zone(line, self.settings)
                await OutboxMessage.create(
                    subscriber_id=subscriber_id,
                    kind=kinds.BILL_UNPAID_ISOLATED,
                    params={**_bill_params(bill, zone), "owed": owed},
                    dedup_key=kinds.bill_isolated_key(bill_id),
                    created_at=now,
                )
        return isolated


def _bill_params(bill: Bill, zone: ZoneInfo) -> dict[str, Any]:
    assert bill.due_at is not None
    return {
        "bill_id": bill.id,
        "starts_on": bill.starts_at.astimezone(zone).date().isoformat(),
        "ends_on": (bill.ends_at - timedelta(microseconds=1)).astimezone(zone).date().isoformat(),
        "total": bill.total,
        "currency": bill.currency,
        "due_on": (bill.due_at - timedelta(microseconds=1)).astimezone(zone).date().isoformat(),
    }
