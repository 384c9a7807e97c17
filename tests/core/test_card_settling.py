"""A renewal's card charge no run can settle (sent over 23 hours ago, unknown to the provider),
settled by staff: "charged" applies the order once through the path of every paid order,
"not charged" fails it, lets the line pause again and tells the subscriber with a link to pay.
Each is audited once, however often (or however concurrently) it is submitted. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from tortoise.transactions import in_transaction

from core.accounts.models import Subscriber
from core.alerts import kinds
from core.billing.auto_renew import (
    CARD_FAILED,
    CHARGING,
    PAUSED,
    RENEWAL_OFF,
    RENEWED_ANOTHER_WAY,
)
from core.billing.card_settling import (
    CARD_UNRESOLVED,
    NOTHING_TO_TELL,
    TELL_FAILED,
    TOLD,
    CardSettling,
)
from core.billing.deposits import Deposits
from core.billing.enums import OrderKind, OrderStatus, SubscriptionStatus
from core.billing.gateways import GatewayError
from core.billing.ip_pool import parse_static_ip_pool
from core.billing.models import AutoRenewal, Order, Subscription
from core.billing.pauses import Pauses
from core.billing.reconcile import Reconciler
from core.billing.saved_cards import SavedCards
from core.billing.static_ips import StaticIps
from core.billing.subscriptions import lock_subscriber
from core.errors import Conflict, InvalidInput
from core.inbox.models import OutboxMessage
from core.ports import PaymentCheck, PaymentState
from core.staff import audit
from core.staff.audit import Actor
from core.staff.models import AuditEntry
from core.staff.money_actions import MoneyActions
from tests.core import test_billing_support as support
from tests.core.test_billing_support import error_of, make_plans, make_subscriber, seed_year_service
from tests.fakes import RecordingGateway

billing = support.billing

NINA = Actor(None, "nina")
SENT_AGO = timedelta(hours=24)


class CheckingGateway(RecordingGateway):
    """The card provider ("fakepay"), asked about a payment as a run asks: ``payments`` by
    reference; one it does not hold is an error answer, as Stripe's 404 is."""

    def __init__(self) -> None:
        super().__init__("fakepay")
        self.payments: dict[str, PaymentCheck] = {}

    async def check(self, reference: str, amount: int, currency: str) -> PaymentCheck:
        await asyncio.sleep(0)
        if reference not in self.payments:
            raise GatewayError(f"no such payment: {reference}")
        return self.payments[reference]

    async def unsettled_references(self) -> list[str]:
        return []


@pytest.fixture
def gateway() -> CheckingGateway:
    return CheckingGateway()


def paid_at_provider(gateway: CheckingGateway, reference: str, order: Order) -> None:
    gateway.payments[reference] = PaymentCheck(
        PaymentState.PAID, order.payable, order.currency, reference, "succeeded"
    )


@pytest.fixture
def money(billing, settings, clock) -> MoneyActions:
    return MoneyActions(
        clock,
        billing.subscriptions,
        billing.free_charges,
        StaticIps(parse_static_ip_pool("")),
        Deposits(clock),
        billing.orders,
        Pauses(settings, clock),
        CardSettling(clock, billing.orders),
    )


async def card_charge_sent(
    billing, clock, sent_ago=SENT_AGO, found_unknown=True, username="3132239700"
):
    """A line with its year in force, whose automatic renewal's card charge was sent
    ``sent_ago`` and, when ``found_unknown``, found unknown to the provider by a run."""
    if username == "3132239700":
        await make_plans()
    subscriber = await make_subscriber(username, auto_renew=True)
    current = await seed_year_service(billing, subscriber, clock.now())
    placed = await billing.orders.place_saved_card_order(
        subscriber.id, OrderKind.RENEW_SERVICE, "year-2m", "fakepay"
    )
    order = await Order.get(tracking_number=placed.tracking_number)
    await Order.filter(id=order.id).update(
        card_sent_at=clock.now() - sent_ago,
        card_customer_ref="cus_1",
        card_method_ref="pm_1",
        card_unresolved_at=clock.now() if found_unknown else None,
    )
    await AutoRenewal.create(
        subscriber_id=subscriber.id, period_end=current.ends_at, outcome=CHARGING,
        order_id=order.id, created_at=clock.now() - sent_ago,
    )  # fmt: skip
    return subscriber, await Order.get(id=order.id)


