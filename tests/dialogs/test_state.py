"""Where conversations live between messages, and the per-chat lock: in memory, and in the real
Redis (two store instances stand for two processes sharing one Redis)."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import date

import pytest
from redis.asyncio import Redis

from bot.bootstrap import build_engine
from bot.dialogs.contract import Turn
from bot.dialogs.flow import Context, Flow, Step
from bot.dialogs.services import Services
from bot.dialogs.state import (
    SEND_MARGIN_SECONDS,
    ChatBusy,
    ChatKey,
    Claim,
    Delivery,
    DeliveryTaken,
    MemoryStateStore,
    RedisStateStore,
    StateStore,
    StoreUnavailable,
    open_state_store,
)
from tests.conftest import REDIS_TEST_URL

CHAT = ChatKey("telegram", "1001")
OTHER_CHAT = ChatKey("telegram", "1002")
SAME_ID_OTHER_CHANNEL = ChatKey("whatsapp", "1001")


class Clock:
    """An injectable monotonic clock for the memory store."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _take_turns(
    store: StateStore, stores_for_turns: list[StateStore], hold: float
) -> list[str]:
    """Run one turn per store at the same time on CHAT; each turn reads a counter, waits, and
    writes it back. Returns the order of what happened."""
    events: list[str] = []

    async def turn(number: int, turn_store: StateStore) -> None:
        async with turn_store.lock(CHAT):
            events.append(f"start {number}")
            state = await turn_store.load(CHAT) or {"count": 0}
            await asyncio.sleep(hold)
            state["count"] += 1
            await turn_store.save(CHAT, state)
            events.append(f"end {number}")

    await asyncio.gather(*(turn(i, s) for i, s in enumerate(stores_for_turns, start=1)))
    return events


def _never_interleaved(events: list[str]) -> bool:
    return all(
        events[i].startswith("start") and events[i + 1] == "end" + events[i][len("start") :]
        for i in range(0, len(events), 2)
    )


# --- memory ---------------------------------------------------------------------------------


async def test_memory_state_roundtrips_as_json_and_is_a_copy():
    store = MemoryStateStore()
    state = {"flow": "buy", "data": {"months": 3, "plan": "P-10", "ok": True, "ids": [1, 2]}}
    await store.save(CHAT, state)
    state["data"]["months"] = 12  # changing the dict after saving does not change the store
    assert await store.load(CHAT) == {
        "flow": "buy",
        "data": {"months": 3, "plan": "P-10", "ok": True, "ids": [1, 2]},
    }
    assert await store.load(OTHER_CHAT) is None
    assert await store.load(SAME_ID_OTHER_CHANNEL) is None


async def test_memory_state_keeps_persian_text_as_is():
    store = MemoryStateStore()
    await store.save(CHAT, {"name": "سارا رحیمی"})
    assert await store.load(CHAT) == {"name": "سارا رحیمی"}


async def test_memory_store_refuses_what_redis_could_not_keep():
    store = MemoryStateStore()
    with pytest.raises(TypeError):
        await store.save(CHAT, {"due": date(2026, 11, 24)})


async def test_memory_state_expires_after_its_ttl_and_every_save_renews_it():
    clock = Clock()
    store = MemoryStateStore(ttl_seconds=60, now=clock)
    await store.save(CHAT, {"step": "amount"})
    clock.now += 59.9
    assert await store.load(CHAT) == {"step": "amount"}
    await store.save(CHAT, {"step": "confirm"})  # a new turn renews the TTL
    clock.now += 59.9
    assert await store.load(CHAT) == {"step": "confirm"}
    clock.now += 0.1
    assert await store.load(CHAT) is None


async def test_memory_state_delete():
    store = MemoryStateStore()
    await store.save(CHAT, {"step": "amount"})
    await store.delete(CHAT)
    assert await store.load(CHAT) is None
    await store.delete(CHAT)  # deleting what is not there is fine


