"""The admin API over HTTP: bearer tokens, validation field by field, and each operation."""

from __future__ import annotations

import pytest

from core.accounts.enums import LineStatus
from core.accounts.models import ChatIdentity, LineStatusChange, Subscriber
from core.admin.tokens import AdminTokens
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order, Plan, WalletEntry
from core.inbox.models import OutboxMessage
from core.inbox.service import enqueue
from core.tickets.enums import TicketStatus
from tests.conftest import NOW
from tests.dialogs.conftest import make_subscriber


@pytest.fixture
async def token(services) -> str:
    return (await AdminTokens(services.clock).create("ops")).token


@pytest.fixture
def api(client, token):
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        async def call(self, method: str, path: str, **kwargs):
            response = await client.request(method, "/api/v1" + path, headers=headers, **kwargs)
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    return Api()


async def test_every_call_needs_a_live_token_and_the_document_is_public(client, services, token):
    assert (await client.get("/api/v1/plans")).status == 401
    wrong = await client.get("/api/v1/plans", headers={"Authorization": "Bearer isp_nope"})
    assert wrong.status == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    good = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/plans", headers=good)).status == 200
    await AdminTokens(services.clock).revoke("ops")
    assert (await client.get("/api/v1/plans", headers=good)).status == 401
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert document["openapi"].startswith("3.")
    assert "post" in document["paths"]["/api/v1/outages"]


async def test_a_path_parameter_named_like_the_document_still_needs_a_token(client):
    for method, path in (
        ("DELETE", "/api/v1/subscribers/2188001234/chats/web/openapi.json"),
        ("PATCH", "/api/v1/plans/openapi.json"),
    ):
        response = await client.request(method, path, json={})
        assert response.status == 401, (method, path, response.status)


async def test_tokens_are_stored_only_as_hashes(services, token):
    from core.admin.models import AdminToken

    stored = await AdminToken.get(name="ops")
    assert token not in (stored.token_hash, stored.prefix) and stored.prefix == token[:8]


async def test_creating_a_subscriber_checks_each_field_like_the_chat_does(api):
    status, body = await api.call(
        "POST",
        "/subscribers",
        json={"username": "5120001", "mobile": "12", "national_id": "0013542418", "x": 1},
    )
    assert status == 422
    assert {f["field"] for f in body["fields"]} == {"x"}  # unknown fields are refused first
    status, body = await api.call(
        "POST",
        "/subscribers",
        json={"username": "5120001", "mobile": "12", "national_id": "0013542418"},
    )
    assert status == 422
    assert body["fields"] == [
        {"field": "mobile", "message": "invalid mobile number"},
        {"field": "national_id", "message": "invalid national ID (wrong length or checksum)"},
    ]
    status, body = await api.call(
        "POST",
        "/subscribers",
        json={
            "username": "5120001",
            "mobile": "0912 123 4567",
            "national_id": "0013542419",
            "full_name": "Sara Rahimi",
            "panel_password": "Strong-Pass-2468",
        },
    )
    assert status == 201
    assert (body["mobile"], body["national_id"], body["line_status"]) == (
        "+989121234567",
        "0013542419",
        "in_operation",
    )
    assert (await api.call("POST", "/subscribers", json={"username": "5120001"}))[0] == 409
    status, body = await api.call(
        "POST", "/subscribers", json={"username": "5120002", "mobile": "09121234567"}
    )
    assert status == 422 and body["fields"][0]["message"].startswith("duplicate mobile")
    assert (await api.call("POST", "/subscribers", data=b"{not json"))[0] == 422


