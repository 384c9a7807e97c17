"""Static IPs in the chat and by SMS: sold only from the operator's pool, refused in words when
there is none or none is free, and a pool that runs dry between the order and its payment sends
the money to the wallet."""

from __future__ import annotations

import pytest

from bot.dialogs.errors import error_text
from bot.dialogs.notices import render_notice
from core.accounts.models import Subscriber
from core.billing.enums import OrderKind, OrderStatus
from core.billing.ip_pool import DEMO_STATIC_IP_POOL_TEXT
from core.billing.models import Order, WalletEntry
from core.errors import DomainError
from core.inbox.models import OutboxMessage
from tests.dialogs.conftest import make_subscriber
from tests.dialogs.test_flows_billing_support import (
    EN,
    FA,
    give_service,
    logged_in,
    pay_last_order,
    subscriber,
)

NOT_OFFERED = "No static IP addresses are offered. Please contact support if you need one."
EXHAUSTED = "No static IP is free at the moment. Please open a ticket and we will arrange one."


@pytest.fixture
def static_ip_pool() -> str:
    return DEMO_STATIC_IP_POOL_TEXT


@pytest.fixture
def bot_settings(bot_settings, static_ip_pool):
    return bot_settings.model_copy(update={"static_ip_pool": static_ip_pool})


@pytest.mark.parametrize("static_ip_pool", [""])
async def test_with_no_pool_the_menu_offers_no_static_ip_and_a_stale_button_is_refused(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    assert chat.labels == [
        "Buy or renew service",
        "Buy traffic",
        "Buy timed traffic",
        "Change service",
        "Top up my wallet",
    ]
    await chat.send(choice="kind:static_ip")  # a button from before the pool was emptied
    assert "That choice is no longer available" in chat.text
    # Whatever asks the core (an old link, the console, another channel) hears why in words.
    with pytest.raises(DomainError) as refused:
        await services.orders.place_order(sara.id, OrderKind.STATIC_IP, "static-ip")
    assert refused.value.code == "static_ips_not_offered"
    assert error_text(EN, refused.value) == NOT_OFFERED
    assert error_text(FA, refused.value) == FA.gettext(NOT_OFFERED) != NOT_OFFERED
    assert await Order.all().count() == 0
    assert (await Subscriber.get(id=sara.id)).static_ip is None


@pytest.mark.parametrize("static_ip_pool", [""])
async def test_with_no_pool_an_address_a_line_already_holds_is_renewed(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings, static_ip="203.0.113.7")
    await give_service(services, sara)
    chat = await logged_in(engine, channel="sms")
    await chat.press("Buy or renew")
    await chat.press("Renew static IP")
    await chat.send("1")
    await chat.press("Confirm and pay")
    await pay_last_order(services, sara)
    sara = await Subscriber.get(id=sara.id)
    assert sara.static_ip == "203.0.113.7" and sara.static_ip_until is not None


@pytest.mark.parametrize("static_ip_pool", ["203.0.113.9/32"])
async def test_a_pool_with_none_free_is_refused_by_sms_before_anything_is_ordered(
    engine, services, bot_settings
):
    await make_subscriber(bot_settings, username="5120009", mobile=None, static_ip="203.0.113.9")
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine, channel="sms")
    await chat.press("Buy or renew")
    await chat.press("Static IP")
    assert EXHAUSTED in chat.text
    assert await Order.all().count() == 0
    with pytest.raises(DomainError) as refused:
        await services.orders.place_order(sara.id, OrderKind.STATIC_IP, "static-ip")
    assert refused.value.code == "static_ip_pool_exhausted"


@pytest.mark.parametrize("static_ip_pool", ["203.0.113.9/32"])
async def test_the_last_address_taken_before_the_payment_sends_the_money_to_the_wallet(
    engine, services, bot_settings
):
    sara = await subscriber(bot_settings)
    await give_service(services, sara)
    chat = await logged_in(engine)
    await chat.press("Buy or renew")
    await chat.press("Static IP")
    await chat.send("1")
    await chat.press("Confirm and pay")
    # Another line is given the pool's only address while Sara's payment is on its way.
    await make_subscriber(bot_settings, username="5120009", mobile=None, static_ip="203.0.113.9")

    order = await pay_last_order(services, sara)

    assert order.status == OrderStatus.PAID  # paid, not applied
    assert (await Subscriber.get(id=sara.id)).static_ip is None
    refund = await WalletEntry.get(order__tracking_number=order.tracking_number)
    assert (refund.amount, refund.note) == (order.payable, "static_ip_pool_exhausted")
    notice = await OutboxMessage.get(subscriber_id=sara.id, kind="order_not_applied")
    for t in (EN, FA):
        [reply] = await render_notice(t, notice.kind, notice.params)
        assert t.gettext("no static IP was free any more") in reply.text
        assert t.digits(str(order.tracking_number)) in reply.text
