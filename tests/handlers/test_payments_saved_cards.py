"""Automatic renewal with a saved card (Stripe), against the local server speaking Stripe's API:
the card is saved on Stripe's page in setup mode (only Stripe's ids kept, and only once Stripe
says so); when the wallet is short at a renewal the subscriber is told the amount and the time
first, then the card is charged off session exactly once, verified with Stripe and applied with
its receipt; a declined card or one that needs its holder is told at once with a payment link;
the card can be removed in the chat and by SMS, and a removed card is never charged."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.bootstrap import build_engine
from bot.dialogs.notices import render_notice
from bot.dialogs.state import MemoryStateStore
from bot.i18n import translator
from core.billing.auto_renew import CARD_CHARGE_MARGIN, CARD_NOTICE_LEAD
from core.billing.enums import (
    OrderKind,
    OrderStatus,
    SubscriptionSource,
    SubscriptionStatus,
    WalletEntryKind,
)
from core.billing.gateways import GatewayError
from core.billing.models import AutoRenewal, Order, SavedCard, Subscription, WalletEntry
from core.billing.reconcile import Reconciler
from core.billing.saved_cards import UNRESOLVED, ChargeOutcome
from core.inbox.models import OutboxMessage
from tests.dialogs.client import ChatClient
from tests.fakes_payments import CARD_DECLINES, CARD_NEEDS_AUTHENTICATION, CARD_OK
from tests.handlers.payments_support import buyer

USERNAME, PASSWORD = "2177889900", "Secret-2468"
RENEWAL = 1_635  # std-usd's 1,500 cents and 9 % VAT
RETURN = "/payments/stripe/return"


async def usd_line(services, settings, clock, wallet: int = 0):
    """A USD line with a paid month that ends in 3 hours, automatic renewal on, ``wallet``
    cents in the wallet."""
    line = await buyer(settings, "USD")
    await services.subscriptions.grant_service(
        line.id, "std-usd", source=SubscriptionSource.ONLINE, starts_at=clock.now()
    )
    current = await Subscription.get(subscriber_id=line.id)
    clock.advance(current.ends_at - clock.now() - timedelta(hours=3))
    if wallet:
        await WalletEntry.create(
            subscriber_id=line.id, amount=wallet, currency="USD",
            kind=WalletEntryKind.ADJUSTMENT, created_at=clock.now(),
        )  # fmt: skip
    await services.auto_renewals.set(line.id, True)
    return line


async def save_card(services, providers, line, behaviour: str = CARD_OK) -> str:
    """Save a card as the chat does; returns its payment method id at Stripe."""
    await services.saved_cards.start(line.id)
    row = await SavedCard.get(subscriber_id=line.id)
    method = providers.stripe.complete_setup(row.setup_ref, behaviour)
    assert await services.saved_cards.confirm_setup("stripe", row.setup_ref) is not None
    return method


async def card_order(pay_services, pay_settings, providers, clock):
    """A USD line with a saved card and a renewal order placed on it, not charged yet."""
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    order = await pay_services.orders.place_saved_card_order(
        line.id, OrderKind.RENEW_SERVICE, "std-usd", "stripe"
    )
    return line, order


async def renewal_left_charging(pay_services, pay_settings, providers, clock):
    """The run that placed the renewal's card order died before sending it: the attempt says
    "charging" and its order was never sent."""
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)
    placed = await pay_services.orders.place_saved_card_order(
        line.id, OrderKind.RENEW_SERVICE, "std-usd", "stripe"
    )
    order = await Order.get(tracking_number=placed.tracking_number)
    await AutoRenewal.filter(subscriber_id=line.id).update(outcome="charging", order_id=order.id)
    return line, order


async def test_a_card_is_saved_from_the_chat_once_stripe_says_so(
    pay_client, pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    chat = ChatClient(build_engine(pay_services, MemoryStateStore()))
    await chat.log_in(USERNAME, PASSWORD)
    await chat.send(choice="flow:auto_renew")
    await chat.press("Save a card for renewals")

    [link] = chat.replies[-1].links
    row = await SavedCard.get(subscriber_id=line.id)
    session = providers.stripe.sessions[row.setup_ref]
    assert link.url == session["url"]
    assert (session["mode"], session["customer"], session["currency"]) == (
        "setup", row.customer_ref, "usd",
    )  # fmt: skip
    # Back before the card is entered: nothing saved.
    early = await pay_client.get(f"{RETURN}?session_id={row.setup_ref}")
    assert 'data-result="pending"' in await early.text()
    assert not await pay_services.saved_cards.has_card(line.id)

    method = providers.stripe.complete_setup(row.setup_ref)
    page = await pay_client.get(f"{RETURN}?session_id={row.setup_ref}")

    assert page.status == 200 and 'data-result="saved"' in await page.text()
    row = await SavedCard.get(subscriber_id=line.id)
    # Only Stripe's ids: its customer and payment method.
    assert (row.customer_ref, row.method_ref) == (session["customer"], method)
    await chat.send(choice="flow:auto_renew")
    assert "A card is saved" in chat.text
    assert "Remove my saved card" in [o.label for o in chat.options]


async def test_a_signed_setup_event_saves_the_card_after_asking_stripe(
    pay_client, pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    await pay_services.saved_cards.start(line.id)
    row = await SavedCard.get(subscriber_id=line.id)
    # An event while Stripe still says "open" saves nothing, whatever the event claims.
    providers.stripe.sessions[row.setup_ref]["status"] = "open"
    body, headers = providers.stripe.event(row.setup_ref, int(clock.now().timestamp()))
    assert (await pay_client.post("/payments/stripe/webhook", data=body, headers=headers)).ok
    assert not await pay_services.saved_cards.has_card(line.id)

    providers.stripe.complete_setup(row.setup_ref)
    body, headers = providers.stripe.event(row.setup_ref, int(clock.now().timestamp()))
    response = await pay_client.post("/payments/stripe/webhook", data=body, headers=headers)

    assert response.status == 200
    assert await pay_services.saved_cards.has_card(line.id)


async def test_the_short_wallet_is_told_first_then_the_card_is_charged_once_with_a_receipt(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock, wallet=635)
    await save_card(pay_services, providers, line)

    await pay_services.auto_renewals.run()

    # Told first: the amount, when, and how to stop it; nothing charged yet.
    [ahead] = await OutboxMessage.filter(subscriber_id=line.id, kind="card_charge_ahead")
    assert (ahead.params["amount"], ahead.params["currency"]) == (1_000, "USD")
    [reply] = await render_notice(translator("en"), ahead.kind, ahead.params)
    assert "Your saved card will be charged $10.00 from" in reply.text
    assert "send CARD OFF" in reply.text
    assert providers.stripe.intent_requests == 0
    await pay_services.auto_renewals.run()
    assert providers.stripe.intent_requests == 0

    clock.advance(CARD_NOTICE_LEAD)
    await asyncio.gather(*(pay_services.auto_renewals.run() for _ in range(3)))
    await pay_services.auto_renewals.run()

    [order] = await Order.filter(subscriber_id=line.id, kind=OrderKind.RENEW_SERVICE)
    assert (order.status, order.payable, order.wallet_used) == (OrderStatus.APPLIED, 1_000, 635)
    [intent] = providers.stripe.payment_intents.values()
    assert (intent["amount"], intent["currency"], intent["status"]) == (1_000, "usd", "succeeded")
    assert intent["metadata"]["tracking_number"] == str(order.tracking_number)
    assert order.gateway_ref == intent["id"]
    [applied] = await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied")
    assert applied.params["receipt"] == intent["id"]
    assert (
        await Subscription.filter(subscriber_id=line.id, status=SubscriptionStatus.RESERVED).count()
        == 1
    )
    attempt = await AutoRenewal.get(subscriber_id=line.id)
    assert attempt.outcome == "renewed"


async def test_a_charge_whose_answer_was_lost_is_asked_again_and_applied_once(
    pay_services, pay_settings, providers, clock
):
    """Stripe charged the card but its answer never came: past the order's time the order is
    not failed (nor a fresh one charged); the same request goes again under the same
    idempotency key, Stripe answers the first charge, and it is applied once."""
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)
    providers.stripe.intents_lost = 1

    await pay_services.auto_renewals.run()  # charged at Stripe, the answer dropped
    [order] = await Order.filter(subscriber_id=line.id)
    assert (order.status, order.gateway_ref) == (OrderStatus.PENDING, None)
    assert order.card_sent_at is not None
    [first] = providers.stripe.payment_intents.values()
    assert first["status"] == "succeeded"
    clock.advance(timedelta(minutes=31))  # past the order's time
    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert len(providers.stripe.payment_intents) == 1
    assert providers.stripe.intent_requests == 1
    [order] = await Order.filter(subscriber_id=line.id)
    assert (order.status, order.gateway_ref) == (OrderStatus.APPLIED, first["id"])
    assert await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied").count() == 1
    assert await OutboxMessage.filter(kind="order_not_applied").count() == 0
    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "renewed"


async def charge_answer_lost(pay_services, pay_settings, providers, clock):
    """A line whose renewal's card charge Stripe made, the answer to it lost on the way."""
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)
    providers.stripe.intents_lost = 1
    await pay_services.auto_renewals.run()  # charged at Stripe, the answer dropped
    return line