async def test_memory_seen_drops_a_redelivered_update_until_its_ttl_ends():
    clock = Clock()
    store = MemoryStateStore(now=clock)
    assert await store.seen("telegram:update:77", 10) is False
    assert await store.seen("telegram:update:77", 10) is True
    assert await store.seen("telegram:update:78", 10) is False
    clock.now += 10
    assert await store.seen("telegram:update:77", 10) is False


async def test_memory_lock_runs_two_turns_of_one_chat_one_after_the_other():
    store = MemoryStateStore()
    events = await _take_turns(store, [store, store, store], hold=0.02)
    assert events == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]
    assert await store.load(CHAT) == {"count": 3}


async def test_memory_lock_does_not_hold_other_chats():
    store = MemoryStateStore(lock_wait_seconds=0.05)
    async with store.lock(CHAT), store.lock(OTHER_CHAT), store.lock(SAME_ID_OTHER_CHANNEL):
        pass


async def test_memory_lock_gives_chat_busy_after_the_wait_and_frees_afterwards():
    store = MemoryStateStore(lock_wait_seconds=0.05)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def long_turn() -> None:
        async with store.lock(CHAT):
            holding.set()
            await release.wait()

    task = asyncio.create_task(long_turn())
    await holding.wait()
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ChatBusy) as busy:
        async with store.lock(CHAT):
            pytest.fail("two turns held one chat")
    assert loop.time() - started >= 0.04
    assert busy.value.chat == CHAT
    release.set()
    await task
    async with asyncio.timeout(1), store.lock(CHAT):
        pass


# --- the real Redis -------------------------------------------------------------------------


@pytest.fixture
async def redis_prefix() -> AsyncIterator[str]:
    """A namespace of this test's own; every key in it is deleted afterwards."""
    prefix = f"ispbot-test:{uuid.uuid4().hex}:"
    yield prefix
    client = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


@pytest.fixture
async def redis_stores(redis_prefix: str) -> AsyncIterator[Callable[..., RedisStateStore]]:
    """Makes RedisStateStores on the test's prefix, each with its own connection pool, as two
    processes would have; closes them at the end."""
    made: list[RedisStateStore] = []

    def make(**options) -> RedisStateStore:
        store = RedisStateStore.from_url(REDIS_TEST_URL, prefix=redis_prefix, **options)
        made.append(store)
        return store

    yield make
    for store in made:
        await store.close()


async def test_redis_state_roundtrips_and_a_restarted_process_resumes_it(redis_stores):
    before_restart = redis_stores()
    state = {"flow": "buy", "step": "confirm", "data": {"months": 3, "name": "سارا"}}
    await before_restart.save(CHAT, state)
    await before_restart.close()
    after_restart = redis_stores()  # a new process: nothing in memory, same Redis
    assert await after_restart.load(CHAT) == state
    assert await after_restart.load(OTHER_CHAT) is None
    assert await after_restart.load(SAME_ID_OTHER_CHANNEL) is None
    await after_restart.delete(CHAT)
    assert await redis_stores().load(CHAT) is None


async def test_redis_state_has_the_ttl_and_each_save_renews_it(redis_stores, redis_prefix):
    store = redis_stores(ttl_seconds=600)
    client = Redis.from_url(REDIS_TEST_URL, decode_responses=True)
    key = f"{redis_prefix}state:{CHAT}"
    try:
        await store.save(CHAT, {"step": "amount"})
        assert 590_000 < await client.pttl(key) <= 600_000
        await client.pexpire(key, 1000)
        await store.save(CHAT, {"step": "confirm"})
        assert await client.pttl(key) > 590_000
    finally:
        await client.aclose()


async def test_redis_state_is_gone_after_its_ttl(redis_stores):
    store = redis_stores(ttl_seconds=0.1)
    await store.save(CHAT, {"step": "amount"})
    assert await store.load(CHAT) == {"step": "amount"}
    await asyncio.sleep(0.2)
    assert await store.load(CHAT) is None


