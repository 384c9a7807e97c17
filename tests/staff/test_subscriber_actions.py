"""The subscriber page's service and money actions over HTTP: shown to and taken by the roles
that may (an agent sees none of them), each audited, a refusal shown under its field with
nothing changed, a form without its CSRF token refused, and a refund seen by the subscriber
in their wallet and in the notice their chat receives."""

from __future__ import annotations

import pytest

from bot.dialogs.notices import render_notice
from bot.i18n import translator
from core.accounts import queries
from core.accounts.enums import LineStatus
from core.billing.enums import OrderKind, SubscriptionSource
from core.inbox.models import OutboxMessage
from core.staff import audit
from core.staff.models import AuditEntry
from tests.core.test_billing_support import make_plans, make_subscriber

ACTIONS = ("extend", "free-charge/reset", "static-ip", "deposit", "refund")


async def line_with_a_paid_order(console, language: str = "en"):
    """A subscriber on a year's service who bought 5 GB (109,000 IRR with VAT), paid."""
    await make_plans()
    subscriber = await make_subscriber(language=language)
    services = console.wiring.services
    await services.subscriptions.grant_service(
        subscriber.id, "year-2m", source=SubscriptionSource.ONLINE
    )
    order = await services.orders.place_order(subscriber.id, OrderKind.BUY_TRAFFIC, "gb-5")
    paid = await services.orders.confirm_payment(
        order.tracking_number, "sandbox", order.gateway_ref, order.payable
    )
    return subscriber, paid


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("agent", ()),
        ("operator", ()),
        ("billing", ACTIONS),
        ("admin", ACTIONS),
    ],
)
async def test_each_role_sees_only_the_actions_it_may_take(console, role, shown):
    subscriber, _ = await line_with_a_paid_order(console)
    await console.log_in(role)

    page = await (await console.client.get(f"/staff/subscribers/{subscriber.id}")).text()

    for action in ACTIONS:
        form = f'action="/staff/subscribers/{subscriber.id}/{action}"'
        assert (form in page) == (action in shown), (role, action)


@pytest.mark.parametrize("action", (*ACTIONS, "static-ip/release"))
async def test_an_agent_is_refused_every_money_action(console, action):
    subscriber, order = await line_with_a_paid_order(console)
    await console.log_in("agent")
    token = await console.csrf(f"/staff/subscribers/{subscriber.id}")

    refused = await console.client.post(
        f"/staff/subscribers/{subscriber.id}/{action}",
        data={"csrf": token, "days": "3", "deposit": "1", "installation_fee": "0",
              "order": str(order.tracking_number), "note": "why"},
    )  # fmt: skip

    assert refused.status == 403
    assert await AuditEntry.filter(target_type="subscriber").count() == 0


async def test_a_refund_without_its_csrf_token_changes_nothing(console):
    subscriber, order = await line_with_a_paid_order(console)
    await console.log_in("billing")

    refused = await console.client.post(
        f"/staff/subscribers/{subscriber.id}/refund",
        data={"order": str(order.tracking_number), "note": "why"},
    )

    assert refused.status == 403
    assert await console.wiring.services.billing_queries.wallet_balance(subscriber.id) == 0


