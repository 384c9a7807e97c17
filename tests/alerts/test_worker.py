"""`ispbot worker` on arq: two workers at once, on PostgreSQL and Redis, send each due alert
once, falling back from a Telegram chat that blocked the bot, and record each in the inbox."""

from __future__ import annotations

import asyncio
import secrets

from arq.connections import RedisSettings, create_pool
from redis.asyncio import Redis

from bot.bootstrap import bootstrap
from bot.config import BotSettings
from bot.worker import build_worker
from core.clock import FixedClock
from core.inbox.models import InboxMessage, OutboxMessage
from tests.alerts import builders as b
from tests.alerts.senders import Forbidden, RecordingSender
from tests.conftest import REDIS_TEST_URL

TEHRAN = "Asia/Tehran"


async def test_two_workers_send_each_alert_once_and_fall_back_from_a_blocked_chat(pg, postgres_url):
    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    people = []
    for n in range(12):
        who = await b.subscriber(mobile=f"+98912000{n:04d}")
        await b.service(who, b.local(TEHRAN, 2026, 11, 26, 18, 0))
        await b.chat(who, "telegram", f"tg{n}", seen=clock.now())
        people.append(who)
    blocked = people[0]
    telegram = RecordingSender("telegram")
    sms = RecordingSender("sms")

    async def blocked_by_user(chat_id, replies):
        if chat_id == "tg0":
            raise Forbidden("Forbidden: bot was blocked by the user")
        return await RecordingSender.send(telegram, chat_id, replies)

    telegram.send = blocked_by_user  # type: ignore[method-assign]
    prefix = f"test-worker-{secrets.token_hex(4)}:"
    settings = BotSettings(
        _env_file=None, database_url=postgres_url, redis_url=REDIS_TEST_URL, redis_prefix=prefix
    )
    workers = [
        build_worker(
            bootstrap(settings, process="worker", clock=clock, senders=[telegram, sms]),
            manage_database=False,
            burst=True,
            handle_signals=False,
        )
        for _ in range(2)
    ]
    pool = await create_pool(RedisSettings.from_dsn(REDIS_TEST_URL))
    try:
        for n in range(2):  # the same sweep asked twice: the second adds nothing
            await pool.enqueue_job(
                "sweep_alerts", _job_id=f"{prefix}sweep{n}", _queue_name=f"{prefix}jobs"
            )

        await asyncio.gather(*(worker.main() for worker in workers))
    finally:
        for worker in workers:
            await worker.close()
        await pool.aclose()
        redis = Redis.from_url(REDIS_TEST_URL)
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()

    sent_to = sorted(chat for chat, _ in telegram.sent)
    assert sent_to == sorted(f"tg{n}" for n in range(1, 12))
    assert [chat for chat, _ in sms.sent] == [blocked.mobile]
    assert await OutboxMessage.filter(sent_at__isnull=True).count() == 0
    inbox = await InboxMessage.all().values_list("subscriber_id", "channel", "address", "kind")
    assert len(inbox) == 12
    assert (blocked.id, "sms", blocked.mobile, "service_expiring") in inbox


async def test_a_worker_built_from_settings_sends_through_telegram_and_falls_back_to_twilio_sms(
    pg, postgres_url
):
    """No recording senders: the worker builds the real Telegram and Twilio senders from its
    settings, and they speak to the local Bot API and Messages API servers."""
    from tests.fakes_telegram import TOKEN, FakeBotApi
    from tests.fakes_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    reachable = await b.subscriber(mobile="+989120000001")
    blocked = await b.subscriber(mobile="+989120000002")
    for who, chat in ((reachable, "7001"), (blocked, "7002")):
        await b.service(who, b.local(TEHRAN, 2026, 11, 26, 18, 0))
        await b.chat(who, "telegram", chat, seen=clock.now())
    twilio = FakeTwilio()
    prefix = f"test-worker-{secrets.token_hex(4)}:"
    async with FakeBotApi() as telegram:
        await twilio.start()
        telegram.fail_next("sendMessage", 403)  # the first chat served has blocked the bot
        settings = BotSettings(
            _env_file=None,
            database_url=postgres_url,
            redis_url=REDIS_TEST_URL,
            redis_prefix=prefix,
            telegram_token=TOKEN,
            telegram_api_base=telegram.base_url,
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_api_base=twilio.url,
            twilio_sms_from="+15005550006",
        )
        worker = build_worker(
            bootstrap(settings, process="worker", clock=clock),
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
        finally:
            await worker.close()
            await pool.aclose()
            await twilio.close()
            redis = Redis.from_url(REDIS_TEST_URL)
            keys = [key async for key in redis.scan_iter(f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()

        telegram_chats = {call.chat_id for call in telegram.sent()}
    inbox = set(await InboxMessage.all().values_list("subscriber_id", "channel"))
    assert len(inbox) == 2
    # Whichever chat got the 403 was reached by SMS instead; the other on Telegram.
    (by_sms,) = [who for who in (reachable, blocked) if (who.id, "sms") in inbox]
    (by_telegram,) = [who for who in (reachable, blocked) if (who.id, "telegram") in inbox]
    assert twilio.to(by_sms.mobile, "sms")
    assert telegram_chats == {7001 if by_telegram is reachable else 7002}


async def test_the_worker_runs_the_domains_upkeep_jobs(pg, postgres_url):
    """A service that ran out goes to the collection list, a campaign month is charged,
    login counters with nothing to remember are purged, and the dashboard's figures are counted
    for each period: by the worker, not by hand."""
    from bot.worker import MAINTENANCE_JOBS, build_worker
    from core.accounts.enums import LineStatus
    from core.accounts.models import Subscriber, Throttle
    from core.staff.models import DashboardSnapshot

    clock = FixedClock(b.local(TEHRAN, 2026, 11, 24, 10, 30))
    lapsed = await b.subscriber(mobile="+989120000009")
    await b.service(lapsed, b.local(TEHRAN, 2026, 11, 23, 18, 0))  # ended yesterday
    await Throttle.create(key="login:unknown:nobody")  # an empty counter
    prefix = f"test-worker-{secrets.token_hex(4)}:"
    settings = BotSettings(
        _env_file=None, database_url=postgres_url, redis_url=REDIS_TEST_URL, redis_prefix=prefix
    )
    worker = build_worker(
        bootstrap(settings, process="worker", clock=clock, senders=[]),
        manage_database=False,
        burst=True,
        handle_signals=False,
    )
    pool = await create_pool(RedisSettings.from_dsn(REDIS_TEST_URL))
    try:
        for job in MAINTENANCE_JOBS:
            await pool.enqueue_job(job.__name__, _queue_name=f"{prefix}jobs")
        await worker.main()
    finally:
        await worker.close()
        await pool.aclose()
        redis = Redis.from_url(REDIS_TEST_URL)
        keys = [key async for key in redis.scan_iter(f"{prefix}*")]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()

    assert (await Subscriber.get(id=lapsed.id)).line_status == LineStatus.IN_COLLECTION_LIST
    assert not await Throttle.filter(key="login:unknown:nobody").exists()
    kept = {row.period: row for row in await DashboardSnapshot.all()}
    assert set(kept) == {"today", "7d", "30d"} and kept["today"].computed_at == clock.now()
