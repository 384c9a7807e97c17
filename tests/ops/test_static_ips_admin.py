"""A line that already has its static IP, given by the import or the admin API: an address of
the operator's pool that no other line holds."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.accounts.models import Subscriber
from core.imports.subscribers import SubscriberImporter
from tests.dialogs.conftest import make_subscriber
from tests.ops import test_admin_api as admin_api

OUTSIDE = "static_ip is outside the pool (ISPBOT_STATIC_IP_POOL)"
DUPLICATE = "duplicate static_ip (another subscriber has it)"
NOT_AN_IP = "static_ip is not an IP address"

api = admin_api.api
token = admin_api.token


@pytest.fixture
def bot_settings(bot_settings):
    return bot_settings.model_copy(update={"static_ip_pool": "203.0.113.16/28,2001:db8::/120"})


async def test_the_import_takes_a_static_ip_of_the_pool_held_by_no_other_line(
    services, bot_settings, tmp_path: Path
):
    await make_subscriber(bot_settings, username="5120009", mobile=None, static_ip="203.0.113.17")
    path = tmp_path / "s.csv"
    path.write_text(
        "username,static_ip\n"
        "5120001,203.0.113.18\n"
        "5120002,203.0.113.17\n"  # held by 5120009
        "5120003,203.0.113.18\n"  # given to 5120001 two lines up
        "5120004,198.51.100.10\n"  # the demo's, not this operator's
        "5120005,203.0.113.300\n"
        "5120006,2001:DB8:0::00ff\n"
        "5120009,203.0.113.17\n",  # the one it holds: unchanged
        encoding="utf-8",
    )
    importer = SubscriberImporter(bot_settings, services.clock, services.subscriptions)

    result = await importer.run(path)

    assert [(r.key, r.reasons) for r in result.rejected] == [
        ("5120002", (DUPLICATE,)),
        ("5120003", (DUPLICATE,)),
        ("5120004", (OUTSIDE,)),
        ("5120005", (NOT_AN_IP,)),
    ]
    assert (result.created, result.unchanged) == (2, 1)
    held = dict(
        await Subscriber.filter(static_ip__isnull=False).values_list("username", "static_ip")
    )
    assert held == {"5120001": "203.0.113.18", "5120006": "2001:db8::ff", "5120009": "203.0.113.17"}


async def test_the_admin_api_checks_a_static_ip_as_the_import_does(api, bot_settings):
    await make_subscriber(bot_settings, username="5120009", mobile=None, static_ip="203.0.113.17")
    await make_subscriber(bot_settings)
    for value, message in (
        ("203.0.113.17", DUPLICATE),
        ("198.51.100.10", OUTSIDE),
        ("not an address", NOT_AN_IP),
    ):
        status, body = await api.call("PATCH", "/subscribers/5120001", json={"static_ip": value})
        assert (status, body["fields"]) == (422, [{"field": "static_ip", "message": message}])
    assert (await Subscriber.get(username="5120001")).static_ip is None

    status, body = await api.call(
        "PATCH", "/subscribers/5120001", json={"static_ip": "203.0.113.20"}
    )
    assert (status, body["static_ip"]) == (200, "203.0.113.20")
    status, body = await api.call(
        "POST", "/subscribers", json={"username": "5120002", "static_ip": "203.0.113.20"}
    )
    assert (status, body["fields"]) == (422, [{"field": "static_ip", "message": DUPLICATE}])
    assert not await Subscriber.filter(username="5120002").exists()
