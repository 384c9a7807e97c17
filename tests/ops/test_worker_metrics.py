"""`ispbot worker` serves its own /metrics (ISPBOT_WORKER_METRICS_PORT): the alerts it sends,
the sends a channel failed, its jobs and their last success, and the database's gauges."""

from __future__ import annotations

import secrets
import socket
from datetime import timedelta

import aiohttp
from arq.connections import RedisSettings, create_pool
from prometheus_client.parser import text_string_to_metric_families
from redis.asyncio import Redis

from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.worker import build_worker
from core.clock import FixedClock
from core.inbox.models import OutboxMessage
from tests.alerts import builders as b
from tests.alerts.senders import Forbidden, RecordingSender
from tests.conftest import REDIS_TEST_URL

TEHRAN = "Asia/Tehran"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_worker_counts_what_it_sends_and_serves_the_counts(pg, postgres_url):
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    reachable = await b.subscriber(mobile="+989120000001")
    blocked = await b.subscriber(mobile="+989120000002")
    for who, chat in ((reachable, "tg1"), (blocked, "tg2")):
        await b.service(who, b.local(TEHRAN, 2026, 11, 26, 18, 0))
        await b.chat(who, "telegram", chat, seen=clock.now())
    # Written an hour ago and never sent: the worker's gauge reads its age from the database.
    stuck = await b.subscriber(mobile="+989120000003")
    await OutboxMessage.create(
        subscriber_id=stuck.id,
        kind="order_applied",
        params={},
        dedup_key="stuck:1",
        created_at=clock.now() - timedelta(hours=1),
        next_attempt_at=clock.now() + timedelta(days=1),
    )
    telegram = RecordingSender("telegram", errors=[Forbidden("Forbidden: bot was blocked")])
    sms = RecordingSender("sms")
    port = free_port()
    prefix = f"test-worker-metrics-{secrets.token_hex(4)}:"
    settings = BotSettings(
        _env_file=None,
        database_url=postgres_url,
        redis_url=REDIS_TEST_URL,
        redis_prefix=prefix,
        worker_metrics_port=port,
    )
    worker = build_worker(
        bootstrap(settings, process="worker", clock=clock, senders=[telegram, sms]),
        manage_database=False,
        burst=True,
        handle_signals=False,
    )
    pool = await create_pool(RedisSettings.from_dsn(REDIS_TEST_URL))
    try:
        await pool.enqueue_job(
            "sweep_alerts", _job_id=f"{prefix}sweep", _queue_name=f"{prefix}jobs"
        )
        await worker.main()
        # Served until the worker shuts down (close() runs its shutdown).
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                text = await response.text()
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
    finally:
        await worker.close()
        await pool.aclose()
        redis = Redis.from_url(REDIS_TEST_URL)
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()

    assert len(telegram.sent) + len(sms.sent) == 2  # one through the fallback to SMS
    served = samples(text)
    assert served["ispbot_alerts_sent_total", (("kind", "service_expiring"),)] == 2
    assert served["ispbot_channel_send_failures_total", (("channel", "telegram"),)] == 1
    # Enqueued once, but arq's cron may tick the sweep (and, after the sweep's own relay, the
    # relay) again within the burst, by the wall clock: counted each time, never failed, and the
    # alerts above were still sent once each.
    assert served["ispbot_worker_jobs_total", (("job", "sweep_alerts"), ("outcome", "ok"))] >= 1
    assert (
        "ispbot_worker_jobs_total",
        (("job", "sweep_alerts"), ("outcome", "error")),
    ) not in served
    assert served["ispbot_worker_jobs_total", (("job", "relay_outbox"), ("outcome", "ok"))] >= 1
    failed_relays = ("ispbot_worker_jobs_total", (("job", "relay_outbox"), ("outcome", "error")))
    assert failed_relays not in served
    last_relay = served["ispbot_worker_last_success_timestamp_seconds", (("job", "relay_outbox"),)]
    assert last_relay == clock.now().timestamp()
    assert served["ispbot_outbox_queue_depth", ()] == 1
    assert served["ispbot_outbox_oldest_unsent_age_seconds", ()] == 3600
    assert served["ispbot_payments_oldest_pending_age_seconds", ()] == 0


def samples(exposition: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Each sample of a Prometheus exposition by its name and sorted labels."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }
