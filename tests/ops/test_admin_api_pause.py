"""The admin API's pause state: whether the service is paused and until when, the limits it is
paused within, the year's count and the last pauses; documented in the OpenAPI."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.admin.tokens import AdminTokens
from core.billing.enums import SubscriptionSource
from tests.conftest import NOW
from tests.dialogs.conftest import make_subscriber
from tests.dialogs.test_flows_billing_support import make_plans

PATH = "/subscribers/5120001/pause"


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


async def test_the_pause_state_is_read_with_its_limits(api, services, bot_settings):
    await make_plans()
    sara = await make_subscriber(bot_settings)
    status, body = await api.call("GET", PATH)
    assert status == 200
    assert (body["paused"], body["current"], body["used_this_year"]) == (False, None, 0)
    assert (body["min_days"], body["max_days"], body["times_a_year"]) == (7, 60, 2)
    assert (body["fee"], body["currency"]) == (0, "IRR")

    await services.subscriptions.grant_service(
        sara.id, "std-1m", source=SubscriptionSource.ONLINE, starts_at=NOW - timedelta(days=1)
    )
    await services.pauses.pause(sara.id, 14)
    status, body = await api.call("GET", PATH)

    assert status == 200 and body["paused"] is True
    assert body["current"]["days"] == 14
    assert body["current"]["resume_at"].startswith((NOW + timedelta(days=14)).date().isoformat())
    assert body["current"]["resumed_at"] is None
    assert body["used_this_year"] == 1 and len(body["recent"]) == 1


async def test_an_unknown_line_is_a_404_and_the_route_is_documented(api, client):
    status, _body = await api.call("GET", "/subscribers/nobody/pause")
    assert status == 404
    document = await (await client.get("/api/v1/openapi.json")).json()
    assert "get" in document["paths"]["/api/v1/subscribers/{username}/pause"]