async def test_redis_seen_is_shared_by_processes_and_ends_with_its_ttl(redis_stores):
    first, second = redis_stores(), redis_stores()
    assert await first.seen("telegram:update:77", 0.2) is False
    assert await second.seen("telegram:update:77", 0.2) is True
    assert await second.seen("telegram:update:78", 0.2) is False
    await asyncio.sleep(0.3)
    assert await first.seen("telegram:update:77", 0.2) is False


async def test_redis_lock_held_by_one_process_makes_the_other_wait(redis_stores):
    first, second = redis_stores(), redis_stores()
    events = await _take_turns(first, [first, second, first, second], hold=0.05)
    assert _never_interleaved(events), events
    assert await second.load(CHAT) == {"count": 4}


async def test_redis_lock_gives_chat_busy_after_the_wait(redis_stores):
    first = redis_stores()
    second = redis_stores(lock_wait_seconds=0.1)
    async with first.lock(CHAT):
        with pytest.raises(ChatBusy) as busy:
            async with second.lock(CHAT):
                pytest.fail("two processes held one chat")
        assert busy.value.chat == CHAT
        async with second.lock(OTHER_CHAT):  # other chats are not held
            pass
    async with second.lock(CHAT):  # free again once the turn ended
        pass


async def test_a_redis_lock_left_by_a_dead_process_expires(redis_stores, caplog):
    dead = redis_stores(lock_timeout_seconds=0.2)
    alive = redis_stores(lock_wait_seconds=2)
    caplog.set_level(logging.WARNING, logger="bot.dialogs.state")
    loop = asyncio.get_running_loop()
    async with dead.lock(CHAT):
        started = loop.time()
        async with alive.lock(CHAT):
            waited = loop.time() - started
    assert 0.1 <= waited < 1.5
    assert "expired before its turn ended" in caplog.text


# --- hold: a turn's round (seen, lock, load, save) in as few trips as the store can ----------


@pytest.fixture(params=["memory", "redis"])
def one_store(request, redis_stores) -> Callable[..., StateStore]:
    """Makes stores of one kind; two made by one test share what they keep."""
    if request.param == "redis":
        return redis_stores
    shared = MemoryStateStore()
    return lambda **options: MemoryStateStore(**options) if options else shared


async def test_hold_loads_and_keeps_the_state(one_store):
    store = one_store()
    async with store.hold(CHAT) as held:
        assert held.state == {}
        held.state["step"] = "amount"
        held.keep(held.state)
    async with store.hold(CHAT) as held:
        assert held.state == {"step": "amount"}
    assert await store.load(CHAT) == {"step": "amount"}


async def test_a_claimed_delivery_is_in_flight_until_settled_then_done(one_store):
    store = one_store()
    assert await store.claim("update:1", 60) is Claim.NEW
    assert await store.claim("update:1", 60) is Claim.IN_FLIGHT  # a copy while it is handled
    assert await store.claim("update:2", 60) is Claim.NEW
    await store.settle("update:1", 60)
    assert await store.claim("update:1", 60) is Claim.DONE


async def test_a_claim_never_settled_runs_out_and_the_delivery_is_new_again(one_store):
    """The handler died (kill -9) between claiming and settling: the provider's next delivery
    is handled once the lease ran out, not taken for done."""
    store = one_store()
    assert await store.claim("update:7", 0.05) is Claim.NEW
    assert await store.claim("update:7", 0.05) is Claim.IN_FLIGHT
    await asyncio.sleep(0.1)
    assert await store.claim("update:7", 60) is Claim.NEW


async def test_a_turn_that_fails_keeps_nothing_and_lets_the_chat_go(one_store):
    store = one_store(lock_wait_seconds=0.5)
    with pytest.raises(RuntimeError):
        async with store.hold(CHAT) as held:
            held.keep({"step": "half done"})
            raise RuntimeError("the step failed")
    async with store.hold(CHAT) as held:  # not left locked
        assert held.state == {}


