"""The admin API lists the saved card charges waiting for staff, as the console does (read
only: settling one is a person's, in the console); documented in the OpenAPI."""

from __future__ import annotations

from datetime import timedelta

from core.admin.tokens import AdminTokens
from core.billing.enums import OrderKind, SubscriptionSource
from core.billing.models import Order
from tests.conftest import NOW
from tests.dialogs.conftest import make_subscriber
from tests.dialogs.test_flows_billing_support import make_plans


async def test_the_charges_waiting_for_staff_are_listed_and_documented(client, services):
    token = (await AdminTokens(services.clock).create("ops")).token
    headers = {"Authorization": f"Bearer {token}"}
    await make_plans()
    line = await make_subscriber(services.settings)
    await services.subscriptions.grant_service(
        line.id, "std-1m", source=SubscriptionSource.ONLINE, starts_at=NOW - timedelta(days=1)
    )
    placed = await services.orders.place_saved_card_order(
        line.id, OrderKind.RENEW_SERVICE, "std-1m", "sandbox"
    )
    await Order.filter(tracking_number=placed.tracking_number).update(
        card_sent_at=NOW - timedelta(hours=24), card_unresolved_at=NOW,
        card_customer_ref="cus_A", card_method_ref="pm_A",
    )  # fmt: skip
    empty_before = await client.get("/api/v1/card-charges?before=1", headers=headers)

    listed = await client.get("/api/v1/card-charges", headers=headers)

    body = await listed.json()
    assert listed.status == 200 and (body["count"], body["next_before"]) == (1, None)
    [item] = body["items"]
    assert (item["tracking_number"], item["username"], item["payable"]) == (
        placed.tracking_number, line.username, placed.payable,
    )  # fmt: skip
    assert (item["customer_ref"], item["method_ref"]) == ("cus_A", "pm_A")
    assert item["idempotency_key"].endswith(f"-{placed.tracking_number}")
    assert (await empty_before.json())["items"] == []
    bad = await client.get("/api/v1/card-charges?limit=0", headers=headers)
    assert bad.status == 422
    assert (await client.get("/api/v1/card-charges")).status == 401
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "get" in document["paths"]["/api/v1/card-charges"]