async def test_a_lost_charge_of_a_card_removed_since_is_found_by_its_order_number(
    pay_services, pay_settings, providers, clock
):
    line = await charge_answer_lost(pay_services, pay_settings, providers, clock)
    await pay_services.saved_cards.remove(line.id)
    clock.advance(timedelta(minutes=31))

    await pay_services.auto_renewals.run()

    [first] = providers.stripe.payment_intents.values()
    [order] = await Order.filter(subscriber_id=line.id)
    assert (order.status, order.gateway_ref) == (OrderStatus.APPLIED, first["id"])
    assert providers.stripe.intent_requests == 1


async def test_a_lost_charge_of_a_removed_card_stripe_s_search_lags_on_is_still_applied(
    pay_services, pay_settings, providers, clock
):
    """Stripe's search may lag an hour: a charge whose answer was lost, of a card removed
    since, is looked up in the customer's list (Stripe's own records), never failed on a
    search miss."""
    line = await charge_answer_lost(pay_services, pay_settings, providers, clock)
    await pay_services.saved_cards.remove(line.id)
    providers.stripe.search_lags = True
    clock.advance(timedelta(minutes=31))

    await pay_services.auto_renewals.run()

    [first] = providers.stripe.payment_intents.values()
    [order] = await Order.filter(subscriber_id=line.id)
    assert (order.status, order.gateway_ref) == (OrderStatus.APPLIED, first["id"])
    assert providers.stripe.intent_requests == 1
    assert await OutboxMessage.filter(kind="auto_renew_failed").count() == 0


