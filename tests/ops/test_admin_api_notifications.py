"""The admin API's notification preferences (issue 20, item 6): read and replaced together,
checked like the chat checks them, documented in the OpenAPI, and followed by the notifier."""

from __future__ import annotations

import pytest

from bot.notify import ChannelNotifier
from core.accounts.models import Subscriber
from core.admin.tokens import AdminTokens
from core.alerts import kinds
from core.ports import Delivery
from tests.alerts import builders as b
from tests.alerts.senders import RecordingSender
from tests.conftest import NOW
from tests.dialogs.conftest import make_subscriber

PATH = "/subscribers/5120001/notifications"


@pytest.fixture
async def api(client, services):
    token = (await AdminTokens(services.clock).create("ops")).token
    headers = {"Authorization": f"Bearer {token}"}

    class Api:
        async def call(self, method: str, path: str, **kwargs):
            response = await client.request(method, "/api/v1" + path, headers=headers, **kwargs)
            body = await response.json() if response.content_type == "application/json" else None
            return response.status, body

    return Api()


async def test_preferences_are_read_and_replaced_and_the_notifier_follows_them(api, bot_settings):
    sara = await make_subscriber(bot_settings)
    await b.chat(sara, "telegram", "100200300", seen=NOW)

    status, body = await api.call("GET", PATH)
    assert status == 200
    assert body == {
        "username": "5120001",
        "preferred_channel": None,
        "muted": [],
        "mutable": [
            "service_expiring",
            "traffic_low",
            "free_charge_ending",
            "announcement",
            "outage",
        ],
        "reachable_channels": ["telegram", "sms"],
    }

    status, body = await api.call(
        "PUT", PATH, json={"preferred_channel": "sms", "muted": ["outage", "traffic_low"]}
    )
    assert status == 200
    assert (body["preferred_channel"], body["muted"]) == ("sms", ["outage", "traffic_low"])
    stored = await Subscriber.get(id=sara.id)
    assert (stored.preferred_channel, stored.muted_notices) == ("sms", "outage,traffic_low")
    telegram, sms = RecordingSender("telegram"), RecordingSender("sms")
    notifier = ChannelNotifier(bot_settings, [telegram, sms])
    params = {"tracking_number": 469627, "payable": 0}
    assert await notifier.notify(sara.id, kinds.PAYMENT_APPLIED, params) == Delivery(
        "sms", "+989121234567"
    )
    assert telegram.tried == []

    # A channel not linked yet is kept (it counts once linked); null is the usual order.
    status, body = await api.call("PUT", PATH, json={"preferred_channel": "whatsapp", "muted": []})
    assert (status, body["preferred_channel"], body["muted"]) == (200, "whatsapp", [])
    status, body = await api.call("PUT", PATH, json={"preferred_channel": None, "muted": []})
    assert (status, body["preferred_channel"]) == (200, None)


async def test_a_mandatory_kind_an_unknown_kind_or_channel_is_refused_field_by_field(
    api, bot_settings
):
    sara = await make_subscriber(bot_settings)
    await api.call("PUT", PATH, json={"preferred_channel": "sms", "muted": ["outage"]})
    for body, field, code in (
        ({"preferred_channel": None, "muted": ["order_applied"]}, "muted", "notice_kind_mandatory"),
        ({"preferred_channel": None, "muted": ["nonsense"]}, "muted", "unknown_notice_kind"),
        ({"preferred_channel": "pigeon", "muted": []}, "preferred_channel", "unknown_channel"),
    ):
        status, answer = await api.call("PUT", PATH, json=body)
        assert status == 422, body
        assert answer["fields"] == [{"field": field, "message": code}]
    status, answer = await api.call("PUT", PATH, json={"muted": []})
    assert status == 422 and answer["fields"][0]["field"] == "preferred_channel"
    status, answer = await api.call(
        "PUT", PATH, json={"preferred_channel": None, "muted": "outage"}
    )
    assert status == 422
    # Nothing of a refused body was kept.
    stored = await Subscriber.get(id=sara.id)
    assert (stored.preferred_channel, stored.muted_notices) == ("sms", "outage")
    assert (await api.call("GET", "/subscribers/nobody/notifications"))[0] == 404
    assert (
        await api.call(
            "PUT",
            "/subscribers/nobody/notifications",
            json={"preferred_channel": None, "muted": []},
        )
    )[0] == 404


async def test_the_operations_are_in_the_openapi_document(client):
    document = await (await client.get("/api/v1/openapi.json")).json()
    operations = document["paths"]["/api/v1/subscribers/{username}/notifications"]
    assert set(operations) == {"get", "put"}
    assert "422" in operations["put"]["responses"]