async def test_updating_line_status_free_charge_and_chats(api, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    status, body = await api.call("PATCH", "/subscribers/5120001", json={"city": "Tehran"})
    assert status == 200 and body["city"] if "city" in body else status == 200
    assert (await Subscriber.get(id=subscriber.id)).city == "Tehran"
    status, body = await api.call(
        "POST", "/subscribers/5120001/line-status", json={"status": "isolated", "reason": "deposit"}
    )
    assert (status, body["changed"]) == (200, True)
    assert (await Subscriber.get(id=subscriber.id)).line_status == LineStatus.ISOLATED
    status, body = await api.call("POST", "/subscribers/5120001/free-charge/reset")
    assert (status, body["free_charge_generation"]) == (200, 1)
    status, _ = await api.call(
        "POST", "/subscribers/5120001/chats", json={"channel": "telegram", "external_id": "777"}
    )
    assert status == 200
    chat = await ChatIdentity.get(channel="telegram", external_id="777")
    assert chat.subscriber_id == subscriber.id
    assert (await api.call("DELETE", "/subscribers/5120001/chats/telegram/777"))[0] == 204
    assert (await ChatIdentity.get(id=chat.id)).subscriber_id is None
    assert (await api.call("DELETE", "/subscribers/5120001/chats/telegram/777"))[0] == 404
    assert (await api.call("GET", "/subscribers/nobody"))[0] == 404


async def test_plans_and_a_refund_note_on_a_paid_order(api, bot_settings):
    status, plan = await api.call(
        "POST", "/plans", json={"code": "std-1m", "price": 215000, "traffic_mb": 5120}
    )
    assert status == 201 and plan["currency"] == "IRR"
    assert (await api.call("POST", "/plans", json={"code": "std-1m", "price": 1}))[0] == 409
    status, plan = await api.call("PATCH", "/plans/std-1m", json={"price": 230000})
    assert plan["price"] == 230000
    subscriber = await make_subscriber(bot_settings)
    await Order.create(
        tracking_number=469627,
        subscriber=subscriber,
        kind=OrderKind.BUY_SERVICE,
        plan=await Plan.get(code="std-1m"),
        currency="IRR",
        subtotal=230000,
        vat=20700,
        payable=250700,
        status=OrderStatus.APPLIED,
        created_at=NOW,
    )
    status, order = await api.call(
        "POST", "/orders/469627/refund", json={"note": "line never installed"}
    )
    assert (status, order["refunded"]) == (200, 250700)
    entry = await WalletEntry.get(order__tracking_number=469627)
    assert (entry.amount, entry.note) == (250700, "line never installed")
    again = await api.call("POST", "/orders/469627/refund", json={"note": "twice"})
    assert again[0] == 409 and again[1]["error"] == "order_already_refunded"
    status, orders = await api.call("GET", "/orders?status=applied")
    assert [o["tracking_number"] for o in orders["items"]] == [469627]


async def test_answering_and_closing_a_ticket_tells_the_subscriber(api, services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    ticket = await services.tickets.open_ticket(
        subscriber.id, "technical", "medium", "No sync", "DSL light off"
    )
    status, body = await api.call(
        "POST",
        f"/tickets/{ticket.number}/answer",
        json={"agent_name": "Reza", "body": "Restart the modem"},
    )
    assert (status, body["status"]) == (200, TicketStatus.ANSWERED.value)
    status, body = await api.call(
        "POST", f"/tickets/{ticket.number}/close", json={"agent_name": "Reza"}
    )
    assert body["status"] == "closed"
    kinds = set(await OutboxMessage.filter(subscriber=subscriber).values_list("kind", flat=True))
    assert {"ticket_answered", "ticket_closed"} <= kinds
    status, body = await api.call("GET", "/tickets?status=closed")
    assert [t["number"] for t in body["items"]] == [ticket.number]


async def test_an_outage_alerts_the_exchange_at_each_report(api, bot_settings):
    await make_subscriber(bot_settings, exchange_centre="Daneshgah")
    await make_subscriber(
        bot_settings, username="5120002", mobile="+989121112233", exchange_centre="Azadi"
    )
    texts = {"en": "Equipment upgrade at Daneshgah", "fa": "ارتقای تجهیزات مرکز دانشگاه"}
    status, body = await api.call(
        "POST",
        "/outages",
        json={
            "texts": texts,
            "exchange_centre": "Daneshgah",
            "estimated_repair_at": "2026-11-24T14:00:00Z",
        },
    )
    assert (status, body["messages"], body["outage"]["reports"]) == (201, 1, 1)
    outage_id = body["outage"]["id"]
    status, body = await api.call(
        "POST", f"/outages/{outage_id}/updates", json={"texts": {"en": "Half done"}}
    )
    assert body["messages"] == 1 and body["outage"]["reports"] == 2
    status, body = await api.call("POST", f"/outages/{outage_id}/resolve", json={})
    assert body["messages"] == 1 and body["outage"]["repaired_at"]
    assert (await api.call("POST", f"/outages/{outage_id}/resolve", json={}))[0] == 409
    assert await OutboxMessage.filter(kind="outage").count() == 3
    naive = await api.call(
        "POST",
        "/outages",
        json={"texts": texts, "exchange_centre": "X", "estimated_repair_at": "2026-11-24T14:00:00"},
    )
    assert naive[0] == 422 and naive[1]["fields"][0]["field"] == "estimated_repair_at"
    await api.call("POST", "/plans", json={"code": "std-1m", "price": 215000, "traffic_mb": 5120})
    status, body = await api.call(
        "POST",
        "/outages",
        json={"texts": {"en": "Plan servers down"}, "plan_code": "std-1m", "force": True},
    )
    assert (status, body["outage"]["plan_code"]) == (201, "std-1m")
    status, listed = await api.call("GET", "/outages")
    assert status == 200
    assert [(o["plan_code"], o["exchange_centre"]) for o in listed["items"]] == [
        ("std-1m", None),
        (None, "Daneshgah"),
    ]


async def test_an_outage_for_a_centre_nobody_has_is_refused_as_the_fields_error(api, bot_settings):
    await make_subscriber(bot_settings, exchange_centre="STO Kebayoran")
    texts = {"en": "Fibre cut"}
    refused = await api.call(
        "POST", "/outages", json={"texts": texts, "exchange_centre": "STO Nowhere"}
    )
    assert refused == (
        422,
        {
            "error": "validation_failed",
            "fields": [{"field": "exchange_centre", "message": "no_subscriber_at_exchange_centre"}],
        },
    )
    status, body = await api.call(
        "POST", "/outages", json={"texts": texts, "exchange_centre": "sto kebayoran "}
    )
    assert (status, body["messages"], body["outage"]["exchange_centre"]) == (
        201,
        1,
        "STO Kebayoran",
    )
    status, body = await api.call(
        "POST", "/broadcasts", json={"texts": texts, "exchange_centre": "STO Nowhere"}
    )
    assert (status, body["fields"][0]["field"]) == (422, "exchange_centre")
    status, body = await api.call(
        "POST",
        "/broadcasts",
        json={"texts": texts, "exchange_centre": "STO Nowhere", "force": True},
    )
    assert (status, body["messages"]) == (201, 0)


async def test_a_broadcast_reaches_everyone_whose_line_is_not_closed(api, bot_settings):
    await make_subscriber(bot_settings)
    await make_subscriber(
        bot_settings, username="5120002", mobile="+989121112233", line_status="closed"
    )
    status, body = await api.call("POST", "/broadcasts", json={"texts": {"en": "New plans!"}})
    assert (status, body["messages"]) == (201, 1)


async def test_setting_a_deposit_isolates_the_new_line_and_waiving_it_opens_the_line(
    api, bot_settings
):
    line = await make_subscriber(bot_settings, "5120001")

    status, body = await api.call(
        "PUT",
        "/subscribers/5120001/deposit",
        json={"deposit": 400_000, "installation_fee": 100_000},
    )
    assert status == 200
    assert body == {
        "username": "5120001",
        "deposit_due": 400_000,
        "installation_fee_due": 100_000,
        "currency": "IRR",
        "line_status": "isolated",
    }
    status, shown = await api.call("GET", "/subscribers/5120001")
    assert (shown["deposit_due"], shown["installation_fee_due"]) == (400_000, 100_000)

    status, body = await api.call("PUT", "/subscribers/5120001/deposit", json={"deposit": 0})
    assert (status, body["line_status"], body["deposit_due"]) == (200, "in_operation", 0)
    history = await LineStatusChange.filter(subscriber_id=line.id).order_by("id")
    assert [(h.status, h.reason) for h in history] == [
        (LineStatus.ISOLATED, "deposit due"),
        (LineStatus.IN_OPERATION, "deposit waived"),
    ]


async def test_a_deposit_that_is_no_amount_or_for_a_closed_line_is_refused(api, bot_settings):
    line = await make_subscriber(bot_settings, "5120001")
    for bad in ({"deposit": -1}, {"deposit": 1.5}, {"deposit": "10"}, {"installation_fee": 5}):
        status, body = await api.call("PUT", "/subscribers/5120001/deposit", json=bad)
        assert status == 422, bad
    assert (await api.call("PUT", "/subscribers/nobody/deposit", json={"deposit": 1}))[0] == 404
    await Subscriber.filter(id=line.id).update(line_status=LineStatus.CLOSED)
    status, body = await api.call("PUT", "/subscribers/5120001/deposit", json={"deposit": 1})
    assert (status, body["error"]) == (409, "line_closed")
    assert (await Subscriber.get(id=line.id)).deposit_due == 0


async def test_the_outbox_shows_what_was_sent_what_waits_and_what_expired(
    api, services, bot_settings
):
    subscriber = await make_subscriber(bot_settings)
    at = services.clock.now()
    await enqueue(subscriber.id, "ticket_answered", {}, "waits", at=at)
    await enqueue(subscriber.id, "order_applied", {}, "expired", at=at)
    await enqueue(subscriber.id, "ticket_closed", {}, "sent", at=at)
    await OutboxMessage.filter(dedup_key="expired").update(expired_at=at)
    await OutboxMessage.filter(dedup_key="sent").update(sent_at=at)

    status, body = await api.call("GET", "/outbox?state=expired")
    assert status == 200
    [expired] = body["items"]
    assert (expired["kind"], expired["state"], expired["sent_at"]) == (
        "order_applied",
        "expired",
        None,
    )
    _, body = await api.call("GET", f"/outbox?subscriber_id={subscriber.id}")
    states = {item["kind"]: item["state"] for item in body["items"]}
    assert states == {
        "ticket_answered": "waiting",
        "order_applied": "expired",
        "ticket_closed": "sent",
    }
    status, body = await api.call("GET", "/outbox?state=lost")
    assert (status, body["fields"][0]["field"]) == (422, "query.state")


async def test_staff_make_a_line_postpaid_and_read_its_bills(api, bot_settings):
    await make_subscriber(bot_settings, "5120001")
    await Plan.create(
        code="pp-2m", price=215_000, duration_days=30, billing="postpaid", names={"en": "PP"}
    )
    assert (await api.call("GET", "/subscribers/5120001/bills")) == (200, {"items": []})

    status, body = await api.call(
        "PUT",
        "/subscribers/5120001/postpaid",
        json={"plan": "pp-2m", "activated_on": "2026-03-21"},  # 1405/01/01
    )

    assert (status, len(body["items"])) == (200, 8)
    status, listed = await api.call("GET", "/subscribers/5120001/bills")
    assert listed == body
    farvardin = listed["items"][-1]
    assert {k: farvardin[k] for k in ("starts_on", "ends_on", "days", "amount", "vat")} == {
        "starts_on": "2026-03-21",
        "ends_on": "2026-04-20",
        "days": 31,
        "amount": 222_166,
        "vat": 19_994,
    }
    assert (farvardin["total"], farvardin["state"], farvardin["due_on"]) == (
        242_160,
        "open",
        "2026-04-30",
    )
    assert (await api.call("GET", "/subscribers/nobody/bills"))[0] == 404


async def test_a_line_that_cannot_be_billed_after_each_month_is_refused(api, bot_settings):
    await make_subscriber(bot_settings, "5120001")
    await Plan.create(code="prepaid", price=1, names={"en": "P"})
    for bad in (
        {"plan": "prepaid", "activated_on": "2026-11-01"},
        {"plan": "nope", "activated_on": "2026-11-01"},
        {"plan": "prepaid", "activated_on": "not a date"},
    ):
        status, body = await api.call("PUT", "/subscribers/5120001/postpaid", json=bad)
        assert status in (404, 422), (bad, status, body)
    assert (await api.call("GET", "/subscribers/5120001/bills"))[1] == {"items": []}


async def test_a_second_outage_for_the_same_centre_while_one_is_open_is_a_conflict(
    api, bot_settings
):
    await make_subscriber(bot_settings, exchange_centre="STO Kebayoran")
    body = {"texts": {"en": "Fibre cut"}, "exchange_centre": "STO Kebayoran"}
    status, _ = await api.call("POST", "/outages", json=body)
    assert status == 201

    status, refused = await api.call("POST", "/outages", json=body)

    assert status == 409
    assert refused["error"] == "outage_already_open"