async def test_a_lost_charge_found_a_day_later_is_not_charged_again(
    pay_services, pay_settings, providers, clock
):
    """Stripe forgets idempotency keys after 24 hours: a day later the same request would be a
    second charge. The charge is found in the customer's list (search lagging) instead."""
    _, order = await card_order(pay_services, pay_settings, providers, clock)
    providers.stripe.intents_lost = 1
    with pytest.raises(GatewayError):
        await pay_services.saved_cards.charge(order.tracking_number)
    clock.advance(timedelta(hours=25))
    providers.stripe.forget_idempotency_keys()
    providers.stripe.search_lags = True

    result = await pay_services.saved_cards.charge(order.tracking_number)

    assert result.outcome == ChargeOutcome.PAID
    assert providers.stripe.intent_requests == 1
    [intent] = providers.stripe.payment_intents.values()
    assert (await Order.get(tracking_number=order.tracking_number)).gateway_ref == intent["id"]


async def test_a_charge_unknown_to_stripe_a_day_later_is_left_for_staff_not_sent_again(
    pay_services, pay_settings, providers, clock, caplog
):
    """Sent, never answered, and not in Stripe's records 23 hours on: sending it again could
    charge twice, failing it could lose a payment. It stays pending, said at ERROR the first
    time a run finds it so (not on every run after), and every reconcile run names it."""
    _, order = await card_order(pay_services, pay_settings, providers, clock)
    providers.stripe.intents_down = 1
    with pytest.raises(GatewayError):
        await pay_services.saved_cards.charge(order.tracking_number)
    clock.advance(timedelta(hours=23, minutes=5))
    found_at = clock.now()

    result = await pay_services.saved_cards.charge(order.tracking_number)
    first_report = await Reconciler(pay_services.orders).run()
    clock.advance(timedelta(minutes=10))
    again = await pay_services.saved_cards.charge(order.tracking_number)
    second_report = await Reconciler(pay_services.orders).run()

    assert (result.outcome, result.code) == (ChargeOutcome.WAITING, UNRESOLVED)
    assert (again.outcome, again.code) == (ChargeOutcome.WAITING, UNRESOLVED)
    assert providers.stripe.intent_requests == 0
    row = await Order.get(tracking_number=order.tracking_number)
    assert (row.status, row.card_unresolved_at) == (OrderStatus.PENDING, found_at)
    assert first_report.unresolved == second_report.unresolved == [order.tracking_number]
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1 and str(order.tracking_number) in errors[0].getMessage()


