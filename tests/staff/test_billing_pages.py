"""Billing in the console: orders filtered and paged by key, an order's page with its receipt
PDF and its refund, refunds, bills, deposits, and "reconcile now" running the worker's job and
showing what it found; only the money roles open them, each bad filter answered in words."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order
from core.inbox.models import OutboxMessage
from core.staff import audit
from core.staff.models import AuditEntry
from tests.core.test_billing_support import make_subscriber
from tests.staff.test_subscriber_actions import line_with_a_paid_order

PAGES = (
    "/staff/billing",
    "/staff/billing/refunds",
    "/staff/billing/bills",
    "/staff/billing/deposits",
    "/staff/billing/reconcile",
)


async def pending_order(subscriber, tracking: int, created_at, gateway="sandbox") -> Order:
    return await Order.create(
        tracking_number=tracking, subscriber=subscriber, kind=OrderKind.DEPOSIT, plan=None,
        currency="IRR", subtotal=750_000, vat=0, payable=750_000, status=OrderStatus.PENDING,
        gateway=gateway, gateway_ref=f"ref-{tracking}", created_at=created_at,
    )  # fmt: skip


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("role", "status"), [("agent", 403), ("operator", 403), ("billing", 200)])
async def test_only_the_money_roles_open_the_billing_pages(console, page, role, status):
    await console.log_in(role)

    answer = await console.client.get(page)

    assert answer.status == status


async def test_orders_are_filtered_by_state_gateway_and_day_and_paged_by_key(console, clock):
    subscriber = await make_subscriber()
    for n in range(55):
        await pending_order(subscriber, 200_000 + n, clock.now() - timedelta(days=n % 3))
    await console.log_in("billing")

    first = await (await console.client.get("/staff/billing?status=pending")).text()
    assert first.count('href="/staff/billing/orders/2') == 50
    assert "before=" in first
    next_link = first.split('href="/staff/billing?status=pending&amp;before=')[1].split('"')[0]
    second = await (
        await console.client.get(f"/staff/billing?status=pending&before={next_link}")
    ).text()
    assert second.count('href="/staff/billing/orders/2') == 5
    today = clock.now().date().isoformat()
    one_day = await (await console.client.get(f"/staff/billing?from={today}&to={today}")).text()
    assert one_day.count('href="/staff/billing/orders/2') == 19
    none = await (await console.client.get("/staff/billing?status=applied")).text()
    assert "No order matches." in none
    other_gateway = await (await console.client.get("/staff/billing?gateway=zarinpal")).text()
    assert "No order matches." in other_gateway


@pytest.mark.parametrize(
    ("query", "field", "words"),
    [
        ("status=lost", "status", "Choose one of the states."),
        ("from=yesterday", "from", "Write the day as YYYY-MM-DD."),
        ("before=x1", "before", "That page link is not valid."),
    ],
)
async def test_a_bad_filter_is_answered_next_to_its_field(console, query, field, words):
    await console.log_in("admin")

    answer = await console.client.get(f"/staff/billing?{query}")

    assert answer.status == 400
    assert f'id="{field}-error">{words}' in await answer.text()


async def test_an_order_page_shows_its_receipt_and_refunds_it_to_the_wallet(console):
    subscriber, order = await line_with_a_paid_order(console)
    await console.log_in("billing")
    path = f"/staff/billing/orders/{order.tracking_number}"

    page = await (await console.client.get(path)).text()
    pdf = await console.client.get(f"{path}/receipt.pdf")
    token = await console.csrf(path)
    too_much = await console.client.post(
        f"{path}/refund", data={"csrf": token, "amount": "999999999", "note": "why"}
    )
    done = await console.client.post(
        f"{path}/refund", data={"csrf": token, "note": "double charge"}, allow_redirects=False
    )

    assert "Receipt (PDF)" in page and "Refund to the wallet" in page
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    assert too_much.status == 409
    assert 'id="amount-error">The refund must be from 1 to' in await too_much.text()
    assert done.headers["Location"] == f"{path}?done=refunded"
    wallet = console.wiring.services.billing_queries
    assert await wallet.wallet_balance(subscriber.id) == order.payable
    after = await (await console.client.get(path)).text()
    assert "Refunded to the wallet" in after and "Refund</button>" not in after
    refunds = await (await console.client.get("/staff/billing/refunds")).text()
    assert "double charge" in refunds
    assert await OutboxMessage.filter(kind="wallet_refunded").count() == 1


async def test_a_missing_order_or_receipt_is_a_404_in_words(console, clock):
    subscriber = await make_subscriber()
    await pending_order(subscriber, 300_001, clock.now())
    await console.log_in("billing")

    missing = await console.client.get("/staff/billing/orders/999998")
    out_of_range = await console.client.get("/staff/billing/orders/12")
    no_receipt = await console.client.get("/staff/billing/orders/300001/receipt.pdf")

    assert (missing.status, out_of_range.status, no_receipt.status) == (404, 404, 404)
    assert "only an applied order has one" in await no_receipt.text()


async def test_deposits_owed_and_paid_are_listed(console):
    owing = await make_subscriber("3132239711", deposit_due=500_000, installation_fee_due=250_000)
    await console.log_in("billing")

    owed = await (await console.client.get("/staff/billing/deposits")).text()
    paid = await (await console.client.get("/staff/billing/deposits?show=paid")).text()
    bad = await console.client.get("/staff/billing/deposits?show=all")

    assert owing.username in owed and "IRR\xa0500,000" in owed
    assert "No deposit paid yet." in paid
    assert bad.status == 400


async def test_bills_are_listed_by_state(console, clock):
    await line_with_a_paid_order(console)
    postpaid = await make_subscriber("3132239712")
    from core.billing.models import Plan

    await Plan.create(
        code="post-215", price=215_000, duration_days=30, billing="postpaid",
        names={"en": "Postpaid"},
    )  # fmt: skip
    services = console.wiring.services
    started = clock.now().date() - timedelta(days=70)
    await services.bills.enrol(postpaid.id, "post-215", date(started.year, started.month, 1))
    await console.log_in("billing")

    every = await (await console.client.get("/staff/billing/bills")).text()
    paid = await (await console.client.get("/staff/billing/bills?state=paid")).text()
    bad = await console.client.get("/staff/billing/bills?state=lost")

    assert every.count("post-215") >= 2
    assert "No bill matches." in paid
    assert bad.status == 400


async def test_reconcile_now_fails_expired_links_shows_them_and_is_audited(console, clock):
    subscriber = await make_subscriber()
    await pending_order(subscriber, 400_001, clock.now() - timedelta(days=2))
    await pending_order(subscriber, 400_002, clock.now())
    await console.log_in("billing")
    token = await console.csrf("/staff/billing/reconcile")

    ran = await console.client.post("/staff/billing/reconcile", data={"csrf": token})

    page = await ran.text()
    assert ran.status == 200
    assert "What it found" in page and "/staff/billing/orders/400001" in page
    assert "/staff/billing/orders/400002" not in page
    assert (await Order.get(tracking_number=400_001)).status == OrderStatus.FAILED
    assert (await Order.get(tracking_number=400_002)).status == OrderStatus.PENDING
    [entry] = await audit.entries_for("billing", "reconcile")
    assert (entry.actor_name, entry.after["changed"]) == ("billing", [400_001])
    refused = await console.client.post("/staff/billing/reconcile", data={})
    assert refused.status == 403
    assert await AuditEntry.filter(action="billing.reconcile").count() == 1


async def test_reconcile_now_names_card_charges_left_for_staff(console, clock):
    """A saved card's charge sent over 23 hours ago that Stripe holds no payment of is neither
    sent again nor failed: the report names it for a person to look up."""
    subscriber = await make_subscriber()
    sent = await pending_order(subscriber, 400_003, clock.now() - timedelta(days=2), "stripe")
    await Order.filter(id=sent.id).update(
        gateway_ref=None, card_sent_at=clock.now() - timedelta(days=2)
    )
    await console.log_in("billing")
    token = await console.csrf("/staff/billing/reconcile")

    ran = await console.client.post("/staff/billing/reconcile", data={"csrf": token})

    page = await ran.text()
    assert "Card charges for staff" in page and "/staff/billing/orders/400003" in page
    assert (await Order.get(id=sent.id)).status == OrderStatus.PENDING