async def test_hold_and_lock_exclude_each_other(one_store):
    store = one_store()
    events: list[str] = []

    async def by_hold() -> None:
        async with store.hold(CHAT) as held:
            events.append("hold in")
            await asyncio.sleep(0.05)
            held.keep({"by": "hold"})
            events.append("hold out")

    async def by_lock() -> None:
        await asyncio.sleep(0.01)
        async with store.lock(CHAT):
            events.append("lock in")
            events.append("lock out")

    await asyncio.gather(by_hold(), by_lock())
    assert events == ["hold in", "hold out", "lock in", "lock out"]


async def test_a_held_chat_makes_another_process_wait_then_busy(redis_stores):
    first = redis_stores()
    patient, impatient = redis_stores(lock_wait_seconds=2), redis_stores(lock_wait_seconds=0.1)

    async def second_turn() -> dict:
        async with patient.hold(CHAT) as held:
            return held.state

    async with first.hold(CHAT) as held:
        waiting = asyncio.create_task(second_turn())
        with pytest.raises(ChatBusy):
            async with impatient.hold(CHAT):
                pass
        await asyncio.sleep(0.1)
        held.keep({"count": 1})
    assert await waiting == {"count": 1}  # it ran after the first turn, and saw its state


async def test_a_hold_that_outlives_its_lock_says_so_and_saves_nothing(redis_stores, caplog):
    store = redis_stores(lock_timeout_seconds=0.1)
    caplog.set_level(logging.WARNING, logger="bot.dialogs.state")
    async with store.hold(CHAT) as held:
        await asyncio.sleep(0.3)
        held.keep({"late": True})
    assert "expired before its turn ended; its state was not saved" in caplog.text
    assert await store.load(CHAT) is None


async def test_a_turn_that_outlived_its_lock_leaves_the_next_turns_state(redis_stores):
    """The first turn's lock runs out while it still sends; the chat's next turn runs and
    saves; the first turn's end must not put its older state back over it."""
    first, second = redis_stores(lock_timeout_seconds=0.3), redis_stores(lock_wait_seconds=2)

    async def slow_turn() -> None:
        async with first.hold(CHAT, Delivery("update:61", 60, 60)) as held:
            await asyncio.sleep(0.6)
            held.keep({"step": "from the first turn"})

    async def next_turn() -> None:
        await asyncio.sleep(0.1)
        async with second.hold(CHAT, Delivery("update:62", 60, 60)) as held:
            held.keep({"step": "from the next turn"})

    await asyncio.gather(slow_turn(), next_turn())
    assert await second.load(CHAT) == {"step": "from the next turn"}
    assert await second.claim("update:61", 60) is Claim.DONE  # its replies went out


async def test_a_deliverys_claim_outlasts_the_chats_lock(redis_stores):
    """A lease configured shorter than the lock would let a redelivered copy run beside the
    first turn once the lease ran out: the claim lasts twice the lock at least."""
    store = redis_stores(lock_timeout_seconds=0.3, lock_wait_seconds=0.05)
    async with store.hold(CHAT, Delivery("update:63", 0.1, 60)):
        await asyncio.sleep(0.35)  # the lease and the lock both ran out
        with pytest.raises(DeliveryTaken) as taken:
            async with store.hold(CHAT, Delivery("update:63", 0.1, 60)):
                pytest.fail("a copy of a turn still running is not run beside it")
        assert taken.value.claim is Claim.IN_FLIGHT


async def test_a_turn_must_be_done_sending_before_its_lock_runs_out(redis_stores):
    redis = redis_stores(lock_timeout_seconds=10)
    before = time.monotonic()
    async with redis.hold(CHAT) as held:
        assert before + 10 - SEND_MARGIN_SECONDS <= held.send_by <= time.monotonic() + 8
    async with MemoryStateStore().hold(CHAT) as held:  # a lock that never runs out
        assert held.send_by == math.inf


async def test_a_begin_sent_again_after_its_answer_was_lost_holds_the_chat(redis_stores):
    """A connection that drops after the begin script ran, retried with the same token: the
    lock and the claim are its own, so the chat is held, not busy or taken by itself."""
    store = redis_stores()
    keys = [store._key("lock", str(CHAT)), store._key("state", str(CHAT))]
    keys.append(store._key("seen", "update:64"))
    args = ["the-token", 60_000, 60_000]
    first = await store._begin(keys=keys, args=args)
    again = await store._begin(keys=keys, args=args)
    assert first[0] == again[0] == 2  # held both times
    other = await store._begin(keys=keys[:2], args=["another-token", 60_000])
    assert other[0] == 1  # anyone else finds the chat busy


def test_the_store_is_redis_when_a_url_is_set_and_memory_otherwise(bot_settings):
    assert isinstance(open_state_store(bot_settings.model_copy()), MemoryStateStore)
    with_redis = bot_settings.model_copy(update={"redis_url": REDIS_TEST_URL})
    assert isinstance(open_state_store(with_redis), RedisStateStore)


# --- the engine over Redis: two processes, one chat ---------------------------------------------


class SlowCounterFlow(Flow):
    """Counts the messages of a chat with a pause between reading and writing: two turns that
    overlap would both read the same count."""

    name = "test_slow_counter"
    needs_login = False
    audience = "anyone"
    inside = 0
    most_inside = 0

    async def ask_count(self, ctx: Context) -> None:
        ctx.say(f"count {ctx.data.get('count', 0)}")

    async def on_count(self, ctx: Context) -> None:
        SlowCounterFlow.inside += 1
        SlowCounterFlow.most_inside = max(SlowCounterFlow.most_inside, SlowCounterFlow.inside)
        try:
            count = ctx.data.get("count", 0)
            await asyncio.sleep(0.05)
            ctx.data["count"] = count + 1
        finally:
            SlowCounterFlow.inside -= 1
        await ctx.stay()

    # ---- the steps ---------------------------------------------------------------------------
    COUNT = Step("count", ask_count, on_count)
    first_step = COUNT


def _turn(text: str | None = None, choice: str | None = None) -> Turn:
    return Turn(
        channel="telegram",
        chat_id="2001",
        user_id="2001",
        text=text,
        choice=choice,
        language_hint="en",
    )


async def test_two_engines_on_one_redis_never_interleave_a_flow_of_one_chat(
    services: Services, redis_stores
):
    flow = SlowCounterFlow()
    engines = [build_engine(services, redis_stores()) for _ in range(2)]
    for engine in engines:
        engine.flows[flow.name] = flow
    SlowCounterFlow.inside = SlowCounterFlow.most_inside = 0

    await engines[0].handle(_turn("hi"))
    started = await engines[1].handle(_turn(choice=f"flow:{flow.name}"))
    assert started.replies[-1].text == "count 0"

    outcomes = await asyncio.gather(*(engines[i % 2].handle(_turn("+1")) for i in range(4)))

    assert SlowCounterFlow.most_inside == 1
    assert sorted(outcome.replies[-1].text for outcome in outcomes) == [
        "count 1",
        "count 2",
        "count 3",
        "count 4",
    ]
    # A third process started after all this finds the conversation where it was.
    restarted = build_engine(services, redis_stores())
    restarted.flows[flow.name] = flow
    resumed = await restarted.handle(_turn("+1"))
    assert resumed.replies[-1].text == "count 5"


async def test_a_turn_that_waits_too_long_for_the_chat_is_answered_politely(
    services: Services, redis_stores
):
    busy_store = redis_stores(lock_wait_seconds=0.1)
    engine = build_engine(services, busy_store)
    async with redis_stores().lock(ChatKey("telegram", "2001")):
        outcome = await engine.handle(_turn("hi"))
    assert outcome.replies[0].text == (
        "I am still working on your previous message. Please try again."
    )


# --- mailboxes ------------------------------------------------------------------------------


async def test_a_mailbox_gives_its_items_once_oldest_first_and_keeps_the_newest(redis_stores):
    for store in (MemoryStateStore(), redis_stores()):
        for item in ("one", "two", "three"):
            await store.add_mail("web:b1", item, limit=2, ttl_seconds=60)

        assert await store.take_mail("web:b1") == ["two", "three"]
        assert await store.take_mail("web:b1") == []