async def test_a_charge_staff_found_paid_is_applied_once_with_its_receipt(
    db, billing, money, clock, gateway
):
    subscriber, order = await card_charge_sent(billing, clock)
    paid_at_provider(gateway, "pi_3Abc", order)
    assert (await money.cards.unresolved()).rows[0].idempotency_key == (
        f"ispbot-order-{order.id}-{order.tracking_number}"
    )

    first = await money.settle_card_charged(NINA, order.tracking_number, " pi_3Abc ")
    again = await money.settle_card_charged(NINA, order.tracking_number, "pi_3Abc")

    assert (first.changed, again.changed) == (True, False)
    row = await Order.get(id=order.id)
    assert (row.status, row.gateway_ref) == (OrderStatus.APPLIED, "pi_3Abc")
    assert (
        await Subscription.filter(
            subscriber_id=subscriber.id, status=SubscriptionStatus.RESERVED
        ).count()
        == 1
    )
    assert await OutboxMessage.filter(kind=kinds.PAYMENT_APPLIED).count() == 1
    assert (await AutoRenewal.get(order_id=order.id)).outcome == "renewed"
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action) == ("nina", "order.card_charged")
    assert entry.after == {
        "tracking_number": order.tracking_number, "status": "applied", "gateway_ref": "pi_3Abc",
    }  # fmt: skip
    assert await money.cards.count_unresolved() == 0


async def test_five_staff_settling_one_charge_at_once_apply_it_once(
    db, billing, money, clock, gateway
):
    subscriber, order = await card_charge_sent(billing, clock)
    paid_at_provider(gateway, "pi_9", order)

    results = await asyncio.gather(
        *(money.settle_card_charged(NINA, order.tracking_number, "pi_9") for _ in range(5)),
        return_exceptions=True,
    )

    assert [r.changed for r in results if not isinstance(r, Exception)].count(True) == 1
    # A submit that lost the race either repeats the winner's answer or is told it moved on.
    assert all(isinstance(r, Conflict) for r in results if isinstance(r, Exception))
    assert (await Order.get(id=order.id)).status == OrderStatus.APPLIED
    assert await OutboxMessage.filter(kind=kinds.PAYMENT_APPLIED).count() == 1
    assert await AuditEntry.filter(action="order.card_charged").count() == 1
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == 2


async def test_a_released_charge_fails_lets_the_line_pause_and_tells_the_subscriber(
    db, billing, money, clock, settings
):
    subscriber, order = await card_charge_sent(billing, clock)
    refused = await error_of(money.pauses.quote(subscriber.id, 14))
    assert refused.code == "pause_card_charge_pending"

    first = await money.release_card_charge(NINA, order.tracking_number)
    again = await money.release_card_charge(NINA, order.tracking_number)

    assert (first.changed, again.changed) == (True, False)
    assert (await Order.get(id=order.id)).status == OrderStatus.FAILED
    attempt = await AutoRenewal.get(subscriber_id=subscriber.id)
    assert (attempt.outcome, attempt.reason) == (CARD_FAILED, CARD_UNRESOLVED)
    # Only the renewal's payment link holds a pause back now, as any order's link does.
    assert (await error_of(money.pauses.quote(subscriber.id, 14))).code == "pause_order_pending"
    clock.advance(timedelta(minutes=settings.payment_link_minutes))
    assert (await money.pauses.quote(subscriber.id, 14)).days == 14
    [told] = await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED)
    assert (told.params["reason"], told.params["card_code"]) == ("card_refused", CARD_UNRESOLVED)
    # The renewal's payment link: a fresh order, never the card again.
    link = await Order.get(tracking_number=told.params["tracking_number"])
    assert (link.kind, link.card_sent_at, link.pay_url) == (
        OrderKind.RENEW_SERVICE, None, told.params["pay_url"],
    )  # fmt: skip
    assert told.params["short"] == order.payable
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.action, entry.after["status"]) == ("order.card_released", "failed")
    assert await money.cards.count_unresolved() == 0


