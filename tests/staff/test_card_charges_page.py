"""Billing's "Card charges to settle": the renewals' card charges sent over 23 hours ago that
the provider holds no payment of, listed with what to look them up by and counted on the
dashboard; the money roles say "charged" (with the payment's reference) or "not charged",
each CSRF-guarded, audited, and applied once however often the form is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.accounts.models import Subscriber
from core.billing.auto_renew import CHARGING
from core.billing.enums import OrderKind, OrderStatus, SubscriptionSource
from core.billing.models import AutoRenewal, Order, Subscription
from core.inbox.models import OutboxMessage
from core.staff.models import AuditEntry
from tests.core.test_billing_support import make_plans, make_subscriber

LIST = "/staff/billing/card-charges"


async def unresolved_charge(console, clock, username: str = "3132239700") -> Order:
    """A year's renewal whose saved card charge went 25 hours ago, unknown to the provider."""
    if username == "3132239700":
        await make_plans()
    subscriber = await make_subscriber(username, auto_renew=True)
    services = console.wiring.services
    current = await services.subscriptions.grant_service(
        subscriber.id, "year-2m", source=SubscriptionSource.ONLINE
    )
    placed = await services.orders.place_saved_card_order(
        subscriber.id, OrderKind.RENEW_SERVICE, "year-2m", "sandbox"
    )
    order = await Order.get(tracking_number=placed.tracking_number)
    await Order.filter(id=order.id).update(
        card_sent_at=clock.now() - timedelta(hours=25),
        card_unresolved_at=clock.now() - timedelta(hours=1),
        card_customer_ref="cus_Qx1",
        card_method_ref="pm_Qx1",
    )
    await AutoRenewal.create(
        subscriber_id=subscriber.id, period_end=current.ends_at, outcome=CHARGING,
        order_id=order.id, created_at=clock.now() - timedelta(hours=25),
    )  # fmt: skip
    return await Order.get(id=order.id)


async def test_billing_staff_see_the_charges_with_what_to_look_them_up_by(console, clock):
    order = await unresolved_charge(console, clock)
    await console.log_in("billing")

    dashboard = await (await console.client.get("/staff/")).text()
    page = await (await console.client.get(LIST)).text()

    assert "1 card charge to settle" in dashboard and f'href="{LIST}"' in dashboard
    assert "1 charge to settle" in page
    assert f"/staff/billing/orders/{order.tracking_number}" in page
    assert "3132239700" in page and "cus_Qx1" in page and "pm_Qx1" in page
    assert f"ispbot-order-{order.id}-{order.tracking_number}" in page
    assert f'action="{LIST}/{order.tracking_number}/charged"' in page
    assert f'action="{LIST}/{order.tracking_number}/release"' in page


@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("operator", 403)])
async def test_roles_without_money_neither_see_nor_settle_them(console, clock, role, status):
    order = await unresolved_charge(console, clock)
    await console.log_in(role)
    token = await console.csrf("/staff/")

    listed = await console.client.get(LIST)
    dashboard = await (await console.client.get("/staff/")).text()
    charged = await console.client.post(
        f"{LIST}/{order.tracking_number}/charged", data={"csrf": token, "reference": "pi_1"}
    )

    assert (listed.status, charged.status) == (status, 403)
    assert "card charge" not in dashboard
    assert (await Order.get(id=order.id)).status == OrderStatus.PENDING


async def test_charged_applies_the_order_once_however_often_it_is_sent(console, clock):
    order = await unresolved_charge(console, clock)
    await console.log_in("billing")
    token = await console.csrf(LIST)
    path = f"{LIST}/{order.tracking_number}/charged"

    answers = [
        await console.client.post(
            path, data={"csrf": token, "reference": "pi_3Pz"}, allow_redirects=False
        )
        for _ in range(2)
    ]

    done = f"{LIST}?done=charged&order={order.tracking_number}"
    assert [(a.status, a.headers["Location"]) for a in answers] == [(303, done)] * 2
    row = await Order.get(id=order.id)
    assert (row.status, row.gateway_ref) == (OrderStatus.APPLIED, "pi_3Pz")
    assert await Subscription.filter(subscriber_id=row.subscriber_id).count() == 2
    assert await OutboxMessage.filter(kind="order_applied").count() == 1
    assert await AuditEntry.filter(action="order.card_charged").count() == 1
    page = await (await console.client.get(done)).text()
    assert f"Order {order.tracking_number} is applied as paid" in page
    assert "No card charge waits to be settled." in page


