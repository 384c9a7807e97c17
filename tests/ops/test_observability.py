"""Health, readiness and metrics endpoints, and the request id on responses."""

from __future__ import annotations

import logging

from aiohttp.test_utils import TestClient, TestServer

from bot.app import init_app
from bot.bootstrap import bootstrap
from bot.dialogs.state import MemoryStateStore
from bot.notify import ChannelNotifier
from bot.observability.metrics import MeteredNotifier, Metrics
from core.billing.enums import OrderKind, OrderStatus
from core.billing.models import Order, Plan
from core.inbox.models import OutboxMessage
from tests.conftest import NOW, REDIS_TEST_URL
from tests.dialogs.conftest import make_subscriber


async def _client_with(bot_settings, services, **overrides) -> TestClient:
    settings = bot_settings.model_copy(update=overrides)
    app = init_app(
        bootstrap(settings, services=services, store=MemoryStateStore()), manage_database=False
    )
    return TestClient(TestServer(app))


async def test_healthz_answers_while_the_process_runs(client):
    response = await client.get("/healthz")
    assert response.status == 200
    assert await response.json() == {"status": "ok"}


async def test_readyz_is_ready_when_the_database_and_redis_answer(bot_settings, services):
    async with await _client_with(bot_settings, services, redis_url=REDIS_TEST_URL) as client:
        response = await client.get("/readyz")
        assert response.status == 200
        assert await response.json() == {
            "status": "ready",
            "checks": {"database": "ok", "redis": "ok"},
        }


async def test_readyz_is_unavailable_when_redis_does_not_answer(bot_settings, services):
    # Port 1 on this host: nothing listens, the connection is refused at once.
    async with await _client_with(
        bot_settings, services, redis_url="redis://127.0.0.1:1/0"
    ) as client:
        response = await client.get("/readyz")
        assert response.status == 503
        body = await response.json()
        assert body["checks"] == {"database": "ok", "redis": "failing"}


async def test_a_response_carries_the_proxys_request_id_or_a_new_one(client):
    given = await client.get("/healthz", headers={"X-Request-Id": "edge-42"})
    assert given.headers["X-Request-Id"] == "edge-42"
    invented = await client.get("/healthz", headers={"X-Request-Id": "not a plain id!"})
    assert len(invented.headers["X-Request-Id"]) == 32


async def test_metrics_count_updates_per_channel_and_read_payments_and_queue(client, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    plan = await Plan.create(code="m1", names={"en": "Monthly"}, price=1000)
    for number, status in enumerate(
        [OrderStatus.PENDING, OrderStatus.APPLIED, OrderStatus.APPLIED]
    ):
        await Order.create(
            tracking_number=100 + number,
            subscriber=subscriber,
            kind=OrderKind.BUY_SERVICE,
            plan=plan,
            currency="IRR",
            subtotal=1000,
            vat=90,
            payable=1090,
            status=status,
            created_at=NOW,
        )
    await OutboxMessage.create(
        subscriber=subscriber,
        kind="expiry_soon",
        params={},
        dedup_key="k1",
        created_at=NOW,
        next_attempt_at=NOW.replace(year=2099),
    )
    await client.get("/")
    async with client.ws_connect("/ws?lang=en") as ws:
        await ws.receive_json()
    logging.getLogger("bot.dialogs.engine").error("a step failed")

    response = await client.get("/metrics")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain")
    text = await response.text()
    assert 'ispbot_updates_total{channel="web"} 1.0' in text
    assert "ispbot_dialog_errors_total 1.0" in text
    assert 'ispbot_payments{state="applied"} 2.0' in text
    assert 'ispbot_payments{state="pending"} 1.0' in text
    assert 'ispbot_payments{state="failed"} 0.0' in text
    assert "ispbot_outbox_queue_depth 1.0" in text
    assert 'ispbot_turn_seconds_count{channel="web"} 1.0' in text
    assert 'ispbot_http_request_seconds_count{route="/healthz"' not in text  # not asked yet


class _Sender:
    channel = "web"

    def __init__(self, reachable: bool) -> None:
        self.reachable = reachable

    async def send(self, chat_id, replies) -> bool:
        return self.reachable


async def test_alerts_are_counted_as_sent_or_failed(services, bot_settings):
    subscriber = await make_subscriber(bot_settings)
    await services.chats.identify_chat("web", "chat-1", "en")
    await services.login.log_in("web", "chat-1", "5120001", "Secret-2468")
    metrics = Metrics()
    reached = MeteredNotifier(ChannelNotifier(bot_settings, [_Sender(True)]), metrics)
    unreached = MeteredNotifier(ChannelNotifier(bot_settings, [_Sender(False)]), metrics)
    params = {"tracking_number": 1}
    assert await reached.notify(subscriber.id, "order_applied", params) is not None
    assert await unreached.notify(subscriber.id, "order_applied", params) is None
    text = metrics.exposition().decode()
    assert 'ispbot_alerts_sent_total{kind="order_applied"} 1.0' in text
    assert 'ispbot_alerts_failed_total{kind="order_applied",reason="no_channel"} 1.0' in text
