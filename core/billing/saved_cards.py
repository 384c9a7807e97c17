"""Cards saved for automatic renewals, where the line's currency is paid by a provider that keeps
cards (Stripe): the subscriber saves one on the provider's own page, and when an automatic
renewal finds the wallet short, the card is charged what the wallet lacks, without them.

Only the provider's ids are kept (``SavedCard``): its customer and payment method, never card
data. A card counts as saved only when the provider, asked, says its setup succeeded (never what
a browser or a callback claims). A charge is an ordinary order of the renewal: its idempotency
key is made from the order, so however often a charge is sent (a second worker, a run after a
crash) the provider charges it once; the payment it names is checked with the provider and
recorded as any other (``Reconciler``), which applies the order once and sends its receipt. The
order records when its charge was sent, before sending it: a charge sent is never failed
without the provider's word (its answer may be lost while the card was charged).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import cast

from tortoise.transactions import in_transaction

from core.accounts.queries import get_subscriber
from core.billing.enums import OrderStatus
from core.billing.gateways import GatewayError
from core.billing.gateways.select import gateway_for
from core.billing.models import Order, SavedCard
from core.billing.orders import Orders
from core.billing.reconcile import CARD_RESEND_WITHIN, Reconciler
from core.config import Settings
from core.errors import DomainError
from core.ports import CardGateway, Clock, PaymentState, SavedCardCharge

log = logging.getLogger(__name__)

# The code of a charge not made because the subscriber removed the card after its order.
CARD_REMOVED = "card_removed"
# How long a charge just sent may still be in flight at the provider: one sent this recently
# and not found is asked about again later rather than taken as never made.
IN_FLIGHT = timedelta(minutes=10)
# The reason of a charge the provider holds no payment of, sent too long ago to send again:
# the order stays pending for staff (the reconcile report lists it), never failed nor re-sent
# (past CARD_RESEND_WITHIN).
UNRESOLVED = "card_charge_unresolved"
# The payments a charge is looked for among start this long before it was sent (clock skew).
CLOCK_SKEW = timedelta(hours=1)


class ChargeOutcome(StrEnum):
    PAID = "paid"  # applied (or paid) once, its receipt on its way
    REFUSED = "refused"  # declined, or the bank wants the subscriber present
    WAITING = "waiting"  # the provider has not decided yet: asked again on the next run
    # Paid after the order's time: the money is in the wallet, the renewal made from it next.
    TO_WALLET = "to_wallet"
    # Never sent within the order's time: that order failed, a fresh one is charged next.
    AGAIN = "again"


@dataclass(frozen=True, slots=True)
class ChargeResult:
    outcome: ChargeOutcome
    # The provider's reason when refused (card_declined, authentication_required, ...).
    code: str = ""


class SetupOutcome(StrEnum):
    SAVED = "saved"
    PENDING = "pending"
    FAILED = "failed"


class SavedCards:
    def __init__(self, settings: Settings, clock: Clock, orders: Orders) -> None:
        self.settings = settings
        self.clock = clock
        self.orders = orders

    def gateway(self, currency: str) -> CardGateway | None:
        """The provider that takes this currency's payments, when it keeps cards."""
        name = gateway_for(currency, self.orders.gateways, self.settings.payment_gateway)
        gateway = self.orders.gateways.get(name)
        return gateway if hasattr(gateway, "charge_saved_card") else None  # type: ignore[return-value]

    async def offered(self, subscriber_id: int) -> bool:
        line = await get_subscriber(subscriber_id)
        return self.gateway(line.currency) is not None

    async def has_card(self, subscriber_id: int) -> bool:
        return await SavedCard.filter(
            subscriber_id=subscriber_id, method_ref__isnull=False
        ).exists()

    async def start(self, subscriber_id: int) -> str:
        """The address of the provider's page where the subscriber saves a card (a card saved
        before is replaced once the new one is).

        Errors: subscriber_not_found, cards_not_offered, payment_unavailable."""
        line = await get_subscriber(subscriber_id)
        gateway = self.gateway(line.currency)
        if gateway is None:
            raise DomainError("cards_not_offered", currency=line.currency)
        row = await SavedCard.get_or_none(subscriber_id=subscriber_id)
        customer = row.customer_ref if row is not None and row.gateway == gateway.name else None
        try:
            started = await gateway.start_card_setup(subscriber_id, line.currency, customer)
        except Exception as exc:
            log.exception("card setup of subscriber %s could not start", subscriber_id)
            raise DomainError("payment_unavailable", gateway=gateway.name) from exc
        now = self.clock.now()
        async with in_transaction():
            row = await SavedCard.select_for_update().get_or_none(subscriber_id=subscriber_id)
            if row is None:
                await SavedCard.create(
                    subscriber_id=subscriber_id,
                    gateway=gateway.name,
                    customer_ref=started.customer,
                    setup_ref=started.reference,
                    created_at=now,
                )
            else:
                await SavedCard.filter(id=row.id).update(
                    gateway=gateway.name, customer_ref=started.customer, setup_ref=started.reference
                )
        return started.url

    async def confirm_setup(
        self, gateway_name: str, reference: str
    ) -> tuple[int, SetupOutcome] | None:
        """The provider's page ``reference`` came back (the browser, or a signed event): ask the
        provider, and keep the card when it says it is saved for the customer we made: (the
        subscriber, the outcome). None when no subscriber's setup has that reference. Raises
        GatewayError (the provider cannot be asked now)."""
        row = await SavedCard.get_or_none(setup_ref=reference, gateway=gateway_name)
        gateway = self.orders.gateways.get(gateway_name)
        if row is None or not hasattr(gateway, "check_card_setup"):
            return None
        check = await gateway.check_card_setup(reference)  # type: ignore[union-attr]
        if check.state == PaymentState.PENDING:
            return row.subscriber_id, SetupOutcome.PENDING
        if check.state != PaymentState.PAID or not check.method:
            return row.subscriber_id, SetupOutcome.FAILED
        if check.customer != row.customer_ref:
            log.warning("card setup %s names another customer: refused", reference)
            return row.subscriber_id, SetupOutcome.FAILED
        replaced = row.method_ref if row.method_ref != check.method else None
        updated = await SavedCard.filter(id=row.id, setup_ref=reference).update(
            method_ref=check.method, saved_at=self.clock.now()
        )
        if not updated:
            # A newer setup started meanwhile (or the card was removed): this card is not kept
            # and the one saved before stays in use; only the unkept one is detached.
            current = await SavedCard.get_or_none(id=row.id)
            if current is None or current.method_ref != check.method:
                await self._forget(gateway, check.method)  # type: ignore[arg-type]
            return row.subscriber_id, SetupOutcome.FAILED
        if replaced:
            await self._forget(gateway, replaced)  # type: ignore[arg-type]
        return row.subscriber_id, SetupOutcome.SAVED

    async def setup_owner(self, gateway_name: str, reference: str) -> int | None:
        """The subscriber whose card-saving page ``reference`` is."""
        row = await SavedCard.get_or_none(setup_ref=reference, gateway=gateway_name)
        return row.subscriber_id if row is not None else None

    async def remove(self, subscriber_id: int) -> bool:
        """Forget the subscriber's card here and at the provider; whether there was one. From
        now on no renewal charges it (a charge already sent is the provider's)."""
        row = await SavedCard.get_or_none(subscriber_id=subscriber_id)
        if row is None:
            return False
        await SavedCard.filter(id=row.id).delete()
        gateway = self.orders.gateways.get(row.gateway)
        if row.method_ref and hasattr(gateway, "forget_card"):
            await self._forget(gateway, row.method_ref)  # type: ignore[arg-type]
        return row.method_ref is not None

    async def _forget(self, gateway: CardGateway, method: str) -> None:
        try:
            await gateway.forget_card(method)
        except GatewayError as error:
            # Forgotten here already: no renewal can use it. The provider's copy is inert.
            log.warning("card %s not detached at %s: %s", method, gateway.name, error)

    async def charge(self, tracking_number: int) -> ChargeResult:
        """Charge the saved card for a pending order placed by ``place_saved_card_order``, or
        ask about the charge sent before. Raises GatewayError when the provider cannot be
        asked (the same order is charged on the next run, under the same idempotency key)."""
        order = await Order.get_or_none(tracking_number=tracking_number)
        if order is None:
            return ChargeResult(ChargeOutcome.REFUSED, "order_not_found")
        if order.status == OrderStatus.APPLIED:
            return ChargeResult(ChargeOutcome.PAID)
        if order.status == OrderStatus.PAID:
            return ChargeResult(ChargeOutcome.TO_WALLET)
        if order.status != OrderStatus.PENDING:
            return ChargeResult(ChargeOutcome.REFUSED, "order_" + str(order.status))
        found = self.orders.gateways.get(order.gateway or "")
        if found is None or not hasattr(found, "charge_saved_card"):
            await self.orders.fail_payment(order.tracking_number, "no_card_gateway")
            return ChargeResult(ChargeOutcome.REFUSED, "unknown_gateway")
        gateway = cast(CardGateway, found)
        reference = order.gateway_ref
        if reference is None:
            sent = await self._send(order, gateway)
            if isinstance(sent, ChargeResult):
                return sent
            reference = sent
        # Never what the charge's answer claims: the provider, asked about its payment.
        check = await gateway.check(reference, order.payable, order.currency)
        try:
            recorded = await Reconciler(self.orders).record(order.tracking_number, check)
        except DomainError as refused:
            log.error("order %s: card payment refused: %s", order.tracking_number, refused.code)
            return ChargeResult(ChargeOutcome.REFUSED, refused.code)
        if recorded.status == OrderStatus.APPLIED:
            return ChargeResult(ChargeOutcome.PAID)
        if recorded.status == OrderStatus.PAID:
            return ChargeResult(ChargeOutcome.TO_WALLET)
        if recorded.status == OrderStatus.PENDING:
            return ChargeResult(ChargeOutcome.WAITING)
        return ChargeResult(ChargeOutcome.REFUSED, check.detail or "card_declined")

    async def _send(self, order: Order, gateway: CardGateway) -> str | ChargeResult:
        """Send the card's charge of ``order``, which has no provider's payment yet: the
        payment's reference, or the result when there is none to ask about. A charge sent
        before whose answer never came (a timeout, a crash before the reference was saved) is
        never failed without the provider: its payment is looked for in the provider's own
        records; not there, the same request goes again under the same idempotency key while
        the provider still knows the key, is failed when the card was removed since, and is
        left for staff (never sent again) past that."""
        now = self.clock.now()
        if order.card_sent_at is None and self.orders.link_expired(order):
            # Never sent, so nothing was charged; its price may no longer hold.
            failed = await Order.filter(
                id=order.id, status=OrderStatus.PENDING, card_sent_at__isnull=True
            ).update(status=OrderStatus.FAILED)
            if failed:
                log.info("order %s failed: link_expired (its card never charged)", order.id)
                return ChargeResult(ChargeOutcome.AGAIN)
            return ChargeResult(ChargeOutcome.WAITING)  # sent meanwhile by another run
        card = await SavedCard.get_or_none(
            subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
            gateway=order.gateway,
            method_ref__isnull=False,
        )
        if order.card_sent_at is not None:
            request = _sent_request(order, card)
            if request is None:
                # Sent before orders kept their card, and the card is gone: no way to ask.
                return await self._unresolved(order)
            found = await gateway.find_card_charge(
                order.tracking_number, request.customer, order.card_sent_at - CLOCK_SKEW
            )
            if found is not None:
                if not await self._keep_reference(order, found):
                    return await self._found_too_late(order, found)
                return found
            if now - order.card_sent_at < IN_FLIGHT:
                return ChargeResult(ChargeOutcome.WAITING)  # may still be on its way
            if card is None:
                # The provider's own records hold no payment of it: nothing was charged, and
                # the subscriber removed the card since, so it is not sent again.
                await self.orders.fail_payment(order.tracking_number, "card_removed")
                return ChargeResult(ChargeOutcome.REFUSED, CARD_REMOVED)
            if now - order.card_sent_at >= CARD_RESEND_WITHIN:
                return await self._unresolved(order)
        elif card is None or card.method_ref is None:
            await self.orders.fail_payment(order.tracking_number, "card_removed")
            return ChargeResult(ChargeOutcome.REFUSED, CARD_REMOVED)
        else:
            # Stamped before sending, with the card it goes to: from now on this order is
            # failed only by the provider, and the same request can go again.
            stamped = await Order.filter(
                id=order.id, status=OrderStatus.PENDING, card_sent_at__isnull=True
            ).update(
                card_sent_at=now,
                card_customer_ref=card.customer_ref,
                card_method_ref=card.method_ref,
            )
            # Not stamped: another run failed it meanwhile (nothing to send), or stamped and
            # sent it at once (the same request, under the same key, is charged once).
            if not stamped:
                order = await Order.get(id=order.id)
                if order.status != OrderStatus.PENDING or order.card_sent_at is None:
                    return ChargeResult(ChargeOutcome.WAITING)
            else:
                order.card_customer_ref, order.card_method_ref = card.customer_ref, card.method_ref
            request = _sent_request(order, card)
        assert request is not None
        sent = await gateway.charge_saved_card(request)
        if sent.reference and not await self._keep_reference(order, sent.reference):
            return await self._found_too_late(order, sent.reference)
        if sent.state == PaymentState.FAILED:
            await self.orders.fail_payment(order.tracking_number, sent.code or "declined")
            return ChargeResult(ChargeOutcome.REFUSED, sent.code or "card_declined")
        return sent.reference or ChargeResult(ChargeOutcome.WAITING)

    async def _unresolved(self, order: Order) -> ChargeResult:
        # Said at ERROR by the one run that stamps it: every later run (every few minutes,
        # until staff settle it) would only repeat the alarm; the reconcile report counts it.
        stamped = await Order.filter(
            id=order.id, status=OrderStatus.PENDING, card_unresolved_at__isnull=True
        ).update(card_unresolved_at=self.clock.now())
        log.log(
            logging.ERROR if stamped else logging.DEBUG,
            "order %s: its card charge, sent at %s, is unknown to the provider and too old to "
            "send again: left pending for staff",
            order.tracking_number,
            order.card_sent_at,
        )
        return ChargeResult(ChargeOutcome.WAITING, UNRESOLVED)

    async def _found_too_late(self, order: Order, reference: str) -> ChargeResult:
        """The charge was found after staff released its order (found no payment of it): not
        applied, which could renew twice with the link the subscriber was sent; the payment is
        said for staff to refund at the provider."""
        log.error(
            "order %s: its card charge was found at the provider as %s after the order was "
            "settled otherwise: not applied, to refund at the provider",
            order.tracking_number,
            reference,
        )
        return ChargeResult(ChargeOutcome.REFUSED, "order_not_pending")

    @staticmethod
    async def _keep_reference(order: Order, reference: str) -> bool:
        """Whether the order holds ``reference`` now (kept here, or by another run)."""
        # Only while pending: staff may have released it meanwhile, and a reference kept on a
        # failed order would have the next run apply it.
        await Order.filter(
            id=order.id, status=OrderStatus.PENDING, gateway_ref__isnull=True
        ).update(gateway_ref=reference)
        return await Order.filter(id=order.id, gateway_ref=reference).exists()


def _sent_request(order: Order, card: SavedCard | None) -> SavedCardCharge | None:
    """The charge of ``order``: the same request, idempotency key included, every time it is
    sent, to the customer and card kept on the order when it was first sent (the card saved
    now for an order sent before orders kept it). None when neither is known."""
    customer = order.card_customer_ref
    method = order.card_method_ref
    if (customer is None or method is None) and card is not None:
        customer, method = card.customer_ref, card.method_ref
    if customer is None or method is None:
        return None
    return SavedCardCharge(
        tracking_number=order.tracking_number,
        amount=order.payable,
        currency=order.currency,
        customer=customer,
        method=method,
        idempotency_key=idempotency_key(order.id, order.tracking_number),
        description=f"{order.kind} #{order.tracking_number}",
    )


def idempotency_key(order_id: int, tracking_number: int) -> str:
    """The key every sending of an order's card charge carries (staff look a charge up by it)."""
    return f"ispbot-order-{order_id}-{tracking_number}"