async def test_not_charged_fails_the_order_and_tells_the_subscriber_once(console, clock):
    order = await unresolved_charge(console, clock)
    await console.log_in("admin")
    token = await console.csrf(LIST)
    path = f"{LIST}/{order.tracking_number}/release"

    first = await console.client.post(path, data={"csrf": token}, allow_redirects=False)
    second = await console.client.post(path, data={"csrf": token}, allow_redirects=False)

    assert first.status == second.status == 303
    assert (await Order.get(id=order.id)).status == OrderStatus.FAILED
    [told] = await OutboxMessage.filter(kind="auto_renew_failed")
    assert told.params["card_code"] == "card_unresolved" and told.params["pay_url"]
    [reply] = await render_notice(translator("en"), told.kind, told.params)
    assert "because its payment could not be confirmed, so it will not be taken" in reply.text
    assert [link.url for link in reply.links] == [told.params["pay_url"]]
    [persian] = await render_notice(translator("fa"), told.kind, told.params)
    assert "پرداخت آن تأیید نشد" in persian.text
    assert await AuditEntry.filter(action="order.card_released").count() == 1
    # Settled one way, the other is refused in words, under the order.
    late = await console.client.post(
        f"{LIST}/{order.tracking_number}/charged", data={"csrf": token, "reference": "pi_1"}
    )
    assert late.status == 409
    assert "does not wait to be settled" in await late.text()


async def test_the_page_says_when_the_subscriber_was_not_told_and_why(console, clock):
    order = await unresolved_charge(console, clock)
    await Subscriber.filter(id=order.subscriber_id).update(auto_renew=False)  # type: ignore[attr-defined]
    await console.log_in("admin")
    token = await console.csrf(LIST)

    done = await console.client.post(
        f"{LIST}/{order.tracking_number}/release", data={"csrf": token}, allow_redirects=False
    )

    page = await (await console.client.get(done.headers["Location"])).text()
    assert "The subscriber was not told: they turned automatic renewal off." in page
    assert "the subscriber was told how to pay" not in page
    assert await OutboxMessage.filter(kind="auto_renew_failed").count() == 0


async def test_a_form_without_its_csrf_token_changes_nothing(console, clock):
    order = await unresolved_charge(console, clock)
    await console.log_in("billing")

    forged = await console.client.post(
        f"{LIST}/{order.tracking_number}/charged", data={"reference": "pi_1"}
    )
    released = await console.client.post(f"{LIST}/{order.tracking_number}/release", data={})

    assert forged.status == released.status == 403
    assert (await Order.get(id=order.id)).status == OrderStatus.PENDING
    assert await AuditEntry.filter(action__startswith="order.").count() == 0


@pytest.mark.parametrize(
    ("reference", "words"),
    [("", "Write the provider&#39;s payment reference"), ("pi 1", "has no spaces")],
)
async def test_a_bad_reference_is_answered_under_its_order(console, clock, reference, words):
    first = await unresolved_charge(console, clock)
    await unresolved_charge(console, clock, "3132239701")
    await console.log_in("billing")
    token = await console.csrf(LIST)

    answer = await console.client.post(
        f"{LIST}/{first.tracking_number}/charged", data={"csrf": token, "reference": reference}
    )

    page = await answer.text()
    assert answer.status == 422
    section = page[page.index(f'id="order-{first.tracking_number}"') :]
    assert words in section[: section.index("</article>")]
    assert page.count('class="field-error"') == 1
    assert (await Order.get(id=first.id)).status == OrderStatus.PENDING


async def test_an_unknown_order_is_a_404_in_words(console, clock):
    await console.log_in("billing")
    token = await console.csrf(LIST)

    answer = await console.client.post(f"{LIST}/123456/release", data={"csrf": token})

    assert answer.status == 404
    assert "no order with that tracking number" in await answer.text()
