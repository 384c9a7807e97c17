"""Orders: quotes, placing one and starting its payment, the payment's result, refunds.

Every write runs in one transaction (``in_transaction``). Rules that say no raise ``DomainError``
with a stable code (listed in each method's docstring) and ``details`` for the translated text.

Exactly once. A paid order is applied by the one transaction whose conditional UPDATE moves it
out of a settleable status (``Order.filter(id=..., status__in=...).update(...)`` returns how many
rows changed: 1 for the winner, 0 for every duplicate or concurrent confirmation). Inside that
transaction everything the order brings is written, together with its ``order_applied`` outbox
message. Two more guards stand behind it: the wallet ledger's unique (order, kind) and the outbox's
unique dedup_key; either turns a would-be second application into a rollback.

The wallet. An append-only ledger; the balance is the sum. An order's wallet use is debited when
it is applied, not when placed. To keep two pending orders from counting on the same credit, a
quote uses the *available* credit: the balance less what pending orders already hold (placing
orders is serialised per subscriber). A late payment for an order whose link had failed can still
find the credit spent; then, and when a change of service finds the service it prorated already
changed, the order is **not applied as quoted**: it stays PAID, the money paid is credited to the
wallet (a REFUND entry), and an ``order_not_applied`` message says so. Nothing goes negative and
no one pays for nothing; the subscriber can buy again with the credit.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from core.accounts.profile import subscriber_zone
from core.accounts.queries import get_subscriber
from core.alerts import kinds
from core.billing.enums import OrderKind, OrderStatus, WalletEntryKind
from core.billing.fulfilment import apply_order
from core.billing.gateways.select import gateway_for
from core.billing.ip_pool import StaticIpPool
from core.billing.models import Bill, Order, WalletEntry
from core.billing.pricing import Quote
from core.billing.queries import order_view_of, pay_link_expired
from core.billing.quotes import (
    PreparedOrder,
    prepare_bill,
    prepare_deposit,
    prepare_order,
    prepare_topup,
)
from core.billing.read_models import OrderLine, OrderView, order_line, order_view
from core.billing.static_ips import refuse_static_ip
from core.billing.subscriptions import lock_subscriber
from core.config import Settings
from core.errors import Conflict, DomainError, InvalidInput, NotFound
from core.inbox.models import OutboxMessage
from core.inbox.service import enqueue
from core.ports import ChatRef, Clock, PaymentGateway, PaymentRequest

log = logging.getLogger(__name__)

TRACKING_MIN, TRACKING_MAX = 100_000, 999_999
TRACKING_ATTEMPTS = 20
# A short link's code: 8 of 62 characters (2e14 codes) cannot be guessed while an order waits.
SHORT_CODE_LENGTH, SHORT_CODE_ALPHABET = 8, string.digits + string.ascii_letters
SHORT_CODE_ATTEMPTS = 5

# A payment may settle an order in any of these (a late payment after a failed or cancelled link
# is still money received); APPLIED and PAID are final.
SETTLEABLE = (OrderStatus.PENDING, OrderStatus.FAILED, OrderStatus.CANCELLED)


class Orders:
    def __init__(
        self,
        settings: Settings,
        clock: Clock,
        gateways: Mapping[str, PaymentGateway],
        *,
        static_ip_pool: StaticIpPool | None = None,
    ) -> None:
        """``static_ip_pool``: where static IPs come from; None: the setting's."""
        self.settings = settings
        self.clock = clock
        self.gateways = gateways
        self.static_ip_pool = settings.static_ips if static_ip_pool is None else static_ip_pool

    @property
    def sells_static_ips(self) -> bool:
        """Whether a static IP is offered at all (an operator's pool is set)."""
        return bool(self.static_ip_pool)

    async def check_static_ip(self, subscriber_id: int) -> None:
        """Refuse a static IP before its plan and months are chosen, as placing it would.

        Errors: subscriber_not_found, static_ips_not_offered, static_ip_pool_exhausted."""
        await refuse_static_ip(await get_subscriber(subscriber_id), self.static_ip_pool)

    async def quote(
        self, subscriber_id: int, kind: OrderKind, plan_code: str, months: int = 1
    ) -> Quote:
        """The pre-invoice shown before paying. Raises what ``place_order`` raises."""
        prepared = await prepare_order(
            self.settings,
            self.clock.now(),
            subscriber_id,
            OrderKind(kind),
            plan_code,
            months,
            static_ip_pool=self.static_ip_pool,
        )
        return prepared.quote

    async def place_order(
        self,
        subscriber_id: int,
        kind: OrderKind,
        plan_code: str,
        months: int = 1,
        gateway: str | None = None,
        *,
        chat: ChatRef | None = None,
    ) -> OrderView:
        """Create an order with a fresh 6-digit tracking number. Nothing to pay (credits cover
        it): applied at once. Otherwise the gateway's payment is started and its link stored;
        ``gateway`` None chooses it by the order's currency (core.billing.gateways.select).
        ``chat``: the chat it is placed from, where its result is told first.

        Errors: subscriber_not_found, line_closed, documents_suspended, deposit_due {owed,
        currency}, line_isolated, plan_not_found, plan_not_available,
        plan_kind_mismatch, currency_mismatch, invalid_months, no_active_service, plan_unchanged,
        service_paused {resume_at} (a change of service while paused),
        service_unlimited, static_ips_not_offered, static_ip_pool_exhausted, unknown_gateway,
        tracking_numbers_exhausted, payment_start_failed,
        order_not_applied (nothing to pay, but the credit it counted on is gone).
        """
        kind = OrderKind(kind)
        now = self.clock.now()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            prepared = await prepare_order(
                self.settings,
                now,
                subscriber_id,
                kind,
                plan_code,
                months,
                subscriber,
                static_ip_pool=self.static_ip_pool,
            )
            order, gw = await self._create_order(prepared, kind, months, now, gateway, chat)
        return await self._start_payment(order, gw, f"{kind.value} {plan_code}")

    async def place_saved_card_order(
        self, subscriber_id: int, kind: OrderKind, plan_code: str, gateway: str
    ) -> OrderView:
        """An order to be paid by a saved card (core/billing/saved_cards.py charges it by its
        tracking number): placed as ``place_order`` places one, but no payment page is started.
        Pending, or applied at once when nothing is left to pay. Raises what place_order raises
        before a payment is started."""
        kind = OrderKind(kind)
        now = self.clock.now()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            prepared = await prepare_order(
                self.settings, now, subscriber_id, kind, plan_code, 1, subscriber,
                static_ip_pool=self.static_ip_pool,
            )  # fmt: skip
            order, _gw = await self._create_order(prepared, kind, 1, now, gateway, None)
        if order.payable == 0:
            return await self._settle_free(order)
        return await order_view_of(order)

    async def quote_deposit(self, subscriber_id: int) -> Quote:
        """The pre-invoice of the line's deposit and installation fee. Raises what
        ``place_deposit_order`` raises."""
        return (await prepare_deposit(subscriber_id)).quote

    async def place_deposit_order(
        self, subscriber_id: int, gateway: str | None = None, *, chat: ChatRef | None = None
    ) -> OrderView:
        """An order for what the new line owes at installation (its deposit and installation
        fee, as staff set them); paid, it opens the line. Started as ``place_order`` starts one.

        Errors: subscriber_not_found, line_closed, no_deposit_due, unknown_gateway,
        tracking_numbers_exhausted, payment_start_failed, order_not_applied."""
        now = self.clock.now()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            prepared = await prepare_deposit(subscriber_id, subscriber)
            order, gw = await self._create_order(prepared, OrderKind.DEPOSIT, 1, now, gateway, chat)
        return await self._start_payment(order, gw, OrderKind.DEPOSIT.value)

    async def quote_bill(self, subscriber_id: int) -> Quote:
        """The pre-invoice of the line's oldest unpaid bill. Raises what ``place_bill_order``
        raises."""
        prepared, _bill = await prepare_bill(subscriber_id)
        return prepared.quote

    async def place_bill_order(
        self, subscriber_id: int, gateway: str | None = None, *, chat: ChatRef | None = None
    ) -> OrderView:
        """An order for the line's oldest unpaid postpaid bill; paid, it settles the bill (and
        opens the line the bill isolated). The bill remembers the order, the latest placed: an
        earlier order paid after it goes to the wallet. Started as ``place_order`` starts one.

        Errors: subscriber_not_found, line_closed, no_bill_due, unknown_gateway,
        tracking_numbers_exhausted, payment_start_failed, order_not_applied."""
        now = self.clock.now()
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            prepared, bill = await prepare_bill(subscriber_id, subscriber)
            order, gw = await self._create_order(prepared, OrderKind.BILL, 1, now, gateway, chat)
            await Bill.filter(id=bill.id).update(order_id=order.id)
        return await self._start_payment(order, gw, OrderKind.BILL.value)

    async def quote_topup(self, subscriber_id: int, amount: int) -> Quote:
        """The pre-invoice of a wallet top-up. Raises what ``place_topup_order`` raises."""
        return (await prepare_topup(self.settings, subscriber_id, amount)).quote

    async def place_topup_order(
        self,
        subscriber_id: int,
        amount: int,
        gateway: str | None = None,
        *,
        chat: ChatRef | None = None,
    ) -> OrderView:
        """An order that puts ``amount`` (minor units of the line's currency) in the wallet when
        paid. Started as ``place_order`` starts one.

        Errors: subscriber_not_found, line_closed, invalid_topup_amount, unknown_gateway,
        tracking_numbers_exhausted, payment_start_failed."""
        now = self.clock.now()
        kind = OrderKind.WALLET_TOPUP
        async with in_transaction():
            subscriber = await lock_subscriber(subscriber_id)
            prepared = await prepare_topup(self.settings, subscriber_id, amount, subscriber)
            order, gw = await self._create_order(prepared, kind, 1, now, gateway, chat)
        return await self._start_payment(order, gw, kind.value)

    async def _start_payment(self, order: Order, gw: PaymentGateway | None, what: str) -> OrderView:
        """Settle an order with nothing to pay at once; start the payment of any other."""
        if order.payable == 0:
            return await self._settle_free(order)

        assert gw is not None
        try:
            started = await gw.start(
                PaymentRequest(
                    tracking_number=order.tracking_number,
                    amount=order.payable,
                    currency=order.currency,
                    description=f"{what} #{order.tracking_number}",
                    subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
                )
            )
        except Exception as exc:
            log.exception("payment start failed for order %s", order.tracking_number)
            await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
                status=OrderStatus.FAILED
            )
            raise DomainError(
                "payment_start_failed",
                tracking_number=order.tracking_number,
                gateway=gw.name,
            ) from exc
        await self._store_payment(order, started.reference, started.pay_url)
        # Placed just now, so nothing refunded; the row holds its plan (prepared.plan).
        return order_view(order, 0)

    async def _store_payment(self, order: Order, reference: str, pay_url: str) -> None:
        """The provider's reference and pay link, and the code of our short link to it."""
        for _ in range(SHORT_CODE_ATTEMPTS):
            code = "".join(secrets.choice(SHORT_CODE_ALPHABET) for _ in range(SHORT_CODE_LENGTH))
            try:
                await Order.filter(id=order.id).update(
                    gateway_ref=reference, pay_url=pay_url, short_code=code
                )
            except IntegrityError:
                log.info("short code %s taken, drawing another", code)
                continue
            order.gateway_ref, order.pay_url, order.short_code = reference, pay_url, code
            return
        # Never seen in practice; the order is still payable through the provider's own link.
        log.error("order %s: no free short code, keeping the long link", order.tracking_number)
        await Order.filter(id=order.id).update(gateway_ref=reference, pay_url=pay_url)
        order.gateway_ref, order.pay_url = reference, pay_url

    async def _create_order(
        self,
        prepared: PreparedOrder,
        kind: OrderKind,
        months: int,
        now: datetime,
        gateway: str | None,
        chat: ChatRef | None,
    ) -> tuple[Order, PaymentGateway | None]:
        """The order's row, and the gateway that will take its payment (None when nothing is
        to pay). Inside the caller's transaction, the subscriber's row locked."""
        q = prepared.quote
        gw = None
        if q.payable > 0:
            gateway = gateway or gateway_for(
                q.currency, self.gateways, self.settings.payment_gateway
            )
            gw = self.gateways.get(gateway)
            if gw is None:
                raise InvalidInput("unknown_gateway", gateway=gateway)
        for _ in range(TRACKING_ATTEMPTS):
            tracking = TRACKING_MIN + secrets.randbelow(TRACKING_MAX - TRACKING_MIN + 1)
            try:
                # A savepoint: a taken number rolls back only this insert.
                async with in_transaction():
                    order = await Order.create(
                        tracking_number=tracking,
                        subscriber=prepared.subscriber,
                        kind=kind,
                        plan=prepared.plan,
                        months=months,
                        currency=q.currency,
                        subtotal=q.subtotal,
                        vat=q.vat,
                        subscription_fee=q.subscription_fee,
                        proration_credit=q.proration_credit,
                        wallet_used=q.wallet_used,
                        wallet_credit=q.wallet_credit,
                        payable=q.payable,
                        status=OrderStatus.PENDING,
                        gateway=gw.name if gw else None,
                        channel=chat.channel if chat else None,
                        chat_external_id=chat.external_id if chat else None,
                        created_at=now,
                    )
                return order, gw
            except IntegrityError:
                log.info("tracking number %s taken, drawing another", tracking)
        raise Conflict("tracking_numbers_exhausted")

    async def cancel_order(self, subscriber_id: int, tracking_number: int) -> OrderView:
        """The subscriber gives up a pending order (its wallet hold is released).

        Errors: order_not_found, order_not_cancellable {tracking_number, status}."""
        order = await Order.get_or_none(
            tracking_number=tracking_number, subscriber_id=subscriber_id
        ).select_related("plan")
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        moved = await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
            status=OrderStatus.CANCELLED
        )
        await order.refresh_from_db()
        if not moved and order.status != OrderStatus.CANCELLED:
            raise DomainError(
                "order_not_cancellable", tracking_number=tracking_number, status=str(order.status)
            )
        return await order_view_of(order)

    # ------------------------------------------------------------------ payment results

    async def confirm_payment(
        self,
        tracking_number: int,
        provider: str,
        provider_ref: str,
        amount: int,
        *,
        currency: str | None = None,
        receipt: str | None = None,
    ) -> OrderView:
        """A provider says the order was paid. The amount (and the currency, when the provider
        names one) must be the order's own. Applies the order exactly once; a repeat returns the
        order as it is. ``receipt`` is the provider's receipt number, for the subscriber.

        A payment confirmed after the link's time (``payment_link_minutes`` from the order) is
        money received for a price that may no longer hold: the order is not applied, the money
        goes to the wallet (REFUND) and ``order_not_applied`` (reason link_expired) says so.

        Errors: order_not_found {tracking_number}, payment_provider_mismatch {tracking_number,
        provider}, payment_reference_mismatch {tracking_number, provider_ref} (not the reference
        the order's payment was started with), payment_amount_mismatch {tracking_number, amount,
        payable}, payment_currency_mismatch {tracking_number, currency, order_currency}.
        """
        order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        if order.gateway is None or provider != order.gateway:
            log.warning("order %s: payment from %r refused", tracking_number, provider)
            raise DomainError(
                "payment_provider_mismatch", tracking_number=tracking_number, provider=provider
            )
        if order.gateway_ref is not None and provider_ref != order.gateway_ref:
            # The provider confirms some other payment than the one this order started.
            log.warning("order %s: payment reference %r refused", tracking_number, provider_ref)
            raise DomainError(
                "payment_reference_mismatch",
                tracking_number=tracking_number,
                provider_ref=provider_ref,
            )
        if isinstance(amount, bool) or not isinstance(amount, int) or amount != order.payable:
            log.warning(
                "order %s: paid amount %r differs from payable %s",
                tracking_number,
                amount,
                order.payable,
            )
            raise DomainError(
                "payment_amount_mismatch",
                tracking_number=tracking_number,
                amount=amount,
                payable=order.payable,
            )
        if currency is not None and currency.upper() != order.currency:
            log.warning(
                "order %s: paid currency %r differs from %s",
                tracking_number,
                currency,
                order.currency,
            )
            raise DomainError(
                "payment_currency_mismatch",
                tracking_number=tracking_number,
                currency=currency,
                order_currency=order.currency,
            )
        if order.status in (OrderStatus.APPLIED, OrderStatus.PAID):
            return await order_view_of(order)
        refuse = "link_expired" if self.link_expired(order) else None
        settled, _ = await self._settle(
            order, provider_ref=provider_ref, receipt=receipt, refuse=refuse
        )
        return settled

    def link_expired(self, order: Order) -> bool:
        if order.card_sent_at is not None:
            # A saved card's charge is sent only within the order's time: it was taken at the
            # order's price then, however late its answer is heard.
            return False
        return pay_link_expired(self.settings, order.created_at, self.clock.now())

    async def fail_payment(self, tracking_number: int, reason: str) -> OrderView:
        """A provider says the payment failed (or the link expired). Only a pending order fails;
        an applied one stays applied. Errors: order_not_found {tracking_number}."""
        order = await Order.get_or_none(tracking_number=tracking_number).select_related("plan")
        if order is None:
            raise NotFound("order_not_found", tracking_number=tracking_number)
        moved = await Order.filter(id=order.id, status=OrderStatus.PENDING).update(
            status=OrderStatus.FAILED
        )
        if moved:
            log.info("order %s failed: %s", tracking_number, reason)
        await order.refresh_from_db()
        return await order_view_of(order)

    async def _settle_free(self, order: Order) -> OrderView:
        settled, reason = await self._settle(order, provider_ref=None)
        if reason is not None:
            raise DomainError(
                kinds.PAYMENT_NOT_APPLIED, tracking_number=settled.tracking_number, reason=reason
            )
        return settled

    async def _settle(
        self,
        order: Order,
        *,
        provider_ref: str | None,
        receipt: str | None = None,
        refuse: str | None = None,
    ) -> tuple[OrderView, str | None]:
        """Move the order out of a settleable status and apply it, in one transaction.
        ``refuse`` gives a reason not to apply it at all (the money goes to the wallet).

        Returns the order as it now is and, when it could not be applied as quoted, why."""
        now = self.clock.now()
        reason: str | None = None
        async with in_transaction():
            subscriber = await lock_subscriber(order.subscriber_id)  # type: ignore[attr-defined]
            won = await Order.filter(id=order.id, status__in=SETTLEABLE).update(
                status=OrderStatus.PAID, paid_at=now
            )
            if not won:
                # A duplicate, or a concurrent confirmation got here first: change nothing.
                fresh = await Order.get(id=order.id).select_related("plan")
                return await order_view_of(fresh), None
            fresh = await Order.get(id=order.id).select_related("plan")
            zone = subscriber_zone(subscriber, self.settings)
            reason = refuse or await apply_order(fresh, subscriber, now, zone, self.static_ip_pool)
            if reason is None:
                await Order.filter(id=fresh.id, status=OrderStatus.PAID).update(
                    status=OrderStatus.APPLIED, applied_at=now
                )
                await self._outbox(
                    fresh,
                    kinds.PAYMENT_APPLIED,
                    now,
                    payable=fresh.payable,
                    provider_ref=provider_ref,
                    **({"receipt": receipt} if receipt else {}),
                    # The seller as it was when the order was applied: the receipt keeps it.
                    **({"seller": self.settings.seller} if self.settings.seller else {}),
                )
            else:
                await self._not_applied(fresh, reason, now)
        await fresh.refresh_from_db()
        # Applied just now: nothing refunded; not applied: its payment went to the wallet.
        refunded = fresh.payable if reason is not None else 0
        return order_view(fresh, refunded), reason

    async def _outbox(self, order: Order, kind: str, now: datetime, **extra: Any) -> None:
        params = {
            "tracking_number": order.tracking_number,
            "kind": str(order.kind),
            "plan_code": order.plan.code if order.plan else None,
            "currency": order.currency,
            **extra,
        }
        if order.channel and order.chat_external_id:
            # Where the notifier tells it first: the chat the order was placed from.
            params.update(channel=order.channel, chat_external_id=order.chat_external_id)
        await OutboxMessage.create(
            subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
            kind=kind,
            params=params,
            dedup_key=f"{kind}:{order.tracking_number}",
            created_at=now,
        )

    async def _not_applied(self, order: Order, reason: str, now: datetime) -> None:
        log.warning("order %s paid but not applied: %s", order.tracking_number, reason)
        if order.payable > 0:
            # Money received: it becomes panel credit, and the order stays PAID (final).
            await WalletEntry.create(
                subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
                amount=order.payable,
                currency=order.currency,
                kind=WalletEntryKind.REFUND,
                order=order,
                note=reason,
                created_at=now,
            )
            await self._outbox(
                order, kinds.PAYMENT_NOT_APPLIED, now, reason=reason, refunded=order.payable
            )
        else:
            await Order.filter(id=order.id).update(status=OrderStatus.FAILED)

    # ------------------------------------------------------------------ an operator's refund

    async def refund(self, tracking_number: int, amount: int | None, note: str) -> OrderLine:
        """Give back what a paid order cost (``amount``, or all of it when None) to the panel
        credit, with a note saying why. Once per order: the ledger allows one refund entry per
        order, and the order's row is locked while deciding.

        The subscriber is told (``wallet_refunded``, in the same transaction).

        Errors: invalid_amount {field}, order_not_found {tracking_number}, order_not_paid
        {status}, order_not_refundable {tracking_number} (a wallet top-up: its money is in the
        wallet), refund_exceeds_payment {payable}, order_already_refunded {tracking_number}."""
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)):
            raise InvalidInput("invalid_amount", field="amount")
        now = self.clock.now()
        async with in_transaction():
            order = await Order.filter(tracking_number=tracking_number).select_for_update().first()
            if order is None:
                raise NotFound("order_not_found", tracking_number=tracking_number)
            if order.status not in (OrderStatus.PAID, OrderStatus.APPLIED):
                raise Conflict("order_not_paid", status=order.status.value)
            if order.kind == OrderKind.WALLET_TOPUP:
                # Its money is in the wallet already: a refund to the wallet would add it twice.
                raise Conflict("order_not_refundable", tracking_number=tracking_number)
            amount = order.payable if amount is None else amount
            if amount < 1 or amount > order.payable:
                raise Conflict("refund_exceeds_payment", payable=order.payable)
            if await WalletEntry.filter(order_id=order.id, kind=WalletEntryKind.REFUND).exists():
                raise Conflict("order_already_refunded", tracking_number=tracking_number)
            await WalletEntry.create(
                subscriber_id=order.subscriber_id,  # type: ignore[attr-defined]
                amount=amount,
                currency=order.currency,
                kind=WalletEntryKind.REFUND,
                order=order,
                note=note,
                created_at=now,
            )
            await enqueue(
                order.subscriber_id,  # type: ignore[attr-defined]
                kinds.WALLET_REFUNDED,
                {
                    "tracking_number": tracking_number,
                    "amount": amount,
                    "currency": order.currency,
                    "note": note,
                },
                f"{kinds.WALLET_REFUNDED}:{tracking_number}",
                at=now,
            )
        await order.fetch_related("subscriber", "plan")
        return order_line(order, amount)