async def test_a_charge_settled_one_way_is_not_settled_the_other(db, billing, money, clock):
    _, order = await card_charge_sent(billing, clock)
    await money.release_card_charge(NINA, order.tracking_number)

    error = await error_of(money.settle_card_charged(NINA, order.tracking_number, "pi_1"))

    assert isinstance(error, Conflict) and error.code == "card_charge_not_unresolved"
    assert (await Order.get(id=order.id)).gateway_ref is None
    assert await AuditEntry.filter(action="order.card_charged").count() == 0


@pytest.mark.parametrize(
    ("reference", "code"),
    [("", "card_reference_missing"), ("pi 1", "card_reference_invalid"),
     ("p" * 129, "card_reference_invalid"), ("pi\x001", "card_reference_invalid")],
)  # fmt: skip
async def test_a_bad_reference_is_refused_under_its_field_and_writes_nothing(
    db, billing, money, clock, reference, code
):
    _, order = await card_charge_sent(billing, clock)

    error = await error_of(money.settle_card_charged(NINA, order.tracking_number, reference))

    assert isinstance(error, InvalidInput)
    assert (error.code, error.details["field"]) == (code, "reference")
    assert (await Order.get(id=order.id)).status == OrderStatus.PENDING
    assert await AuditEntry.all().count() == 0


async def test_a_reference_another_order_was_paid_with_is_refused(
    db, billing, money, clock, gateway
):
    _, first = await card_charge_sent(billing, clock)
    _, second = await card_charge_sent(billing, clock, username="3132239701")
    paid_at_provider(gateway, "pi_1", first)
    await money.settle_card_charged(NINA, first.tracking_number, "pi_1")

    error = await error_of(money.settle_card_charged(NINA, second.tracking_number, "pi_1"))

    assert (error.code, error.details["field"]) == ("card_reference_in_use", "reference")
    assert (await Order.get(id=second.id)).status == OrderStatus.PENDING
    assert await money.cards.count_unresolved() == 1


async def test_a_charge_the_provider_may_still_answer_is_not_settled_by_hand(
    db, billing, money, clock
):
    """Sent an hour ago and never found unknown: a run may still find it, or send it again
    under its key; settling it by hand could apply or fail it against the provider's word."""
    _, order = await card_charge_sent(billing, clock, timedelta(hours=1), found_unknown=False)

    charged = await error_of(money.settle_card_charged(NINA, order.tracking_number, "pi_1"))
    released = await error_of(money.release_card_charge(NINA, order.tracking_number))

    assert charged.code == released.code == "card_charge_not_unresolved"
    assert (await money.cards.unresolved()).rows == ()
    assert (await Order.get(id=order.id)).status == OrderStatus.PENDING


async def test_a_charge_past_resending_that_no_run_asked_about_is_listed_and_released(
    db, billing, money, clock
):
    """No worker ran since it became too old to send again: staff still see it, and a
    release is still recognised on a second submit."""
    _, order = await card_charge_sent(billing, clock, timedelta(hours=30), found_unknown=False)
    [row] = (await money.cards.unresolved()).rows
    assert (row.tracking_number, row.unresolved_at) == (order.tracking_number, None)
    assert (row.customer_ref, row.method_ref) == ("cus_1", "pm_1")
    assert (await Reconciler(billing.orders).run()).unresolved == [order.tracking_number]

    first = await money.release_card_charge(NINA, order.tracking_number)
    again = await money.release_card_charge(NINA, order.tracking_number)

    assert (first.changed, again.changed) == (True, False)
    assert await AuditEntry.filter(action="order.card_released").count() == 1


# -- a release tells the subscriber only what is still true, once ---------------------------


async def test_a_line_renewed_by_hand_meanwhile_is_not_sold_a_second_period(
    db, billing, money, clock
):
    """Released a day after the charge: the subscriber renewed by hand since. A link would
    sell a second period; they are not told their renewal failed."""
    subscriber, order = await card_charge_sent(billing, clock)
    bought = await billing.orders.place_order(subscriber.id, OrderKind.RENEW_SERVICE, "year-2m")
    await support.pay(billing, bought)
    orders = await Order.all().count()

    released = await money.release_card_charge(NINA, order.tracking_number)

    assert (released.changed, released.told) == (True, RENEWED_ANOTHER_WAY)
    assert await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED).count() == 0
    assert await Order.all().count() == orders
    assert (await Order.get(id=order.id)).status == OrderStatus.FAILED