async def test_a_refund_is_seen_in_the_wallet_and_in_the_subscribers_chat(console):
    subscriber, order = await line_with_a_paid_order(console, language="fa")
    await console.log_in("billing")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)

    done = await console.client.post(
        f"{path}/refund",
        data={"csrf": token, "order": str(order.tracking_number), "amount": "۴۰٬۰۰۰",
              "note": "Outage on 3 Azar"},
        allow_redirects=False,
    )  # fmt: skip

    assert (done.status, done.headers["Location"]) == (303, f"{path}?done=refunded")
    page = await (await console.client.get(done.headers["Location"])).text()
    assert "The refund is in the wallet, and the subscriber was told." in page
    assert "IRR\xa040,000" in page  # the wallet on the page
    wallet = console.wiring.services.billing_queries
    assert await wallet.wallet_balance(subscriber.id) == 40_000
    [entry] = await audit.entries_for("subscriber", subscriber.id)
    assert (entry.actor_name, entry.action) == ("billing", "subscriber.refund")
    # What the subscriber's chat is sent: the notice, in their language.
    notice = await OutboxMessage.get(subscriber_id=subscriber.id, kind="wallet_refunded")
    [reply] = await render_notice(translator("fa"), notice.kind, notice.params) or []
    assert "۴۰٬۰۰۰\xa0ریال" in reply.text
    assert "کیف پول" in reply.text and "Outage on 3 Azar" in reply.text
    again = await console.client.post(
        f"{path}/refund",
        data={"csrf": token, "order": str(order.tracking_number), "note": "again"},
    )
    assert again.status == 409
    assert 'id="refund-order-error">This order was refunded already.' in await again.text()
    assert await wallet.wallet_balance(subscriber.id) == 40_000


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"amount": "a lot", "note": "why"}, "amount", "Write a whole number"),
        ({"amount": "999999999", "note": "why"}, "amount", "The refund must be from 1 to"),
        ({"note": "  "}, "note", "Say why the order is refunded"),
        ({"order": "123", "note": "why"}, "order", "no order with that tracking number"),
    ],
)
async def test_a_bad_refund_is_shown_at_its_field_and_changes_nothing(console, data, field, words):
    subscriber, order = await line_with_a_paid_order(console)
    await console.log_in("admin")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)

    refused = await console.client.post(
        f"{path}/refund", data={"csrf": token, "order": str(order.tracking_number), **data}
    )

    assert refused.status in (404, 409, 422)
    page = await refused.text()
    assert f'id="refund-{field}-error">' in page
    assert words in page.split(f'id="refund-{field}-error">')[1].split("</p>")[0]
    assert await console.wiring.services.billing_queries.wallet_balance(subscriber.id) == 0
    assert await AuditEntry.filter(target_type="subscriber").count() == 0


async def test_billing_extends_resets_assigns_and_sets_a_deposit(console):
    subscriber, _ = await line_with_a_paid_order(console)
    await console.log_in("billing")
    path = f"/staff/subscribers/{subscriber.id}"
    token = await console.csrf(path)

    async def post(action: str, **data: str):
        return await console.client.post(
            f"{path}/{action}", data={"csrf": token, **data}, allow_redirects=False
        )

    bad_days = await post("extend", days="40")
    extended = await post("extend", days="۳")
    reset = await post("free-charge/reset")
    outside = await post("static-ip", address="10.1.2.3")
    assigned = await post("static-ip", address="")
    released = await post("static-ip/release")
    bad_fee = await post("deposit", deposit="500000", installation_fee="-5")
    deposit = await post("deposit", deposit="500,000", installation_fee="250000")

    assert bad_days.status == 422
    assert 'id="extend-days-error">Write a number of days from 1 to 31.' in await bad_days.text()
    assert outside.status == 422
    assert 'id="static_ip-address-error">That address is not in the pool.' in (await outside.text())
    assert bad_fee.status == 422
    assert 'id="deposit-installation_fee-error">' in await bad_fee.text()
    for response, done in (
        (extended, "extended"),
        (reset, "free_charge"),
        (assigned, "static_ip"),
        (released, "static_ip_released"),
        (deposit, "deposit"),
    ):
        assert response.headers["Location"] == f"{path}?done={done}"
    line = await queries.subscriber_view(subscriber.id)
    assert (line.deposit_due, line.installation_fee_due) == (500_000, 250_000)
    assert line.line_status is LineStatus.ISOLATED
    assert line.free_charge_generation == 1
    assert line.static_ip is None
    actions = [e.action for e in await audit.entries_for("subscriber", subscriber.id)]
    assert actions == [
        "subscriber.set_deposit",
        "subscriber.release_static_ip",
        "subscriber.assign_static_ip",
        "subscriber.reset_free_charge",
        "subscriber.extend_service",
    ]