async def test_charges_of_one_order_sent_at_once_make_one_payment(
    pay_services, pay_settings, providers, clock
):
    line, order = await card_order(pay_services, pay_settings, providers, clock)

    results = await asyncio.gather(
        *(pay_services.saved_cards.charge(order.tracking_number) for _ in range(3))
    )

    assert {result.outcome for result in results} == {"paid"}
    assert len(providers.stripe.payment_intents) == 1
    order = await Order.get(tracking_number=order.tracking_number)
    assert order.status == OrderStatus.APPLIED
    assert await OutboxMessage.filter(subscriber_id=line.id, kind="order_applied").count() == 1


async def test_a_charge_stripe_did_not_answer_is_sent_again_on_the_same_order(
    pay_services, pay_settings, providers, clock
):
    """Sent, so never failed on the order's time alone: Stripe is asked (it holds no payment
    of it), and the same request goes again under the same idempotency key."""
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)
    providers.stripe.intents_down = 1

    await pay_services.auto_renewals.run()  # Stripe does not answer
    [sent] = await Order.filter(subscriber_id=line.id)
    assert (sent.status, sent.gateway_ref) == (OrderStatus.PENDING, None)
    clock.advance(timedelta(minutes=31))  # past the order's time
    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    [renewal] = await Order.filter(subscriber_id=line.id)
    assert (renewal.id, renewal.status, renewal.payable) == (
        sent.id, OrderStatus.APPLIED, RENEWAL,
    )  # fmt: skip
    assert len(providers.stripe.payment_intents) == 1
    assert await OutboxMessage.filter(kind="card_charge_ahead").count() == 1
    assert await OutboxMessage.filter(kind="auto_renew_failed").count() == 0


@pytest.mark.parametrize(
    ("behaviour", "why"),
    [
        (CARD_DECLINES, "your card was declined"),
        (CARD_NEEDS_AUTHENTICATION, "your bank wants you to confirm the payment yourself"),
    ],
)
async def test_a_refused_card_is_told_at_once_with_a_payment_link_and_not_tried_again(
    pay_services, pay_settings, providers, clock, behaviour, why
):
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line, behaviour)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)

    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert providers.stripe.intent_requests == 1
    [failed] = await OutboxMessage.filter(subscriber_id=line.id, kind="auto_renew_failed")
    assert failed.params["card_code"] == behaviour
    link_order = await Order.get(tracking_number=failed.params["tracking_number"])
    assert link_order.status == OrderStatus.PENDING and link_order.gateway == "stripe"
    assert providers.stripe.sessions[link_order.gateway_ref]["mode"] == "payment"
    [reply] = await render_notice(translator("en"), failed.kind, failed.params)
    assert why in reply.text and "$16.35" in reply.text
    assert [link.url for link in reply.links] == [failed.params["pay_url"]]
    charged = await Order.get(subscriber_id=line.id, gateway_ref__startswith="pi_")
    assert charged.status == OrderStatus.FAILED
    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "card_failed"