@pytest.mark.parametrize(
    ("change", "why"),
    [({"paused_until": "soon"}, PAUSED), ({"auto_renew": False}, RENEWAL_OFF)],
)
async def test_a_paused_line_or_renewal_turned_off_is_not_told_nor_sold_a_link(
    db, billing, money, clock, change, why
):
    subscriber, order = await card_charge_sent(billing, clock)
    if change.get("paused_until") == "soon":
        change = {"paused_until": clock.now() + timedelta(days=7)}
    await Subscriber.filter(id=subscriber.id).update(**change)
    orders = await Order.all().count()

    released = await money.release_card_charge(NINA, order.tracking_number)

    assert released.told == why
    assert await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED).count() == 0
    assert await Order.all().count() == orders


async def test_a_wallet_that_covers_the_renewal_gets_no_link_and_no_renewal_unpaid(
    db, billing, money, clock
):
    """A link placed now would renew from the wallet at once, under a notice saying the
    renewal was not paid: the subscriber is told, without a link, and nothing is bought."""
    subscriber, order = await card_charge_sent(billing, clock)
    await billing.wallet.adjust(subscriber.id, 5_000_000, "top-up at the office")
    orders = await Order.all().count()
    subscriptions = await Subscription.filter(subscriber_id=subscriber.id).count()

    released = await money.release_card_charge(NINA, order.tracking_number)

    assert released.told == TOLD
    [told] = await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED)
    assert "pay_url" not in told.params and "tracking_number" not in told.params
    assert await Order.all().count() == orders
    assert await Subscription.filter(subscriber_id=subscriber.id).count() == subscriptions


class TellingFailsOnce(CardSettling):
    """The telling fails once, as a database connection dropped after the release's commit
    would make it fail (it cannot be dropped at will here)."""

    failed = False

    async def tell_released(self, tracking_number: int) -> str:
        if not self.failed:
            self.failed = True
            raise ConnectionError("connection reset")
        return await super().tell_released(tracking_number)


async def test_a_telling_that_fails_is_no_error_and_the_next_submit_tells_once(
    db, billing, money, clock
):
    subscriber, order = await card_charge_sent(billing, clock)
    money.cards = TellingFailsOnce(clock, billing.orders)

    first = await money.release_card_charge(NINA, order.tracking_number)
    assert (first.changed, first.told) == (True, TELL_FAILED)
    assert await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED).count() == 0

    again = await money.release_card_charge(NINA, order.tracking_number)
    third = await money.release_card_charge(NINA, order.tracking_number)

    assert (again.changed, again.told, third.told) == (False, TOLD, TOLD)
    [told] = await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED)
    assert told.params["pay_url"]
    # One payment link however often it is told.
    assert await Order.filter(subscriber_id=subscriber.id, card_sent_at__isnull=True).count() == 1
    assert await AuditEntry.filter(action="order.card_released").count() == 1


async def test_a_release_told_never_is_told_by_the_next_submit(db, billing, money, clock):
    """Released, and the process gone before the telling: the next submit tells."""
    _, order = await card_charge_sent(billing, clock)
    await money.cards.release(order.tracking_number)

    again = await money.release_card_charge(NINA, order.tracking_number)

    assert (again.changed, again.told) == (False, TOLD)
    assert await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED).count() == 1


async def test_a_pending_renewal_link_is_reused_not_placed_again(db, billing, money, clock):
    subscriber, order = await card_charge_sent(billing, clock)
    link = await billing.orders.place_order(subscriber.id, OrderKind.RENEW_SERVICE, "year-2m")
    orders = await Order.all().count()

    released = await money.release_card_charge(NINA, order.tracking_number)

    assert released.told == TOLD
    [told] = await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED)
    assert (told.params["tracking_number"], told.params["pay_url"]) == (
        link.tracking_number, link.pay_url,
    )  # fmt: skip
    assert await Order.all().count() == orders


