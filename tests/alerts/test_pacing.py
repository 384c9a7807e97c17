"""The per-channel token bucket in Redis: shared by every process, refilled at the channel's
rate, and paused for all when a platform answers 429."""

from __future__ import annotations

import secrets
from time import monotonic

import pytest
from redis.asyncio import Redis

from bot.pacing import OutOfTime, RedisPacer, Unpaced, paced, retry_after, sending_by
from tests.alerts.senders import RetryAfter
from tests.conftest import REDIS_TEST_URL

T0 = 1_800_000_000_000  # a time in ms; the tests pass it in place of Redis's clock


@pytest.fixture
async def redis():
    client = Redis.from_url(REDIS_TEST_URL)
    prefix = f"test-pace-{secrets.token_hex(4)}:"
    yield client, prefix
    keys = [key async for key in client.scan_iter(f"{prefix}*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def test_two_processes_share_one_bucket_of_30_a_second(redis):
    client, prefix = redis
    first = RedisPacer(client, {"telegram": 30}, prefix=prefix)
    second = RedisPacer(client, {"telegram": 30}, prefix=prefix)

    waits = [await (first, second)[n % 2].try_acquire("telegram", now_ms=T0) for n in range(16)]

    assert waits[:15] == [0.0] * 15  # half a second's worth at once
    assert waits[15] == pytest.approx(0.035)  # then one every 1/29.1 s: 97 % of the limit


class PlatformBucket:
    """The platform's flood control as the Bot API server in bench/ plays it: one second's
    worth of messages, full at the start, refilled at the rate."""

    def __init__(self, rate: float) -> None:
        self.rate, self.tokens, self.at = rate, rate, 0.0

    def allow(self, at: float) -> bool:
        self.tokens = min(self.rate, self.tokens + (at - self.at) * self.rate)
        self.at = at
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


async def test_a_first_burst_that_reaches_the_platform_late_is_not_refused(redis):
    client, prefix = redis
    pacer = RedisPacer(client, {"telegram": 30}, prefix=prefix)
    arrivals: list[int] = []
    for ms in range(0, 3000, 5):  # senders ask every 5 ms for three seconds
        while await pacer.try_acquire("telegram", now_ms=T0 + ms) == 0.0:
            # The first 200 ms of sends wait for new connections and arrive together.
            arrivals.append(max(ms, 200))
    platform = PlatformBucket(30)

    refused = [at for at in arrivals if not platform.allow(at / 1000)]

    assert refused == []
    assert len(arrivals) >= 3 * 29  # and the pace is still 97 % of the limit


async def test_the_bucket_refills_a_little_under_the_channel_rate(redis):
    client, prefix = redis
    pacer = RedisPacer(client, {"sms": 1}, prefix=prefix)

    assert await pacer.try_acquire("sms", now_ms=T0) == 0.0
    assert await pacer.try_acquire("sms", now_ms=T0 + 400) == 0.631  # (1 - 0.388) / 0.97
    assert await pacer.try_acquire("sms", now_ms=T0 + 1000) == 0.031  # not yet: 0.97 a second
    assert await pacer.try_acquire("sms", now_ms=T0 + 1031) == 0.0


async def test_a_429_pauses_the_channel_for_every_process_and_only_that_channel(redis):
    client, prefix = redis
    worker_a = RedisPacer(client, {"telegram": 30, "sms": 1}, prefix=prefix)
    worker_b = RedisPacer(client, {"telegram": 30, "sms": 1}, prefix=prefix)

    await worker_a.pause("telegram", 5)
    await worker_a.pause("telegram", 1)  # a shorter pause does not cut the longer one

    assert 4.9 < await worker_b.try_acquire("telegram", now_ms=T0) <= 5.0
    assert await worker_b.try_acquire("sms", now_ms=T0) == 0.0


async def test_a_channel_without_a_rate_is_not_paced(redis):
    client, prefix = redis
    pacer = RedisPacer(client, {}, prefix=prefix)
    assert [await pacer.try_acquire("web", now_ms=T0) for _ in range(100)] == [0.0] * 100


def test_the_wait_a_platform_asked_for_is_read_from_its_error():
    class Twilio429(Exception):
        status = 429

    assert retry_after(RetryAfter(7)) == 7.0
    assert retry_after(Twilio429()) == 1.0
    assert retry_after(ConnectionError()) is None


async def test_the_web_apps_and_the_workers_notifiers_share_the_buckets(redis):
    """Both relay with build_notifier: given Redis, every send takes from the one bucket."""
    from bot.config import BotSettings
    from bot.dialogs.state import MemoryStateStore
    from bot.notify import build_notifier
    from core.clock import SystemClock
    from tests.fakes import InMemoryFileStore

    client, prefix = redis
    settings = BotSettings(_env_file=None, redis_prefix=prefix, telegram_messages_per_second=2)
    parts = {"clock": SystemClock(), "files": InMemoryFileStore(), "store": MemoryStateStore()}
    web = build_notifier(settings, [], redis=client, **parts)
    worker = build_notifier(settings, [], redis=client, **parts)
    assert await web.pacer.try_acquire("telegram") == 0.0  # the bucket holds one (2/s × 0.5 s)
    assert await worker.pacer.try_acquire("telegram") > 0  # the web app took it
    alone = build_notifier(settings, [], **parts)  # no Redis: a single process, not paced
    assert isinstance(alone.pacer, Unpaced)


class FakeTime:
    """A pacer's clock: sleeping records the wait and moves the clock on."""

    def __init__(self) -> None:
        self.moment = 1000.0
        self.waits: list[float] = []

    def now(self) -> float:
        return self.moment

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.moment += seconds


class Platform:
    """Answers each send with the next of ``answers``: an error to raise, or a value."""

    def __init__(self, *answers: object) -> None:
        self.answers = list(answers)
        self.sends = 0

    async def send(self) -> object:
        self.sends += 1
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


async def test_a_429_holds_the_key_for_retry_after_and_the_send_is_tried_again():
    time = FakeTime()
    pacer = Unpaced(now=time.now, sleep=time.sleep)
    platform = Platform(RetryAfter(7), RetryAfter(2), "sent")

    assert await paced(platform.send, pacer, "telegram", retries=3) == "sent"

    assert platform.sends == 3
    assert time.waits == [7, 2]


async def test_the_429_after_the_last_retry_is_raised_and_the_pacer_not_told():
    time = FakeTime()
    pacer = Unpaced(now=time.now, sleep=time.sleep)
    platform = Platform(RetryAfter(2), RetryAfter(3))

    with pytest.raises(RetryAfter):
        await paced(platform.send, pacer, "sms", retries=1)

    assert platform.sends == 2
    assert time.waits == [2]
    await pacer.acquire("sms")
    assert time.waits == [2]  # the caller decides what the last 429 means


async def test_a_429_asking_for_longer_than_the_longest_wait_is_raised_at_once():
    time = FakeTime()
    platform = Platform(RetryAfter(60), "sent")

    with pytest.raises(RetryAfter):
        await paced(
            platform.send,
            Unpaced(now=time.now, sleep=time.sleep),
            "sms",
            retries=3,
            longest_wait=10,
        )

    assert platform.sends == 1
    assert time.waits == []


async def test_an_error_that_is_no_rate_limit_is_not_retried():
    platform = Platform(ConnectionError(), "sent")

    with pytest.raises(ConnectionError):
        await paced(platform.send, Unpaced(), "whatsapp", retries=3)

    assert platform.sends == 1


async def test_a_pause_holds_back_only_its_own_key():
    time = FakeTime()
    pacer = Unpaced(now=time.now, sleep=time.sleep)
    await pacer.pause("telegram", 5)
    await pacer.pause("telegram", 1)  # a shorter pause does not cut the longer one

    await pacer.acquire("sms")
    assert time.waits == []
    await pacer.acquire("telegram")
    assert time.waits == [5]
    await pacer.acquire("telegram")
    assert time.waits == [5]


async def test_in_a_turn_a_pause_longer_than_is_left_to_send_is_given_up_not_waited():
    """A turn sends while it holds its chat (``sending_by``): waiting out a pause past that
    would send beside the chat's next turn."""
    time = FakeTime()
    pacer = Unpaced(now=time.now, sleep=time.sleep)
    platform = Platform("sent")
    await pacer.pause("telegram", 5)

    with sending_by(monotonic() + 2), pytest.raises(OutOfTime):
        await paced(platform.send, pacer, "telegram", retries=3)

    assert platform.sends == 0 and time.waits == []
    with sending_by(monotonic() + 8):  # a pause that fits is waited out
        assert await paced(platform.send, pacer, "telegram", retries=3) == "sent"
    assert time.waits == [5]


async def test_in_a_turn_the_shared_bucket_is_not_waited_for_past_the_deadline(redis):
    client, prefix = redis
    pacer = RedisPacer(client, {"sms": 1}, prefix=prefix)
    await pacer.acquire("sms")  # the bucket's one token: the next comes in about a second

    started = monotonic()
    with sending_by(started + 0.3), pytest.raises(OutOfTime):
        await pacer.acquire("sms")
    assert monotonic() - started < 0.2  # given up at once, not after waiting
    with sending_by(monotonic() + 5):  # a wait that fits is waited for
        await pacer.acquire("sms")
    assert monotonic() - started > 0.5
