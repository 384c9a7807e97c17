"""Saved card charges no run can settle, settled by a person.

A renewal's card charge that was sent, of which the provider holds no payment, and that is too
old to send again (core/billing/saved_cards.py) stays pending: failing it could lose a payment,
sending it again could charge twice. Staff look it up at the provider and say what they found:

- charged: the order is applied as paid, with the provider's payment reference they typed, by
  ``Orders.confirm_payment`` (the path of every paid order: once, with its receipt);
- not charged: the order fails (``card_unresolved``), the renewal stops "charging" (a pause is
  allowed again) and the subscriber is told, with a link to pay the renewal, unless they
  renewed another way meanwhile, paused, or turned renewal off (as ``AutoRenewals`` decides
  for a card attempt left unfinished).

Each is a conditional UPDATE on the order's state, so a second submit (or a run settling it
meanwhile) changes nothing: it is told apart by ``Settled.changed``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.alerts import kinds
from core.billing.auto_renew import CARD_FAILED, CHARGING, not_told_why
from core.billing.enums import OrderKind, OrderStatus
from core.billing.gateways import SANDBOX, GatewayError
from core.billing.models import AutoRenewal, Order
from core.billing.orders import Orders
from core.billing.queries import order_view_of
from core.billing.read_models import OrderView
from core.billing.reconcile import CARD_RESEND_WITHIN, card_charge_unresolved
from core.billing.saved_cards import idempotency_key
from core.billing.subscriptions import lock_subscriber
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.inbox.models import OutboxMessage
from core.inbox.service import enqueue
from core.paging import Page
from core.ports import CheckableGateway, Clock, PaymentState

log = logging.getLogger(__name__)

# Why the order failed, and the renewal's reason: staff found no payment of its charge.
CARD_UNRESOLVED = "card_unresolved"
# A provider's payment reference as the order keeps it (its column's length).
MAX_REFERENCE = 128
PAGE_SIZE = 50
# What ``tell_released`` did (besides ``auto_renew.not_told_why``'s reasons for not telling).
TOLD = "told"
NOTHING_TO_TELL = "nothing_to_tell"  # no renewal waited for the charge
TELL_FAILED = "tell_failed"  # it raised: logged, and a second submit tells again


@dataclass(frozen=True, slots=True)
class UnresolvedCharge:
    """A pending order whose card charge waits for staff, with what to look it up by."""

    id: int
    tracking_number: int
    subscriber_id: int
    username: str
    kind: OrderKind
    plan_code: str | None
    payable: int
    currency: str
    gateway: str | None
    card_sent_at: datetime
    # When a run found the provider holding no payment of it; None: no run has asked since
    # it became too old to send again (the worker not running).
    unresolved_at: datetime | None
    # The provider's customer and card the charge went to, and the key it was sent under.
    customer_ref: str | None
    method_ref: str | None
    idempotency_key: str


@dataclass(frozen=True, slots=True)
class Settled:
    order: OrderView
    subscriber_id: int
    # False: settled so before (a second submit): nothing was written.
    changed: bool
    # After a release: whether the subscriber was told (TOLD), or why not.
    told: str | None = None


class CardSettling:
    def __init__(self, clock: Clock, orders: Orders) -> None:
        self.clock = clock
        self.orders = orders

    async def unresolved(
        self, before: int | None = None, limit: int = PAGE_SIZE
    ) -> Page[UnresolvedCharge]:
        """The charges to settle, newest first, paged by key."""
        query = (
            Order.filter(card_charge_unresolved(self.clock.now()))
            .select_related("subscriber", "plan")
            .order_by("-id")
        )
        if before is not None:
            query = query.filter(id__lt=before)
        found = await query.limit(limit + 1)
        rows = tuple(
            UnresolvedCharge(
                id=o.id,
                tracking_number=o.tracking_number,
                subscriber_id=o.subscriber.id,
                username=o.subscriber.username,
                kind=OrderKind(o.kind),
                plan_code=o.plan.code if o.plan else None,
                payable=o.payable,
                currency=o.currency,
                gateway=o.gateway,
                card_sent_at=o.card_sent_at,  # type: ignore[arg-type]
                unresolved_at=o.card_unresolved_at,
                customer_ref=o.card_customer_ref,
                method_ref=o.card_method_ref,
                idempotency_key=idempotency_key(o.id, o.tracking_number),
            )
            for o in found[:limit]
        )
        more = len(found) > limit
        return Page(rows, rows[-1].id if more else None)

    async def count_unresolved(self) -> int:
        return await Order.filter(card_charge_unresolved(self.clock.now())).count()

    async def apply_charged(self, tracking_number: int, reference: str) -> Settled:
        """Staff found the charge paid at the provider as ``reference``: the order is applied
        as any paid order is, and its renewal is done.

        Errors: card_reference_missing / card_reference_invalid / card_reference_in_use /
        card_reference_unknown / card_reference_not_paid / card_reference_mismatch {field},
        order_not_found, card_charge_not_unresolved {tracking_number, status}, and
        what ``Orders.confirm_payment`` raises."""
        reference = reference.strip()
        if not reference:
            raise InvalidInput("card_reference_missing", field="reference")
        if len(reference) > MAX_REFERENCE or not reference.isprintable() or " " in reference:
            raise InvalidInput(
                "card_reference_invalid", field="reference", max_length=MAX_REFERENCE
            )
        order = await _order(tracking_number)
        if _charged_as(order, reference):
            return Settled(await order_view_of(order), order.subscriber_id, False)
        _refuse_unless_unresolved(order, self.clock.now())
        taken = await Order.filter(gateway=order.gateway, gateway_ref=reference).exists()
        if taken:
            raise InvalidInput("card_reference_in_use", field="reference", reference=reference)
        await self._verify(order, reference)
        async with in_transaction():
            # The subscriber first, as every settling path locks (confirm_payment's included):
            # locking the order first could deadlock with a webhook settling it.
            await lock_subscriber(order.subscriber_id)
            claimed = await Order.filter(
                card_charge_unresolved(self.clock.now()), id=order.id
            ).update(gateway_ref=reference)
            if not claimed:
                return await self._repeat(order.id, lambda row: _charged_as(row, reference))
            assert order.gateway is not None
            applied = await self.orders.confirm_payment(
                tracking_number, order.gateway, reference, order.payable, currency=order.currency
            )
            # Applied: the renewal is made. Not applied (its money went to the wallet, the
            # subscriber told so): the renewal is not, and stops waiting for this charge.
            done = "renewed" if applied.status == OrderStatus.APPLIED else "failed"
            await AutoRenewal.filter(order_id=order.id, outcome=CHARGING).update(
                outcome=done, reason=None if done == "renewed" else "not_applied"
            )
        log.info("order %s: card charge settled by staff as paid (%s)", tracking_number, reference)
        return Settled(applied, order.subscriber_id, True)

    async def release(self, tracking_number: int) -> Settled:
        """Staff found no payment of the charge: the order fails, and its renewal is no longer
        "charging". The subscriber is told by ``tell_released`` (after the commit: it places a
        payment link with the provider).

        Errors: order_not_found, card_charge_not_unresolved {tracking_number, status}."""
        order = await _order(tracking_number)
        if _released(order):
            return Settled(await order_view_of(order), order.subscriber_id, False)
        now = self.clock.now()
        _refuse_unless_unresolved(order, now)
        async with in_transaction():
            await lock_subscriber(order.subscriber_id)  # first, as in apply_charged
            failed = await Order.filter(card_charge_unresolved(now), id=order.id).update(
                status=OrderStatus.FAILED
            )
            if not failed:
                return await self._repeat(order.id, _released)
            # Stamped, if no run had: a second submit knows it released this one.
            await Order.filter(id=order.id, card_unresolved_at__isnull=True).update(
                card_unresolved_at=now
            )
            await AutoRenewal.filter(order_id=order.id, outcome=CHARGING).update(
                outcome=CARD_FAILED, reason=CARD_UNRESOLVED
            )
            fresh = await Order.get(id=order.id).select_related("plan")
            view = await order_view_of(fresh)
        log.info("order %s failed: %s (released by staff)", tracking_number, CARD_UNRESOLVED)
        return Settled(view, order.subscriber_id, True)

    async def tell_released(self, tracking_number: int) -> str:
        """Tell the subscriber their renewal's card was not charged, with a link to pay the
        renewal when there is something to pay. Once per end of service (the notice's key): a
        second call tells nothing new and places no second order. TOLD, or why not
        (NOTHING_TO_TELL, or ``auto_renew.not_told_why``'s reason)."""
        order = await _order(tracking_number)
        attempt = await AutoRenewal.get_or_none(
            order_id=order.id, outcome=CARD_FAILED, reason=CARD_UNRESOLVED
        )
        if attempt is None:
            return NOTHING_TO_TELL
        key = kinds.card_failed_key(order.subscriber_id, attempt.period_end)
        if await OutboxMessage.filter(dedup_key=key).exists():
            return TOLD  # a submit before told it
        # Released a day or more after the charge was sent: the subscriber may have renewed
        # by hand, paused or turned renewal off since, as when a card attempt is left over.
        line = await Subscriber.get(id=order.subscriber_id)
        why_not = await not_told_why(line, attempt.period_end, self.clock.now())
        if why_not is not None:
            log.info("order %s released: subscriber not told (%s)", tracking_number, why_not)
            return why_not
        plan_code = order.plan.code if order.plan else None
        params: dict = {
            "plan_code": plan_code,
            "ends_at": attempt.period_end.isoformat(),
            "reason": "card_refused",
            "card_code": CARD_UNRESOLVED,
            "short": order.payable,
            "currency": order.currency,
        }
        if plan_code is not None:
            link = await self._renewal_link(order.subscriber_id, plan_code)
            if link is not None:
                params.update(pay_url=link[0], tracking_number=link[1])
        now = self.clock.now()
        await enqueue(order.subscriber_id, kinds.AUTO_RENEW_FAILED, params, key, at=now)
        return TOLD

    async def _renewal_link(self, subscriber_id: int, plan_code: str) -> tuple[str, int] | None:
        """A link to pay the renewal: (its address, its order's tracking number). The pending
        renewal order of a telling that failed before is reused; none when the wallet covers
        the price (placing it would renew at once, while the notice says it was not paid)."""
        pending = (
            await Order.filter(
                subscriber_id=subscriber_id,
                kind=OrderKind.RENEW_SERVICE,
                status=OrderStatus.PENDING,
                card_sent_at__isnull=True,
                pay_url__isnull=False,
                plan__code=plan_code,
            )
            .order_by("-id")
            .first()
        )
        if pending is not None and not self.orders.link_expired(pending):
            assert pending.pay_url is not None
            return pending.pay_url, pending.tracking_number
        try:
            quote = await self.orders.quote(subscriber_id, OrderKind.RENEW_SERVICE, plan_code)
            if quote.payable <= 0:
                return None
            link = await self.orders.place_order(subscriber_id, OrderKind.RENEW_SERVICE, plan_code)
        except DomainError as refused:
            log.info("no payment link for subscriber %s: %s", subscriber_id, refused.code)
            return None
        return (link.pay_url, link.tracking_number) if link.pay_url else None

    async def _verify(self, order: Order, reference: str) -> None:
        """The provider, asked as a run asks about a charge, must hold ``reference`` as paid,
        for the order's amount and currency: a typed reference is never taken on trust. The
        sandbox takes no money and cannot be asked: the demo settles with any reference."""
        gateway = self.orders.gateways.get(order.gateway or "")
        if order.gateway == SANDBOX and not hasattr(gateway, "check"):
            return
        if not hasattr(gateway, "check"):
            raise InvalidInput("card_reference_unknown", field="reference", reference=reference)
        checkable: CheckableGateway = gateway  # type: ignore[assignment]
        try:
            check = await checkable.check(reference, order.payable, order.currency)
        except GatewayError as error:
            # An unknown reference is an error answer at Stripe, as is a provider not reached.
            log.info("order %s: %s not confirmed: %s", order.tracking_number, reference, error)
            raise InvalidInput(
                "card_reference_unknown", field="reference", reference=reference
            ) from error
        if check.state != PaymentState.PAID:
            raise InvalidInput(
                "card_reference_not_paid", field="reference", reference=reference,
                state=str(check.state),
            )  # fmt: skip
        if (
            check.amount != order.payable
            or (check.currency or "").upper() != order.currency
            or check.tracking_number not in (None, str(order.tracking_number))
        ):
            raise InvalidInput("card_reference_mismatch", field="reference", reference=reference)

    @staticmethod
    async def _repeat(order_id: int, settled_so: Callable[[Order], bool]) -> Settled:
        """The conditional UPDATE found the order moved on: a second submit of the same
        settlement is answered as the first was; anything else is refused."""
        fresh = await Order.get(id=order_id).select_related("plan")
        if settled_so(fresh):
            return Settled(await order_view_of(fresh), fresh.subscriber_id, False)
        raise Conflict(
            "card_charge_not_unresolved",
            tracking_number=fresh.tracking_number,
            status=str(fresh.status),
        )


async def _order(tracking_number: int) -> Order:
    order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
    if order is None:
        raise NotFound("order_not_found", tracking_number=tracking_number)
    return order


def _charged_as(order: Order, reference: str) -> bool:
    return (
        order.card_sent_at is not None
        and order.status in (OrderStatus.APPLIED, OrderStatus.PAID)
        and order.gateway_ref == reference
    )


def _released(order: Order) -> bool:
    return (
        order.card_sent_at is not None
        and order.card_unresolved_at is not None
        and order.gateway_ref is None
        and order.status == OrderStatus.FAILED
    )


def _refuse_unless_unresolved(order: Order, now: datetime) -> None:
    """Only a charge no run will settle is settled by hand (a younger one may still be found)."""
    unresolved = (
        order.status == OrderStatus.PENDING
        and order.gateway_ref is None
        and order.card_sent_at is not None
        and (order.card_unresolved_at is not None or order.card_sent_at <= now - CARD_RESEND_WITHIN)
    )
    if not unresolved:
        raise Conflict(
            "card_charge_not_unresolved",
            tracking_number=order.tracking_number,
            status=str(order.status),
        )
