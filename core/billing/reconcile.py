"""From a provider's answer to the order: one path for callbacks and the reconciliation job.

A callback only says "ask me about this payment"; what changes an order is always the provider's
own answer to a check (``CheckableGateway.check``), recorded by a ``Reconciler``:

- paid    → ``Orders.confirm_payment`` (amount and currency must be the order's; exactly once)
- failed  → ``Orders.fail_payment`` (only a pending order fails)
- pending → nothing, unless the link's time is over: then the order fails as expired.

``Reconciler.run`` is ``ispbot payments reconcile``: it asks each provider about the pending
orders older than ``reconcile_after_minutes`` and about the payments the provider holds as
unconfirmed (ZarinPal's unverified list), so a paid order whose callback never came is still
applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tortoise.expressions import Q

from core.billing.enums import OrderStatus
from core.billing.models import Order
from core.billing.orders import SETTLEABLE, Orders
from core.billing.queries import order_view_of
from core.billing.read_models import OrderView
from core.errors import DomainError, NotFound
from core.ports import CheckableGateway, PaymentCheck, PaymentGateway, PaymentState

log = logging.getLogger(__name__)

LINK_EXPIRED = "link_expired"
# How long after its first sending a saved card's charge may go again: the provider keeps
# idempotency keys 24 hours (Stripe), after which the same request would be a second charge.
CARD_RESEND_WITHIN = timedelta(hours=23)


@dataclass(frozen=True, slots=True)
class ReconciledOrder:
    """An order whose state a run changed, or could not check (``after`` None)."""

    tracking_number: int
    before: OrderStatus
    after: OrderStatus | None


@dataclass(slots=True)
class ReconcileReport:
    checked: int = 0
    applied: int = 0
    failed: int = 0
    errors: int = 0
    # What the run found, in the order it asked (the console shows it).
    changed: list[ReconciledOrder] = field(default_factory=list)
    # Orders whose saved card's charge was sent too long ago to send again, of which the
    # provider holds no payment: pending until staff settle them (tracking numbers).
    unresolved: list[int] = field(default_factory=list)


class Reconciler:
    """Asks the providers about orders and records their answers. ``gateways`` defaults to the
    ones ``billing`` places orders with. Orders are named by tracking number or by the provider's
    reference; what comes back is the order as it now is (``OrderView``)."""

    def __init__(
        self, billing: Orders, gateways: Mapping[str, PaymentGateway] | None = None
    ) -> None:
        self.billing = billing
        self.gateways = billing.gateways if gateways is None else gateways

    async def record(self, tracking_number: int, check: PaymentCheck) -> OrderView:
        """Apply a provider's answer about the order. Raises order_not_found, and what
        confirm_payment raises (a paid amount or currency that is not the order's is refused and
        logged there)."""
        order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        return await self._record(order, check)

    async def check(self, tracking_number: int) -> OrderView:
        """Ask the order's provider about it and record the answer (an order applied or paid
        already is not asked again). Raises order_not_found, and GatewayError when the provider
        cannot be asked."""
        order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        return await self._check(order)

    async def check_reference(self, provider: str, reference: str) -> OrderView | None:
        """A callback named this payment: ask the provider and record its answer. None when no
        order has that reference (a forged or stray callback changes nothing). Raises
        GatewayError when the provider cannot be asked, and what confirm_payment raises."""
        order = await _by_reference(provider, reference)
        if order is None:
            log.warning("%s: callback for unknown payment %r ignored", provider, reference)
            return None
        return await self._check(order)

    async def record_reference(
        self, provider: str, reference: str, check: PaymentCheck
    ) -> OrderView | None:
        """Like ``check_reference`` with an answer the provider already signed (a Stripe
        event)."""
        order = await _by_reference(provider, reference)
        if order is None:
            log.warning("%s: event for unknown payment %r ignored", provider, reference)
            return None
        return await self._record(order, check)

    async def run(self) -> ReconcileReport:
        """Settle what is due: pending orders past ``reconcile_after_minutes``, and the payments
        each provider lists as unconfirmed."""
        billing = self.billing
        report = ReconcileReport()
        now = billing.clock.now()
        cutoff = now - timedelta(minutes=billing.settings.reconcile_after_minutes)
        due: dict[int, Order] = {
            o.id: o
            for o in await Order.filter(
                status=OrderStatus.PENDING, created_at__lte=cutoff, gateway_ref__isnull=False
            ).select_related("plan")
        }
        for name in self.gateways:
            checkable = self._checkable(name)
            if checkable is None:
                continue
            try:
                references = await checkable.unsettled_references()
            except Exception:
                log.exception("%s: the list of unconfirmed payments failed", name)
                report.errors += 1
                continue
            if references:
                for order in await Order.filter(
                    gateway=name, gateway_ref__in=references, status__in=SETTLEABLE
                ).select_related("plan"):
                    due[order.id] = order

        for order in sorted(due.values(), key=lambda o: o.created_at):
            before = OrderStatus(order.status)
            checkable = self._checkable(order.gateway or "")
            try:
                if checkable is not None:
                    after = await self._ask(checkable, order)
                elif billing.link_expired(order):
                    # The sandbox (or a gateway no longer configured) cannot be asked.
                    after = await billing.fail_payment(order.tracking_number, LINK_EXPIRED)
                else:
                    continue
            except Exception:
                log.exception("order %s: reconciling failed", order.tracking_number)
                report.errors += 1
                report.changed.append(ReconciledOrder(order.tracking_number, before, None))
                continue
            report.checked += 1
            if before != after.status:
                report.changed.append(ReconciledOrder(order.tracking_number, before, after.status))
            if after.status in (OrderStatus.APPLIED, OrderStatus.PAID) and before != after.status:
                report.applied += 1
            elif after.status == OrderStatus.FAILED and before != after.status:
                report.failed += 1
        report.unresolved = [
            order.tracking_number
            for order in await Order.filter(card_charge_unresolved(now)).order_by("card_sent_at")
        ]
        return report

    async def _record(self, order: Order, check: PaymentCheck) -> OrderView:
        """``order``: its row, with its plan."""
        billing = self.billing
        assert order.gateway is not None and order.gateway_ref is not None
        if check.state == PaymentState.PAID:
            if check.amount is None:
                raise DomainError(
                    "payment_amount_mismatch",
                    tracking_number=order.tracking_number,
                    amount=None,
                    payable=order.payable,
                )
            return await billing.confirm_payment(
                order.tracking_number,
                order.gateway,
                order.gateway_ref,
                check.amount,
                currency=check.currency,
                receipt=check.receipt,
            )
        if check.state == PaymentState.FAILED:
            return await billing.fail_payment(order.tracking_number, check.detail or "not paid")
        if order.status == OrderStatus.PENDING and billing.link_expired(order):
            return await billing.fail_payment(order.tracking_number, LINK_EXPIRED)
        return await order_view_of(order)

    async def _check(self, order: Order) -> OrderView:
        provider = order.gateway or ""
        gateway = self._checkable(provider)
        if gateway is None:
            raise DomainError("unknown_gateway", gateway=provider)
        if order.status not in SETTLEABLE:
            return await order_view_of(order)  # applied or paid already: nothing to ask
        return await self._ask(gateway, order)

    async def _ask(self, gateway: CheckableGateway, order: Order) -> OrderView:
        assert order.gateway_ref is not None
        check = await gateway.check(order.gateway_ref, order.payable, order.currency)
        log.info("order %s: %s says %s", order.tracking_number, gateway.name, check.detail)
        return await self._record(order, check)

    def _checkable(self, name: str) -> CheckableGateway | None:
        """The gateway of that name when it can be asked about a payment (the sandbox cannot)."""
        gateway = self.gateways.get(name)
        return gateway if hasattr(gateway, "check") else None  # type: ignore[return-value]


def card_charge_unresolved(now: datetime) -> Q:
    """Pending orders whose saved card's charge no run will settle: found unknown to the
    provider and too old to send again, or sent too long ago to send again at all (a worker that
    has not asked since is no reason to hide it from staff)."""
    return Q(status=OrderStatus.PENDING, gateway_ref__isnull=True, card_sent_at__isnull=False) & (
        Q(card_unresolved_at__isnull=False) | Q(card_sent_at__lte=now - CARD_RESEND_WITHIN)
    )


async def _by_reference(provider: str, reference: str) -> Order | None:
    return await Order.get_or_none(gateway=provider, gateway_ref=reference).select_related("plan")


async def reconcile(billing: Orders, gateways: Mapping[str, PaymentGateway]) -> ReconcileReport:
    """``ispbot payments reconcile``: one run of the job over ``gateways``."""
    return await Reconciler(billing, gateways).run()