async def test_a_card_removed_before_its_time_is_not_charged(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    method = await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    assert await OutboxMessage.filter(kind="card_charge_ahead").count() == 1

    chat = ChatClient(build_engine(pay_services, MemoryStateStore()))
    await chat.log_in(USERNAME, PASSWORD)
    await chat.send(choice="flow:auto_renew")
    await chat.press("Remove my saved card")
    assert "Your saved card is removed" in chat.text
    clock.advance(CARD_NOTICE_LEAD)
    await pay_services.auto_renewals.run()

    assert providers.stripe.intent_requests == 0
    assert providers.stripe.payment_methods[method]["customer"] is None  # detached at Stripe
    assert await SavedCard.filter(subscriber_id=line.id).count() == 0
    [short] = await OutboxMessage.filter(kind="auto_renew_failed")
    assert short.params["reason"] == "wallet_short"


async def test_renewal_turned_off_before_the_charge_s_time_charges_nothing(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()

    await pay_services.auto_renewals.set(line.id, False)
    clock.advance(CARD_NOTICE_LEAD)
    await pay_services.auto_renewals.run()

    assert providers.stripe.intent_requests == 0
    assert await Order.filter(subscriber_id=line.id).count() == 0


async def test_card_off_by_sms_removes_the_saved_card(pay_services, pay_settings, providers, clock):
    from bot.dialogs.sms_payments import card_answer

    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    t = translator("en")

    asked = await card_answer(pay_services, t, line, "")
    removed = await card_answer(pay_services, t, line, "off")
    again = await card_answer(pay_services, t, line, "OFF")

    assert "Send CARD OFF to remove it" in asked
    assert "Your saved card is removed" in removed
    assert again == "No card is saved for your line."
    assert not await pay_services.saved_cards.has_card(line.id)


async def test_a_line_paid_in_rials_is_not_offered_a_card(
    pay_services, pay_settings, providers, clock
):
    from core.errors import DomainError

    line = await buyer(pay_settings, "IRR")
    assert not await pay_services.saved_cards.offered(line.id)
    with pytest.raises(DomainError) as refused:
        await pay_services.saved_cards.start(line.id)
    assert refused.value.code == "cards_not_offered"


async def test_the_two_day_alert_says_the_saved_card_pays_what_the_wallet_lacks(
    pay_services, pay_settings, providers, clock
):
    from core.alerts.due import DueAlerts
    from core.alerts.zones import subscriber_zones

    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    current = await Subscription.get(subscriber_id=line.id)
    clock.set(current.ends_at - timedelta(days=2))
    [zone] = await subscriber_zones(pay_settings.timezone)
    pages = DueAlerts(pay_settings).expiring(zone, clock.now())
    [alert] = [a for page in [p async for p in pages] for a in page if a.params["days_before"]]

    assert (alert.params["short"], alert.params["card"]) == (RENEWAL, True)
    [reply] = await render_notice(translator("en"), alert.kind, alert.params)
    assert "your wallet is short of $16.35" in reply.text
    assert "your saved card is charged what it lacks; I tell you before" in reply.text
    assert "remove the card" in reply.text


@pytest.mark.parametrize(
    ("text", "language", "argument"),
    [("CARD OFF", "en", "OFF"), ("kartu hapus", "id", "hapus"), ("کارت حذف", "fa", "حذف")],
)
def test_the_card_keyword_is_read_in_each_language(text, language, argument):
    from bot.dialogs.sms_keywords import Keyword, parse

    command = parse(text)

    assert (command.keyword, command.language, command.argument) == (
        Keyword.CARD, language, argument,
    )  # fmt: skip


async def test_a_card_told_an_hour_before_the_end_is_charged_before_the_service_ends(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    current = await Subscription.get(subscriber_id=line.id)
    await save_card(pay_services, providers, line)
    clock.set(current.ends_at - timedelta(hours=1))

    await pay_services.auto_renewals.run()

    [ahead] = await OutboxMessage.filter(subscriber_id=line.id, kind="card_charge_ahead")
    charge_after = datetime.fromisoformat(ahead.params["charge_after"])
    assert charge_after == current.ends_at - CARD_CHARGE_MARGIN
    clock.set(charge_after)
    await pay_services.auto_renewals.run()

    [order] = await Order.filter(subscriber_id=line.id)
    assert order.status == OrderStatus.APPLIED
    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "renewed"


async def test_a_card_not_charged_before_the_service_ended_expires_and_is_told(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    current = await Subscription.get(subscriber_id=line.id)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()  # told
    clock.set(current.ends_at + timedelta(hours=1))  # no run until after the end

    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert providers.stripe.intent_requests == 0
    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "card_expired"
    [expired] = await OutboxMessage.filter(subscriber_id=line.id, kind="auto_renew_failed")
    assert expired.params["reason"] == "card_expired"
    [reply] = await render_notice(translator("en"), expired.kind, expired.params)
    assert "your saved card could not be charged the $16.35" in reply.text
    assert "it will not be charged for it" in reply.text


async def test_a_charge_unsettled_at_the_end_is_still_settled_after_it(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    current = await Subscription.get(subscriber_id=line.id)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    clock.advance(CARD_NOTICE_LEAD)
    providers.stripe.intents_down = 1
    await pay_services.auto_renewals.run()  # Stripe does not answer
    clock.set(current.ends_at + timedelta(minutes=5))

    await pay_services.auto_renewals.run()

    [order] = await Order.filter(subscriber_id=line.id)
    assert order.status == OrderStatus.APPLIED
    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "renewed"
    assert await OutboxMessage.filter(kind="auto_renew_failed").count() == 0


async def test_a_card_stripe_refuses_outright_is_a_refusal_told_at_once(
    pay_services, pay_settings, providers, clock
):
    """A card detached at Stripe (its 400 resource_missing) is not asked again and again."""
    line = await usd_line(pay_services, pay_settings, clock)
    method = await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()
    providers.stripe.payment_methods[method]["customer"] = None  # detached at Stripe
    clock.advance(CARD_NOTICE_LEAD)

    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "card_failed"
    [failed] = await OutboxMessage.filter(subscriber_id=line.id, kind="auto_renew_failed")
    assert (failed.params["reason"], failed.params["card_code"]) == (
        "card_refused", "resource_missing",
    )  # fmt: skip


@pytest.mark.parametrize("status", [409, 429, 500])
def test_stripe_s_temporary_answers_to_a_charge_are_asked_again(status):
    from bot.payments.stripe import charge_result
    from core.billing.gateways import GatewayError

    with pytest.raises(GatewayError):
        charge_result(status, {"error": {"type": "api_error", "code": "lock_timeout"}})
    with pytest.raises(GatewayError):
        charge_result(400, {"error": {"type": "idempotency_error"}})


async def test_a_card_removed_after_its_order_is_told_as_removed_with_the_wallet_notice(
    pay_services, pay_settings, providers, clock
):
    """The run that placed the order died before sending it; the card is removed meanwhile."""
    line, _ = await renewal_left_charging(pay_services, pay_settings, providers, clock)
    await pay_services.saved_cards.remove(line.id)

    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert providers.stripe.intent_requests == 0
    [told] = await OutboxMessage.filter(subscriber_id=line.id, kind="auto_renew_failed")
    assert (told.params["reason"], told.params["card_removed"]) == ("wallet_short", True)
    [reply] = await render_notice(translator("en"), told.kind, told.params)
    assert reply.text.startswith("You removed your saved card, so it was not charged.")
    assert "your wallet is short of $16.35" in reply.text
    assert "declined" not in reply.text


async def test_a_setup_overtaken_by_a_newer_one_keeps_the_card_in_use(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    kept = await save_card(pay_services, providers, line)
    await pay_services.saved_cards.start(line.id)
    older = (await SavedCard.get(subscriber_id=line.id)).setup_ref
    entered = providers.stripe.complete_setup(older)

    async def newer_setup_started() -> None:
        providers.stripe.on_retrieve = None
        await pay_services.saved_cards.start(line.id)

    # A newer setup starts while Stripe is asked about the older one.
    providers.stripe.on_retrieve = newer_setup_started
    saved = await pay_services.saved_cards.confirm_setup("stripe", older)

    assert saved is not None and saved[1] == "failed"
    row = await SavedCard.get(subscriber_id=line.id)
    assert row.method_ref == kept and row.setup_ref != older
    assert providers.stripe.payment_methods[kept]["customer"] == row.customer_ref
    assert providers.stripe.payment_methods[entered]["customer"] is None


async def test_a_provider_past_its_total_time_is_a_gateway_error(
    pay_services, pay_settings, providers, clock
):
    """aiohttp's total timeout is a plain TimeoutError: it is the provider not answering, so
    removing a card still answers "removed" (the card is forgotten here, detached later)."""
    import aiohttp

    from bot.payments.common import HttpClient
    from core.billing.gateways import GatewayError

    line = await usd_line(pay_services, pay_settings, clock)
    await save_card(pay_services, providers, line)
    gateway = pay_services.orders.gateways["stripe"]
    await gateway.http.close()
    gateway.http = HttpClient(gateway.http.base_url, aiohttp.ClientTimeout(total=0.2))
    providers.stripe.detach_stall = 2.0

    with pytest.raises(GatewayError):
        await gateway.forget_card("pm_stalled")
    assert await pay_services.saved_cards.remove(line.id) is True
    assert not await pay_services.saved_cards.has_card(line.id)


async def test_an_order_never_sent_in_its_time_fails_and_a_fresh_one_is_charged(
    pay_services, pay_settings, providers, clock
):
    """The run that placed the order died before sending it: with no charge sent, nothing can
    have been taken, so past its time the order fails and a fresh one is charged once."""
    line, stale = await renewal_left_charging(pay_services, pay_settings, providers, clock)
    clock.advance(timedelta(minutes=31))

    await pay_services.auto_renewals.run()
    await pay_services.auto_renewals.run()

    assert (await Order.get(id=stale.id)).status == OrderStatus.FAILED
    [renewal] = await Order.filter(subscriber_id=line.id, status=OrderStatus.APPLIED)
    assert renewal.id != stale.id
    assert len(providers.stripe.payment_intents) == 1


async def test_a_card_attempt_of_renewal_turned_off_expires_untold(
    pay_services, pay_settings, providers, clock
):
    line = await usd_line(pay_services, pay_settings, clock)
    current = await Subscription.get(subscriber_id=line.id)
    await save_card(pay_services, providers, line)
    await pay_services.auto_renewals.run()  # told
    await pay_services.auto_renewals.set(line.id, False)
    clock.set(current.ends_at + timedelta(hours=1))

    await pay_services.auto_renewals.run()

    assert (await AutoRenewal.get(subscriber_id=line.id)).outcome == "card_expired"
    assert await OutboxMessage.filter(kind="auto_renew_failed").count() == 0
    assert providers.stripe.intent_requests == 0


async def test_the_return_page_of_a_stripe_past_its_time_says_pending(
    pay_client, pay_services, pay_settings, providers, clock
):
    import aiohttp

    from bot.payments.common import HttpClient

    line = await usd_line(pay_services, pay_settings, clock)
    await pay_services.saved_cards.start(line.id)
    row = await SavedCard.get(subscriber_id=line.id)
    providers.stripe.complete_setup(row.setup_ref)
    gateway = pay_services.orders.gateways["stripe"]
    await gateway.http.close()
    gateway.http = HttpClient(gateway.http.base_url, aiohttp.ClientTimeout(total=0.2))

    async def stall() -> None:
        await asyncio.sleep(2)

    providers.stripe.on_retrieve = stall
    page = await pay_client.get(f"{RETURN}?session_id={row.setup_ref}")

    assert page.status == 200 and 'data-result="pending"' in await page.text()
    assert not await pay_services.saved_cards.has_card(line.id)


async def test_a_charge_is_found_past_the_first_page_of_the_customer_s_payments(
    pay_services, providers, clock
):
    """The lookup pages through the customer's list (100 a page, newest first) and takes only
    that customer's payment carrying the order's number."""
    created = int(clock.now().timestamp())
    for n in range(150):
        providers.stripe.payment_intents[f"pi_{n:04d}"] = {
            "id": f"pi_{n:04d}", "object": "payment_intent", "customer": "cus_a",
            "created": created, "metadata": {"tracking_number": str(n)}, "status": "succeeded",
        }  # fmt: skip
    providers.stripe.payment_intents["pi_other"] = {
        "id": "pi_other", "object": "payment_intent", "customer": "cus_b",
        "created": created, "metadata": {"tracking_number": "999"}, "status": "succeeded",
    }  # fmt: skip
    gateway = pay_services.orders.gateways["stripe"]
    since = clock.now() - timedelta(hours=1)

    assert await gateway.find_card_charge(0, "cus_a", since) == "pi_0000"
    assert await gateway.find_card_charge(149, "cus_a", since) == "pi_0149"
    assert await gateway.find_card_charge(999, "cus_a", since) is None
    assert await gateway.find_card_charge(0, "cus_a", clock.now() + timedelta(hours=1)) is None