async def test_a_charge_without_a_renewal_waiting_tells_nothing(db, billing, money, clock):
    _, order = await card_charge_sent(billing, clock)
    await AutoRenewal.filter(order_id=order.id).delete()

    released = await money.release_card_charge(NINA, order.tracking_number)

    assert (released.changed, released.told) == (True, NOTHING_TO_TELL)
    assert await OutboxMessage.filter(kind=kinds.AUTO_RENEW_FAILED).count() == 0


# -- "charged" is checked with the provider -------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "code"),
    [(None, "card_reference_unknown"),
     (PaymentCheck(PaymentState.PENDING, detail="processing"), "card_reference_not_paid"),
     (PaymentCheck(PaymentState.FAILED, detail="canceled"), "card_reference_not_paid"),
     (PaymentCheck(PaymentState.PAID, 1, "IRR", "pi_x"), "card_reference_mismatch"),
     (PaymentCheck(PaymentState.PAID, None, "IRR", "pi_x"), "card_reference_mismatch"),
     ("other currency", "card_reference_mismatch"),
     ("another order's", "card_reference_mismatch")],
)  # fmt: skip
async def test_a_reference_the_provider_does_not_hold_as_this_charge_paid_is_refused(
    db, billing, money, clock, gateway, answer, code
):
    _, order = await card_charge_sent(billing, clock)
    if answer == "other currency":
        answer = PaymentCheck(PaymentState.PAID, order.payable, "USD", "pi_x")
    if answer == "another order's":
        answer = PaymentCheck(
            PaymentState.PAID, order.payable, order.currency, "pi_x",
            tracking_number=str(order.tracking_number + 1),
        )  # fmt: skip
    if answer is not None:
        gateway.payments["pi_x"] = answer

    error = await error_of(money.settle_card_charged(NINA, order.tracking_number, "pi_x"))

    assert isinstance(error, InvalidInput)
    assert (error.code, error.details["field"]) == (code, "reference")
    row = await Order.get(id=order.id)
    assert (row.status, row.gateway_ref) == (OrderStatus.PENDING, None)
    assert await AuditEntry.all().count() == 0
    assert await money.cards.count_unresolved() == 1


# -- locks: the subscriber first, as every settling path ------------------------------------


async def test_charged_waits_for_the_subscriber_before_it_locks_the_order(
    pg, billing, money, clock, gateway
):
    """A webhook settling the order locks the subscriber, then the order; taking the order
    first here could deadlock with it."""
    subscriber, order = await card_charge_sent(billing, clock)
    paid_at_provider(gateway, "pi_7", order)
    held, done = asyncio.Event(), asyncio.Event()

    async def other_settling() -> None:
        async with in_transaction():
            await lock_subscriber(subscriber.id)
            held.set()
            await done.wait()

    holder = asyncio.create_task(other_settling())
    await held.wait()
    settling = asyncio.create_task(money.settle_card_charged(NINA, order.tracking_number, "pi_7"))
    await asyncio.sleep(0.5)
    try:
        async with in_transaction() as conn:
            # NOWAIT: raises at once if the settling took the order's row while it waits.
            await conn.execute_query(
                'SELECT id FROM "order" WHERE id = $1 FOR UPDATE NOWAIT', [order.id]
            )
    finally:
        done.set()
        await holder
    settled = await settling
    assert settled.changed and settled.order.status == OrderStatus.APPLIED


# -- a run finding the charge after staff released it ---------------------------------------


async def test_a_charge_found_after_its_release_is_not_kept_on_the_failed_order(
    db, billing, money, clock
):
    _, order = await card_charge_sent(billing, clock)
    stale = await Order.get(id=order.id)  # as a run read it, before staff released it
    await money.release_card_charge(NINA, order.tracking_number)

    kept = await SavedCards._keep_reference(stale, "pi_late")

    assert kept is False  # the run then refuses the charge rather than apply it
    row = await Order.get(id=order.id)
    assert (row.status, row.gateway_ref) == (OrderStatus.FAILED, None)