async def test_a_mailbox_is_shared_by_processes_and_gone_after_its_ttl(redis_stores):
    first, second = redis_stores(), redis_stores()
    await first.add_mail("web:b1", "paid", limit=5, ttl_seconds=60)
    assert await second.take_mail("web:b1") == ["paid"]

    await first.add_mail("web:b1", "late", limit=5, ttl_seconds=0.1)
    await asyncio.sleep(0.2)
    assert await second.take_mail("web:b1") == []

    clock = Clock()
    memory = MemoryStateStore(now=clock)
    await memory.add_mail("web:b1", "late", limit=5, ttl_seconds=10)
    clock.now += 11
    assert await memory.take_mail("web:b1") == []


async def test_a_round_with_a_delivery_claims_it_with_the_lock_and_settles_it_as_it_lets_go(
    one_store,
):
    store = one_store()
    delivery = Delivery("update:41", lease_seconds=60, ttl_seconds=60)
    async with store.hold(CHAT, delivery) as held:
        # A copy delivered meanwhile finds it being handled, whichever way it asks.
        assert await store.claim("update:41", 60) is Claim.IN_FLIGHT
        held.keep({"step": "done"})
    assert await store.claim("update:41", 60) is Claim.DONE
    assert await store.load(CHAT) == {"step": "done"}
    with pytest.raises(DeliveryTaken) as taken:
        async with store.hold(CHAT, delivery):
            pytest.fail("a delivery handled before is not handled again")
    assert taken.value.claim is Claim.DONE
    async with store.hold(CHAT) as held:  # the refused copy left the chat free
        assert held.state == {"step": "done"}


async def test_a_delivery_claimed_elsewhere_is_refused_and_nothing_is_held(one_store):
    """Claimed by another handler (alive, or dead with its lease running): the round refuses
    it as in flight, takes no lock, and the chat's own turns go on."""
    store = one_store(lock_wait_seconds=0.2)
    assert await store.claim("update:42", 60) is Claim.NEW
    with pytest.raises(DeliveryTaken) as taken:
        async with store.hold(CHAT, Delivery("update:42", 60, 60)):
            pytest.fail("a delivery in flight is not handled twice")
    assert taken.value.claim is Claim.IN_FLIGHT
    async with store.hold(CHAT) as held:
        assert held.state == {}


async def test_a_failed_turn_still_records_its_delivery_as_handled_and_keeps_no_state(one_store):
    """The same update again would fail again (the webhook answers it 200 either way)."""
    store = one_store()
    with pytest.raises(RuntimeError):
        async with store.hold(CHAT, Delivery("update:43", 60, 60)) as held:
            held.keep({"step": "half done"})
            raise RuntimeError("the step failed")
    assert await store.claim("update:43", 60) is Claim.DONE
    assert await store.load(CHAT) is None


async def test_a_redis_round_with_its_delivery_is_two_trips(redis_stores):
    """Lock, state and the delivery's claim in one script; state, unlock and the delivery
    recorded in another: what a Telegram turn costs the store (bench/RESULTS.md)."""
    store = redis_stores()
    trips: list[str] = []
    client = store._redis
    execute = client.execute_command

    async def counted(*args, **options):
        trips.append(str(args[0]))
        return await execute(*args, **options)

    client.execute_command = counted  # type: ignore[method-assign]
    async with store.hold(CHAT, Delivery("update:44", 60, 60)) as held:
        held.keep({"step": "shown"})
    assert trips == ["EVALSHA", "EVALSHA"]
    client.execute_command = execute  # type: ignore[method-assign]
    assert await store.claim("update:44", 60) is Claim.DONE
    assert await store.load(CHAT) == {"step": "shown"}


async def test_a_round_whose_store_is_down_says_so_and_claims_nothing():
    store = RedisStateStore.from_url("redis://127.0.0.1:9/0")  # the discard port: refused
    try:
        with pytest.raises(StoreUnavailable):
            async with store.hold(CHAT, Delivery("update:45", 60, 60)):
                pytest.fail("nothing is handled without the store")
    finally:
        await store.close()
