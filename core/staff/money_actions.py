"""The subscriber page's service and money actions: extend the service, resume a paused service,
reset the free charge, give or take back a static IP, set what a new line owes, refund a paid
order to the wallet; and billing's: reconcile now, settle a card charge no run can.

Each calls the core service the admin API and the agents' group call, inside one transaction
with its audit entry (who, what, before, after): both are written, or, on a refusal, neither.
The service's own transaction becomes a savepoint of this one.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.billing import state
from core.billing.card_settling import TELL_FAILED, CardSettling, Settled
from core.billing.deposits import Deposits
from core.billing.free_charges import FreeCharges
from core.billing.models import Order
from core.billing.orders import Orders
from core.billing.pauses import BY_STAFF, Pauses, PauseView
from core.billing.read_models import OrderLine, SubscriptionView
from core.billing.reconcile import Reconciler, ReconcileReport
from core.billing.static_ips import StaticIps
from core.billing.subscriptions import Subscriptions
from core.errors import InvalidInput, NotFound
from core.ports import Clock
from core.staff import audit
from core.staff.audit import SUBSCRIBER, Actor

log = logging.getLogger(__name__)

# A refund's note is kept on the wallet's line (its column's length).
MAX_NOTE = 200


class MoneyActions:
    def __init__(
        self,
        clock: Clock,
        subscriptions: Subscriptions,
        free_charges: FreeCharges,
        static_ips: StaticIps,
        deposits: Deposits,
        orders: Orders,
        pauses: Pauses,
        cards: CardSettling | None = None,
    ) -> None:
        self.clock = clock
        self.subscriptions = subscriptions
        self.free_charges = free_charges
        self.static_ips = static_ips
        self.deposits = deposits
        self.orders = orders
        self.pauses = pauses
        self.cards = cards or CardSettling(clock, orders)

    async def extend_service(self, actor: Actor, subscriber_id: int, days: int) -> SubscriptionView:
        """Subscriptions.extend_service. Errors: theirs (invalid_days, no_service_in_force)."""
        async with in_transaction():
            await _subscriber(subscriber_id)
            before = (await state.service_state(subscriber_id, self.clock.now())).current
            extended = await self.subscriptions.extend_service(subscriber_id, days)
            await self._record(
                actor,
                "subscriber.extend_service",
                subscriber_id,
                {"ends_at": before.ends_at.isoformat() if before else None},
                {"ends_at": extended.ends_at.isoformat(), "days": days},
            )
        return extended

    async def resume_pause(self, actor: Actor, subscriber_id: int) -> PauseView:
        """Pauses.resume at staff's asking: the line connects again now and only the days
        actually paused are added. Errors: subscriber_not_found, pause_not_paused."""
        async with in_transaction():
            row = await _subscriber(subscriber_id)
            resumed = await self.pauses.resume(subscriber_id, by=BY_STAFF)
            await self._record(
                actor,
                "subscriber.resume_pause",
                subscriber_id,
                {"paused_until": row.paused_until.isoformat() if row.paused_until else None},
                {
                    "paused_until": None,
                    "resumed_at": resumed.resumed_at.isoformat() if resumed.resumed_at else None,
                },
            )
        return resumed

    async def reset_free_charge(self, actor: Actor, subscriber_id: int) -> int:
        """FreeCharges.reset: the free charge may be taken once more. Returns the generation."""
        async with in_transaction():
            row = await _subscriber(subscriber_id)
            generation = await self.free_charges.reset(subscriber_id)
            await self._record(
                actor,
                "subscriber.reset_free_charge",
                subscriber_id,
                {"free_charge_generation": row.free_charge_generation},
                {"free_charge_generation": generation},
            )
        return generation

    async def assign_static_ip(self, actor: Actor, subscriber_id: int, address: str = "") -> str:
        """StaticIps.assign: ``address`` of the pool, or the first free one when empty."""
        async with in_transaction():
            await _subscriber(subscriber_id)
            ip = await self.static_ips.assign(subscriber_id, address)
            await self._record(
                actor, "subscriber.assign_static_ip", subscriber_id, {"static_ip": None},
                {"static_ip": ip},
            )  # fmt: skip
        return ip

    async def release_static_ip(self, actor: Actor, subscriber_id: int) -> str:
        async with in_transaction():
            row = await _subscriber(subscriber_id)
            ip = await self.static_ips.release(subscriber_id)
            until = row.static_ip_until.isoformat() if row.static_ip_until else None
            await self._record(
                actor,
                "subscriber.release_static_ip",
                subscriber_id,
                {"static_ip": ip, "static_ip_until": until},
                {"static_ip": None},
            )
        return ip

    async def set_deposit(
        self, actor: Actor, subscriber_id: int, deposit: int, installation_fee: int
    ) -> None:
        """Deposits.set_owed (owing isolates the line, owing nothing opens it)."""
        async with in_transaction():
            row = await _subscriber(subscriber_id)
            line = await self.deposits.set_owed(subscriber_id, deposit, installation_fee)
            await self._record(
                actor,
                "subscriber.set_deposit",
                subscriber_id,
                {
                    "deposit": row.deposit_due,
                    "installation_fee": row.installation_fee_due,
                    "line_status": str(row.line_status),
                },
                {
                    "deposit": line.deposit_due,
                    "installation_fee": line.installation_fee_due,
                    "line_status": str(line.line_status),
                },
            )

    async def refund(
        self,
        actor: Actor,
        subscriber_id: int,
        tracking_number: int,
        amount: int | None,
        note: str,
    ) -> OrderLine:
        """Orders.refund of one of this subscriber's paid orders, to the wallet (the subscriber
        is told). Errors: refund_note_missing / refund_note_too_long {field}, order_not_found,
        and Orders.refund's."""
        note = " ".join(note.split())
        if not note:
            raise InvalidInput("refund_note_missing", field="note")
        if len(note) > MAX_NOTE:
            raise InvalidInput("refund_note_too_long", field="note", max_length=MAX_NOTE)
        async with in_transaction():
            await _subscriber(subscriber_id)
            if not await Order.exists(tracking_number=tracking_number, subscriber_id=subscriber_id):
                raise NotFound("order_not_found", field="order", tracking_number=tracking_number)
            balance = await state.wallet_balance(subscriber_id)
            refunded = await self.orders.refund(tracking_number, amount, note)
            await self._record(
                actor,
                "subscriber.refund",
                subscriber_id,
                {"wallet": balance},
                {
                    "wallet": balance + refunded.refunded,
                    "tracking_number": tracking_number,
                    "amount": refunded.refunded,
                    "note": note,
                },
            )
        return refunded

    async def reconcile(self, actor: Actor) -> ReconcileReport:
        """The reconcile job the worker runs (``Reconciler.run``), now; what it found is
        audited. Each order it settles is its own transaction (``Orders``), so the entry is
        written after them."""
        report = await Reconciler(self.orders).run()
        await audit.record(
            actor,
            "billing.reconcile",
            "billing",
            "reconcile",
            self.clock.now(),
            after={
                "checked": report.checked,
                "applied": report.applied,
                "failed": report.failed,
                "errors": report.errors,
                "changed": [o.tracking_number for o in report.changed],
            },
        )
        return report

    async def settle_card_charged(
        self, actor: Actor, tracking_number: int, reference: str
    ) -> Settled:
        """CardSettling.apply_charged, audited when it changed the order (a second submit
        writes nothing). Errors: theirs."""
        async with in_transaction():
            settled = await self.cards.apply_charged(tracking_number, reference)
            if settled.changed:
                await self._record(
                    actor,
                    "order.card_charged",
                    settled.subscriber_id,
                    {"tracking_number": tracking_number, "status": "pending", "gateway_ref": None},
                    {
                        "tracking_number": tracking_number,
                        "status": str(settled.order.status),
                        "gateway_ref": settled.order.gateway_ref,
                    },
                )
        return settled

    async def release_card_charge(self, actor: Actor, tracking_number: int) -> Settled:
        """CardSettling.release, audited when it changed the order; the subscriber is told
        after the commit (a payment link is placed with the provider, outside the
        transaction): ``told`` says whether. Errors: theirs."""
        async with in_transaction():
            settled = await self.cards.release(tracking_number)
            if settled.changed:
                await self._record(
                    actor,
                    "order.card_released",
                    settled.subscriber_id,
                    {"tracking_number": tracking_number, "status": "pending"},
                    {"tracking_number": tracking_number, "status": str(settled.order.status)},
                )
        # Told on every submit (once, by the notice's key): a telling that failed after the
        # release committed is made by the next submit instead of never.
        try:
            told = await self.cards.tell_released(tracking_number)
        except Exception:
            log.exception("order %s released, but the subscriber was not told", tracking_number)
            told = TELL_FAILED
        return replace(settled, told=told)

    async def _record(
        self,
        actor: Actor,
        action: str,
        subscriber_id: int,
        before: dict[str, Any],
        after: dict[str, Any],
    ) -> None:
        await audit.record(
            actor, action, SUBSCRIBER, subscriber_id, self.clock.now(), before=before, after=after
        )


async def _subscriber(subscriber_id: int) -> Subscriber:
    """The row as it was before the change, held until the transaction ends (PostgreSQL)."""
    row = await Subscriber.filter(id=subscriber_id).select_for_update(no_key=True).first()
    if row is None:
        raise NotFound("subscriber_not_found", subscriber_id=subscriber_id)
    return row
